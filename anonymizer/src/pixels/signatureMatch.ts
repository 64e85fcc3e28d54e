/** Matching of device signatures (burnedInSignatures.ts) against a dataset's top-level attributes. */
import { tagOf } from '../dicom/dictionary.js';
import type { DicomDataset } from '../dicom/io.js';
import type { BurnedInSignature } from './burnedInSignatures.js';

function valueOf(ds: DicomDataset, keyword: string): string | undefined {
  const tag = tagOf(keyword);
  if (!tag) return undefined;
  const el = ds[tag];
  if (!el?.Value?.length) return undefined;
  return el.Value.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join('\\');
}

/** True when every condition of `sig` holds (CTP semantics: containsIgnoreCase / equals). */
export function signatureMatches(ds: DicomDataset, sig: BurnedInSignature): boolean {
  return Object.entries(sig.match).every(([keyword, cond]) => {
    const v = valueOf(ds, keyword);
    if (v === undefined) return false;
    if ('equals' in cond) return v.trim() === cond.equals;
    return v.toUpperCase().includes(cond.contains.toUpperCase());
  });
}

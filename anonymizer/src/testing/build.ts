/**
 * Test support: build small Part 10 files from dcmjs dict datasets, locate the shared fixtures, compare values.
 * Not part of the package build (tsconfig excludes src/testing).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DicomDataset, type DicomElement, TS, writePart10 } from '../dicom/io.js';

/** A dict element. */
export function el(vr: string, ...Value: unknown[]): DicomElement {
  return { vr, Value };
}

/** Writes `ds` as a Part 10 file (explicit VR LE unless told). */
export function part10(ds: DicomDataset, ts: string = TS.explicitLE): Buffer {
  const sopClass = ds['00080016']?.Value?.[0];
  const sopInstance = ds['00080018']?.Value?.[0];
  const meta: DicomDataset = {
    '00020001': el('OB', new Uint8Array([0, 1]).buffer),
    '00020010': el('UI', ts),
    '00020012': el('UI', '1.2.3.4'),
  };
  if (typeof sopClass === 'string') meta['00020002'] = el('UI', sopClass);
  if (typeof sopInstance === 'string') meta['00020003'] = el('UI', sopInstance);
  return writePart10(meta, ds);
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shared directory (docs, fixtures): $HOICHAN_SHARED_DIR or ../shared beside the repository. */
export const SHARED_DIR = process.env.HOICHAN_SHARED_DIR ?? process.env.HOICHAN_SHARED ?? path.resolve(here, '../../../../shared');
/** The real-file fixtures directory. */
export const REAL_FIXTURES = path.join(SHARED_DIR, 'fixtures/real');
/** True when the real fixtures are available. */
export const HAVE_FIXTURES = existsSync(REAL_FIXTURES);

/** First value of an element, or undefined. */
export function first(ds: DicomDataset | undefined, tag: string): unknown {
  return ds?.[tag]?.Value?.[0];
}

/** Items of a sequence element. */
export function items(ds: DicomDataset | undefined, tag: string): DicomDataset[] {
  return (ds?.[tag]?.Value ?? []) as DicomDataset[];
}

/** Calls `f` for every element of `ds` at every depth with its path. */
export function walk(ds: DicomDataset, f: (tag: string, e: DicomElement, path: string) => void, prefix = ''): void {
  for (const [tag, e] of Object.entries(ds)) {
    const p = `${prefix}(${tag.slice(0, 4)},${tag.slice(4)})`;
    f(tag, e, p);
    if (e.vr === 'SQ') (e.Value ?? []).forEach((it, i) => walk(it as DicomDataset, f, `${p}[${i}]`));
  }
}

/** Bytes of a value that dcmjs gives as ArrayBuffer / typed array. */
export function bytesOf(v: unknown): Buffer {
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new Error('not binary');
}

/** A site secret for tests. */
export const SECRET = 'hoichan-test-site-secret-0001';

/** SOP classes used by the synthetic datasets. */
export const SOP = {
  ct: '1.2.840.10008.5.1.4.1.1.2',
  mr: '1.2.840.10008.5.1.4.1.1.4',
  comprehensiveSR: '1.2.840.10008.5.1.4.1.1.88.33',
  enhancedCT: '1.2.840.10008.5.1.4.1.1.2.1',
} as const;

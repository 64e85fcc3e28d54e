import { createRequire } from 'node:module';
import type { Element } from 'dicom-parser';

/** Every VR PS3.5 Table 6.2-1 defines; anything else read from a file is treated as UN. */
export const VRS: ReadonlySet<string> = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** VRs whose values are bytes, never text or numbers (DICOM JSON: InlineBinary / BulkDataURI). */
export const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** Pixel Data, Float Pixel Data, Double Float Pixel Data: always bulk data whatever their size. */
export const PIXEL_TAGS: ReadonlySet<string> = new Set(['x7fe00010', 'x7fe00008', 'x7fe00009']);

interface DcmjsDictionary {
  data: { DicomMetaDictionary: { dictionary: Record<string, { vr: string } | undefined> } };
}

let dictionary: Record<string, { vr: string } | undefined> | undefined;
const cache = new Map<string, string | undefined>();

/**
 * The data dictionary VR of a standard tag ('x00100010' → 'PN'), as dcmjs spells it: besides real VRs,
 * 'ox' (OB or OW), 'xs' (US or SS), 'lt' (US or OW), 'up' (UL offset), 'na' (items). dcmjs resolves the
 * repeating groups (50xx, 60xx) itself. Private tags have no entry. dcmjs is loaded on first use only
 * (~90 ms, and only implicit VR files and UN elements need it).
 */
export function dictionaryVr(tag: string): string | undefined {
  if (cache.has(tag)) return cache.get(tag);
  let vr: string | undefined;
  if ((parseInt(tag.slice(1, 5), 16) & 1) === 0) {
    dictionary ??= (createRequire(import.meta.url)('dcmjs') as DcmjsDictionary).data.DicomMetaDictionary.dictionary;
    vr = dictionary[`(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`]?.vr;
  }
  if (cache.size < 100_000) cache.set(tag, vr);
  return vr;
}

/** What decides the ambiguous dictionary VRs (PS3.5 Annex A.1 for implicit VR). */
export interface VrContext {
  explicitVr: boolean;
  /** (0028,0100) of the dataset holding the pixel data; 0 when absent. */
  bitsAllocated: number;
  /** (0028,0103); 1 means signed. */
  pixelRepresentation: number;
}

const LUT_DESCRIPTORS = new Set(['x00281101', 'x00281102', 'x00281103', 'x00281111', 'x00281112', 'x00281113', 'x00283002']);

/**
 * The VR to report for an element. Explicit VR files say it, except UN, which is replaced by the real VR
 * for standard tags and private creators (the bytes of UN are the implicit little endian encoding of the
 * real VR, PS3.5 6.2.2). Implicit VR files take it from the dictionary; private data elements stay UN.
 * Elements that dicom-parser read as items (undefined-length UN) are SQ.
 */
export function resolveVr(el: Element, ctx: VrContext, littleEndian = true): string {
  const written = el.vr;
  if (ctx.explicitVr && written !== undefined && written !== 'UN') return VRS.has(written) ? written : 'UN';
  if (el.items) return 'SQ';
  const group = parseInt(el.tag.slice(1, 5), 16);
  const element = parseInt(el.tag.slice(5, 9), 16);
  if (element === 0) return 'UL'; // group length
  if (group & 1) return element >= 0x10 && element <= 0xff ? 'LO' : 'UN';
  if (ctx.explicitVr && !littleEndian) return 'UN';
  const vr = ctx.explicitVr ? dictionaryVr(el.tag) : (written ?? dictionaryVr(el.tag));
  if (vr === undefined) return 'UN';
  if (VRS.has(vr)) return vr;
  switch (vr) {
    case 'ox':
      if (el.tag === 'x7fe00010') return ctx.bitsAllocated > 8 ? 'OW' : 'OB';
      return 'OW';
    case 'xs':
      return ctx.pixelRepresentation === 1 && !LUT_DESCRIPTORS.has(el.tag) ? 'SS' : 'US';
    case 'lt':
      return 'OW';
    case 'up':
      return 'UL';
    default:
      return 'UN';
  }
}

import { dictionaryVr } from '../dicom/vr.js';

const VALID = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/**
 * The VR to write for an element read with implicit VR (PS3.5 A.1). Ambiguous dictionary VRs are resolved
 * the way PS3.5 Annex A describes for the common cases: US/SS by Pixel Representation, OB/OW by Bits
 * Allocated for Pixel Data; unknown and private data elements become UN.
 */
export function implicitVr(tag: string, ctx: { pixelRepresentation: number; bitsAllocated: number }): string {
  const group = parseInt(tag.slice(1, 5), 16);
  const element = parseInt(tag.slice(5, 9), 16);
  if (element === 0) return 'UL';
  if (group & 1) return element >= 0x10 && element <= 0xff ? 'LO' : 'UN';
  if (tag === 'x7fe00010') return ctx.bitsAllocated > 0 && ctx.bitsAllocated <= 8 ? 'OB' : 'OW';
  const vr = dictionaryVr(tag);
  if (!vr) return 'UN';
  if (VALID.has(vr)) return vr;
  if (vr === 'xs') return ctx.pixelRepresentation === 1 ? 'SS' : 'US';
  if (vr === 'ox' || vr === 'lt') return 'OW';
  return 'UN';
}

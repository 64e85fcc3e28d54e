import type { DicomJson } from '../../types';

const VOI_FUNCTIONS = new Set(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']);
const PALETTE_DATA = ['00281201', '00281202', '00281203'] as const;
const PALETTE_DESCRIPTORS = ['00281101', '00281102', '00281103'] as const;

/** Base64 → bytes (InlineBinary of the DICOM JSON model, PS3.18 F.2.7). */
function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Adapts one instance's WADO-RS metadata to what the Cornerstone wadors loader reads, without changing
 * its meaning (returns the same object, modified):
 * - palette colour LUT data sent as InlineBinary becomes a numeric `Value` (the loader reads `Value` only);
 * - a missing Modality becomes `OT` (the loader's NM check calls `.includes` on it);
 * - VOI LUT Function: LINEAR (the default, PS3.3 C.11.2.1.3) and unknown values are dropped, others are
 *   nested one level: the loader's createImage takes `[0]` of the value, which on a plain string gives "L"
 *   and makes the viewport throw "Invalid VOI LUT function" (Cornerstone 5.14).
 */
export function normalizeInstanceMetadata(ds: DicomJson): DicomJson {
  if (!ds['00080060']?.Value?.length) ds['00080060'] = { vr: 'CS', Value: ['OT'] };
  const voiFn = ds['00281056'];
  if (voiFn) {
    const v = String(voiFn.Value?.[0] ?? '').trim().toUpperCase();
    if (v !== 'LINEAR' && VOI_FUNCTIONS.has(v)) voiFn.Value = [[v]];
    else delete ds['00281056'];
  }
  PALETTE_DATA.forEach((tag, i) => {
    const attr = ds[tag];
    if (!attr?.InlineBinary || attr.Value) return;
    const bytes = base64Bytes(attr.InlineBinary);
    const desc = ds[PALETTE_DESCRIPTORS[i]!]?.Value as number[] | undefined;
    const entries = desc?.[0] === 0 ? 65536 : Number(desc?.[0] ?? 0);
    // LUT data is OW (16-bit words); a few writers pack 8-bit entries one per byte.
    const values = entries && bytes.length === entries
      ? Array.from(bytes)
      : Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2)));
    ds[tag] = { vr: attr.vr, Value: values };
  });
  return ds;
}

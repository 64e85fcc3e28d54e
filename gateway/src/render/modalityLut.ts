import type { DataSet } from 'dicom-parser';

/** First item of the Modality LUT Sequence (PS3.3 C.11.1): stored value → modality value by table. */
export interface ModalityLut {
  firstMapped: number;
  /** Bits per output entry (LUT Descriptor value 3). */
  bits: number;
  entries: Uint16Array;
}

export function readModalityLut(ds: DataSet, pixelRepresentation: number): ModalityLut | undefined {
  const item = ds.elements.x00283000?.items?.[0]?.dataSet;
  const data = item?.elements.x00283006;
  if (!item || !data || !item.elements.x00283002) return undefined;
  const n = item.uint16('x00283002', 0) || 65536;
  const firstMapped = (pixelRepresentation === 1 ? item.int16('x00283002', 1) : item.uint16('x00283002', 1)) ?? 0;
  const bits = item.uint16('x00283002', 2) || 16;
  const entries = new Uint16Array(n);
  const parser = item.byteArrayParser;
  if (data.length >= n * 2) {
    for (let i = 0; i < n; i++) entries[i] = parser.readUint16(item.byteArray, data.dataOffset + i * 2);
  } else if (data.length >= n) {
    // Some writers pack 8-bit entries one per byte.
    for (let i = 0; i < n; i++) entries[i] = item.byteArray[data.dataOffset + i]!;
  } else {
    return undefined;
  }
  return { firstMapped, bits, entries };
}

/**
 * Applies the LUT to one decoded grayscale frame (little-endian, 8/16/32 bits allocated). Stored values
 * are masked to Bits Stored and sign-extended; values outside the table clamp to its ends (PS3.3 C.11.1.1).
 */
export function applyModalityLut(
  pixels: Uint8Array,
  px: { bitsAllocated: number; bitsStored: number; pixelRepresentation: number },
  lut: ModalityLut,
): Uint16Array {
  const count = Math.floor((pixels.length * 8) / px.bitsAllocated);
  const bitsStored = Math.min(px.bitsStored, px.bitsAllocated);
  const last = lut.entries.length - 1;
  const outMask = 2 ** lut.bits - 1;
  const mapped = (raw: number): number => {
    let v = raw;
    if (px.pixelRepresentation === 1 && v >= 2 ** (bitsStored - 1)) v -= 2 ** bitsStored;
    return lut.entries[Math.min(last, Math.max(0, v - lut.firstMapped))]! & outMask;
  };
  const out = new Uint16Array(count);
  if (bitsStored <= 16 && px.bitsAllocated <= 16) {
    // Table over every possible stored value: one lookup per pixel.
    const mask = 2 ** bitsStored - 1;
    const table = new Uint16Array(mask + 1);
    for (let v = 0; v <= mask; v++) table[v] = mapped(v);
    const src = px.bitsAllocated === 8 ? pixels : aligned16(pixels);
    for (let i = 0; i < count; i++) out[i] = table[src[i]! & mask]!;
    return out;
  }
  const view = new DataView(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  for (let i = 0; i < count; i++) out[i] = mapped((view.getUint32(i * 4, true) & mask) >>> 0);
  return out;
}

function aligned16(b: Uint8Array): Uint16Array {
  if (b.byteOffset % 2 === 0) return new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Uint16Array(copy.buffer, 0, b.byteLength >> 1);
}

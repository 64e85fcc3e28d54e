import type { Fragment } from 'dicom-parser';
import type { ParsedDataset } from './readDataset.js';
import { frameBits, type ImagePixel } from './imagePixel.js';
import { sniffCodestream } from './codestream.js';
import { TranscodeError } from './TranscodeError.js';

/**
 * One native (uncompressed) frame as little-endian bytes. 1-bit frames are re-aligned to start on a byte
 * boundary (packed frames may start mid-byte, PS3.5 8.1.1).
 */
export function nativeFrame(parsed: ParsedDataset, px: ImagePixel, index: number): Uint8Array {
  const { byteArray } = parsed.dataSet;
  const el = px.pixelData;
  const bits = frameBits(px);
  const startBit = bits * index;
  const endByte = Math.ceil((startBit + bits) / 8);
  if (endByte > el.length) {
    throw new TranscodeError('truncated-pixel-data', `Pixel Data holds ${el.length} bytes; frame ${index + 1} needs bytes up to ${endByte}`);
  }
  if (startBit % 8 !== 0) return shiftBits(byteArray.subarray(el.dataOffset, el.dataOffset + endByte), startBit, bits);
  const data = byteArray.subarray(el.dataOffset + startBit / 8, el.dataOffset + endByte);
  if (parsed.littleEndian) return data;
  // Big endian: swap each sample (OW words for 8-bit data stored as OW).
  const width = px.bitsAllocated > 8 ? px.bitsAllocated / 8 : el.vr === 'OW' ? 2 : 1;
  return width > 1 ? swapped(data, width) : data;
}

export function swapped(data: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(data.length);
  const whole = data.length - (data.length % width);
  for (let i = 0; i < whole; i += width) for (let k = 0; k < width; k++) out[i + k] = data[i + width - 1 - k]!;
  out.set(data.subarray(whole), whole);
  return out;
}

function shiftBits(src: Uint8Array, startBit: number, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits / 8));
  for (let i = 0; i < bits; i++) {
    const s = startBit + i;
    if ((src[s >> 3]! >> (s & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/**
 * The codestream of one encapsulated frame (PS3.5 A.4): by Extended Offset Table, Basic Offset Table,
 * one fragment per frame, or, with an empty BOT and more fragments than frames, by codestream starts.
 */
export function encapsulatedFrame(parsed: ParsedDataset, px: ImagePixel, index: number): Uint8Array {
  const { dataSet } = parsed;
  const frags = px.pixelData.fragments ?? [];
  if (!frags.length) throw new TranscodeError('truncated-pixel-data', 'encapsulated Pixel Data has no fragments');
  const bytesOf = (list: Fragment[]): Uint8Array => {
    if (list.length === 1) return dataSet.byteArray.subarray(list[0]!.position, list[0]!.position + list[0]!.length);
    return Buffer.concat(list.map((f) => dataSet.byteArray.subarray(f.position, f.position + f.length)));
  };
  const n = px.numberOfFrames;
  if (n === 1) return bytesOf(frags);

  const starts = offsetTable(parsed, px, n);
  if (starts) {
    const first = frags.findIndex((f) => f.offset === starts[index]);
    const next = index + 1 < n ? frags.findIndex((f) => f.offset === starts[index + 1]) : frags.length;
    if (first < 0 || next < first) throw new TranscodeError('truncated-pixel-data', `offset table entry for frame ${index + 1} matches no fragment`);
    return bytesOf(frags.slice(first, next));
  }
  if (frags.length === n) return bytesOf([frags[index]!]);

  const groups = groupByCodestreamStart(parsed, frags);
  if (groups.length !== n) {
    throw new TranscodeError('truncated-pixel-data', `cannot split ${frags.length} fragments into ${n} frames (found ${groups.length} codestream starts)`);
  }
  return bytesOf(groups[index]!);
}

/** Frame start offsets (relative to the first fragment item) from the EOT or BOT, if usable. */
function offsetTable(parsed: ParsedDataset, px: ImagePixel, n: number): number[] | undefined {
  const eot = parsed.dataSet.elements.x7fe00001;
  if (eot && eot.length === n * 8) {
    const view = new DataView(parsed.dataSet.byteArray.buffer, parsed.dataSet.byteArray.byteOffset + eot.dataOffset, eot.length);
    return Array.from({ length: n }, (_, i) => Number(view.getBigUint64(i * 8, parsed.littleEndian)));
  }
  const bot = px.pixelData.basicOffsetTable ?? [];
  return bot.length === n ? bot : undefined;
}

function groupByCodestreamStart(parsed: ParsedDataset, frags: Fragment[]): Fragment[][] {
  const groups: Fragment[][] = [];
  for (const f of frags) {
    const head = parsed.dataSet.byteArray.subarray(f.position, f.position + Math.min(f.length, 4096));
    if (!groups.length || sniffCodestream(head).kind !== 'unknown') groups.push([f]);
    else groups[groups.length - 1]!.push(f);
  }
  return groups;
}

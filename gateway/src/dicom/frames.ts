import dicomParser from 'dicom-parser';
import type { DataSet, Element, Fragment } from 'dicom-parser';
import { readDataset, type DicomDataset } from './readDataset.js';
import { DicomParseError } from './types.js';

export interface Frames {
  /** Transfer syntax of the stored bytes: the frames are in it (native Big Endian frames stay big endian). */
  transferSyntaxUid: string;
  /** One entry per requested frame number, in request order. */
  frames: Buffer[];
  /** True when the frames are compressed codestreams (encapsulated Pixel Data). */
  encapsulated: boolean;
}

/**
 * The stored bytes of the requested frames (1-based), not decoded: native frames are the frame's slice of
 * Pixel Data (Rows × Columns × SamplesPerPixel × BitsAllocated / 8 bytes), encapsulated ones the frame's
 * codestream (its fragments, joined when there are several). Views into `part10` wherever possible; only
 * multi-fragment frames, 1-bit frames not starting on a byte boundary and deflated files are copies.
 * A frame number outside 1..NumberOfFrames (or an instance without pixel data) throws a RangeError.
 */
export function getFrames(part10: Uint8Array, frameNumbers: number[]): Frames {
  return framesOf(readDataset(part10), frameNumbers);
}

export function framesOf(parsed: DicomDataset, frameNumbers: number[]): Frames {
  const ds = parsed.dataSet;
  const px = ds.elements.x7fe00010 ?? ds.elements.x7fe00008 ?? ds.elements.x7fe00009;
  if (!px) throw new RangeError('the instance has no Pixel Data, so no frames');
  const count = numberOfFrames(ds);
  for (const n of frameNumbers) {
    if (!Number.isInteger(n) || n < 1 || n > count) throw new RangeError(`frame ${n} is outside 1..${count}`);
  }
  const encapsulated = px.encapsulatedPixelData === true;
  const frames = encapsulated ? encapsulatedFrames(ds, px, count, frameNumbers, parsed.littleEndian) : frameNumbers.map((n) => nativeFrame(ds, px, n - 1));
  return { transferSyntaxUid: parsed.transferSyntaxUid, frames, encapsulated };
}

function numberOfFrames(ds: DataSet): number {
  const n = ds.intString('x00280008');
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 1;
}

function bytesOf(ds: DataSet): Buffer {
  const b = ds.byteArray;
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function nativeFrame(ds: DataSet, px: Element, index: number): Buffer {
  const bits = (ds.uint16('x00280010') ?? 0) * (ds.uint16('x00280011') ?? 0) * (ds.uint16('x00280002') ?? 1) * (ds.uint16('x00280100') ?? 0);
  if (!bits) throw new DicomParseError('not-dicom', 'Rows, Columns or Bits Allocated missing: native frames cannot be cut');
  const startBit = bits * index;
  const endByte = Math.ceil((startBit + bits) / 8);
  if (endByte > px.length || px.dataOffset + endByte > ds.byteArray.length) {
    throw new DicomParseError('truncated', `Pixel Data holds ${px.length} bytes; frame ${index + 1} needs ${endByte}`);
  }
  const all = bytesOf(ds).subarray(px.dataOffset, px.dataOffset + px.length);
  if (startBit % 8 === 0) return all.subarray(startBit / 8, endByte);
  return shiftBits(all, startBit, bits);
}

/** A 1-bit frame starting mid-byte (frames are packed back to back, PS3.5 8.1.1), realigned to bit 0. */
function shiftBits(src: Buffer, startBit: number, bits: number): Buffer {
  const out = Buffer.alloc(Math.ceil(bits / 8));
  const shift = startBit % 8;
  const first = startBit >> 3;
  for (let i = 0; i < out.length; i++) {
    out[i] = ((src[first + i]! >> shift) | ((src[first + i + 1] ?? 0) << (8 - shift))) & 0xff;
  }
  const tail = bits % 8;
  if (tail) out[out.length - 1]! &= (1 << tail) - 1;
  return out;
}

function encapsulatedFrames(ds: DataSet, px: Element, count: number, frameNumbers: number[], littleEndian: boolean): Buffer[] {
  const fragments = px.fragments ?? [];
  if (!fragments.length) throw new DicomParseError('truncated', 'encapsulated Pixel Data has no fragments');
  const bytes = bytesOf(ds);
  const join = (list: Fragment[]): Buffer =>
    list.length === 1 ? bytes.subarray(list[0]!.position, list[0]!.position + list[0]!.length) : Buffer.concat(list.map((f) => bytes.subarray(f.position, f.position + f.length)));
  if (count === 1) return frameNumbers.map(() => join(fragments));
  const groups = fragmentsPerFrame(ds, px, fragments, count, littleEndian);
  return frameNumbers.map((n) => join(groups[n - 1]!));
}

/**
 * Which fragments make each frame (PS3.5 A.4): by the Basic Offset Table, else the Extended Offset Table,
 * else one fragment per frame, else by where codestreams start (JPEG / JPEG-LS SOI, JPEG 2000 SOC or JP2
 * signature), else by JPEG end-of-image markers (dicom-parser's createJPEGBasicOffsetTable).
 */
function fragmentsPerFrame(ds: DataSet, px: Element, fragments: Fragment[], count: number, littleEndian: boolean): Fragment[][] {
  const byOffsets = (offsets: number[]): Fragment[][] | null => {
    const starts = offsets.map((o) => fragments.findIndex((f) => f.offset === o));
    if (starts.some((s, i) => s < 0 || (i > 0 && s <= starts[i - 1]!))) return null;
    return starts.map((s, i) => fragments.slice(s, i + 1 < starts.length ? starts[i + 1] : fragments.length));
  };
  const bot = px.basicOffsetTable ?? [];
  if (bot.length === count) {
    const groups = byOffsets(bot);
    if (groups) return groups;
  }
  const eot = ds.elements.x7fe00001;
  if (eot && eot.length === count * 8) {
    const b = bytesOf(ds);
    const offsets = Array.from({ length: count }, (_, i) => Number(littleEndian ? b.readBigUInt64LE(eot.dataOffset + i * 8) : b.readBigUInt64BE(eot.dataOffset + i * 8)));
    const groups = byOffsets(offsets);
    if (groups) return groups;
  }
  if (fragments.length === count) return fragments.map((f) => [f]);
  const byStart: Fragment[][] = [];
  for (const f of fragments) {
    if (!byStart.length || startsCodestream(ds.byteArray, f)) byStart.push([f]);
    else byStart[byStart.length - 1]!.push(f);
  }
  if (byStart.length === count) return byStart;
  try {
    const groups = byOffsets(dicomParser.createJPEGBasicOffsetTable(ds, px));
    if (groups && groups.length === count) return groups;
  } catch {
    // not JPEG: no end markers to go by
  }
  throw new DicomParseError('not-dicom', `cannot tell which of ${fragments.length} fragments belong to which of ${count} frames`);
}

function startsCodestream(b: Uint8Array, f: Fragment): boolean {
  const p = f.position;
  if (f.length < 4) return false;
  if (b[p] === 0xff && b[p + 1] === 0xd8 && b[p + 2] === 0xff) return true; // JPEG, JPEG-LS: SOI
  if (b[p] === 0xff && b[p + 1] === 0x4f && b[p + 2] === 0xff && b[p + 3] === 0x51) return true; // J2K: SOC SIZ
  return f.length >= 12 && b[p] === 0 && b[p + 1] === 0 && b[p + 2] === 0 && b[p + 3] === 0x0c && b[p + 4] === 0x6a && b[p + 5] === 0x50; // JP2
}

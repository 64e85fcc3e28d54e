import type { DataSet, Element } from 'dicom-parser';
import { swapped } from './extractFrame.js';
import { implicitVr } from './implicitVr.js';
import type { ParsedDataset } from './readDataset.js';

/** An element value to write: VR plus little-endian value bytes (padded to even length on write). */
export interface ElementValue {
  vr: string;
  bytes: Uint8Array;
}

/** VRs with a 4-byte length in explicit VR (PS3.5 7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const SPACE_PADDED = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);
const SWAP_WIDTH: Record<string, number> = { US: 2, SS: 2, OW: 2, AT: 2, UL: 4, SL: 4, FL: 4, OF: 4, OL: 4, FD: 8, OD: 8, SV: 8, UV: 8, OV: 8 };

class Chunks {
  readonly list: Uint8Array[] = [];
  size = 0;
  push(b: Uint8Array): void {
    this.list.push(b);
    this.size += b.length;
  }
}

/**
 * Re-encodes a parsed dataset (any of the native syntaxes or an encapsulated one) as Explicit VR Little
 * Endian Part 10, copying every element's value bytes: implicit VRs come from the dictionary, big-endian
 * values are swapped per VR, group lengths are dropped, sequences are written with undefined lengths.
 * `replace` substitutes (or with null removes) top-level elements, e.g. the decoded Pixel Data.
 */
export function writeExplicitLittleEndian(
  parsed: ParsedDataset,
  meta: ReadonlyMap<string, ElementValue>,
  replace: ReadonlyMap<string, ElementValue | null>,
): Buffer {
  const body = new Chunks();
  const ds = parsed.dataSet;
  const ctx = { pixelRepresentation: ds.uint16('x00280103') ?? 0, bitsAllocated: ds.uint16('x00280100') ?? 0 };
  writeDataset(body, parsed, ds, ctx, replace, true);

  const metaBody = new Chunks();
  for (const tag of [...meta.keys()].sort()) writeElement(metaBody, tag, meta.get(tag)!);
  const head = new Chunks();
  head.push(Buffer.alloc(128));
  head.push(Buffer.from('DICM', 'latin1'));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.size);
  writeElement(head, 'x00020000', { vr: 'UL', bytes: groupLength });
  return Buffer.concat([...head.list, ...metaBody.list, ...body.list], head.size + metaBody.size + body.size);
}

function writeDataset(
  out: Chunks,
  parsed: ParsedDataset,
  ds: DataSet,
  ctx: { pixelRepresentation: number; bitsAllocated: number },
  replace: ReadonlyMap<string, ElementValue | null> | undefined,
  topLevel: boolean,
): void {
  const present = Object.keys(ds.elements);
  const added = replace ? [...replace.keys()].filter((k) => !(k in ds.elements)) : [];
  // dicom-parser keys are 'x' + 8 lower-case hex digits, so string order is tag order.
  for (const tag of [...present, ...added].sort()) {
    const group = tag.slice(1, 5);
    if (group === 'fffe' || tag.endsWith('0000')) continue; // item delimiters; group lengths go stale
    if (topLevel && group === '0002') continue; // file meta is rewritten by the caller
    if (replace?.has(tag)) {
      const v = replace.get(tag);
      if (v) writeElement(out, tag, v);
      continue;
    }
    const el = ds.elements[tag]!;
    if (el.items) {
      writeSequence(out, parsed, tag, el, ctx);
      continue;
    }
    // Encapsulated pixel data nested in a sequence (an icon) cannot be copied as a value; it is optional.
    if (el.encapsulatedPixelData) continue;
    const vr = parsed.explicitVr && el.vr ? el.vr : implicitVr(tag, ctx);
    let bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    if (!parsed.littleEndian) {
      const width = tag === 'x7fe00010' ? (ctx.bitsAllocated > 8 ? ctx.bitsAllocated / 8 : vr === 'OW' ? 2 : 1) : (SWAP_WIDTH[vr] ?? 1);
      if (width > 1) bytes = swapped(bytes, width);
    }
    writeElement(out, tag, { vr, bytes });
  }
}

function writeSequence(out: Chunks, parsed: ParsedDataset, tag: string, el: Element, ctx: { pixelRepresentation: number; bitsAllocated: number }): void {
  out.push(header(tag, 'SQ', 0xffffffff));
  for (const item of el.items ?? []) {
    out.push(header('xfffee000', '', 0xffffffff));
    if (item.dataSet) writeDataset(out, parsed, item.dataSet, ctx, undefined, false);
    out.push(header('xfffee00d', '', 0));
  }
  out.push(header('xfffee0dd', '', 0));
}

function writeElement(out: Chunks, tag: string, value: ElementValue): void {
  let { vr, bytes } = value;
  const odd = bytes.length & 1;
  const length = bytes.length + odd;
  // A long value read with implicit VR may not fit a 2-byte length: PS3.5 6.2.2 says write it as UN.
  if (!LONG_VRS.has(vr) && length > 0xffff) vr = 'UN';
  out.push(header(tag, vr, length));
  out.push(bytes);
  if (odd) out.push(Uint8Array.of(SPACE_PADDED.has(vr) ? 0x20 : 0x00));
}

/** Tag + VR + length; VR '' writes an item/delimiter header (tag + 4-byte length). */
function header(tag: string, vr: string, length: number): Uint8Array {
  const group = parseInt(tag.slice(1, 5), 16);
  const element = parseInt(tag.slice(5, 9), 16);
  const long = vr === '' || LONG_VRS.has(vr);
  const b = Buffer.alloc(vr === '' ? 8 : long ? 12 : 8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  if (vr === '') {
    b.writeUInt32LE(length, 4);
  } else {
    b.write(vr, 4, 'latin1');
    if (long) b.writeUInt32LE(length, 8);
    else b.writeUInt16LE(length, 6);
  }
  return b;
}

/** Element value helpers for the replacements and the file meta. */
export const value = {
  text(vr: string, s: string): ElementValue {
    return { vr, bytes: Buffer.from(s, 'latin1') }; // padding (space, or NUL for UI) added on write
  },
  us(n: number): ElementValue {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return { vr: 'US', bytes: b };
  },
};

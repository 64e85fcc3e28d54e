import { createRequire } from 'node:module';

/**
 * A tiny Little Endian dataset codec for C-FIND/MOVE/GET identifiers (a few dozen elements). Instances
 * themselves never go through it: their bytes are stored and sent as received.
 */
export interface Element {
  tag: number;
  vr: string;
  /** Raw value bytes (null for sequences). */
  value: Buffer | null;
  items?: Element[][];
}

const LONG_VR = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;

export class DatasetError extends Error {}

const require = createRequire(import.meta.url);
let dictionary: Record<string, { vr: string } | undefined> | null = null;

/** VR of a tag from dcmjs's dictionary (loaded on first use), for Implicit VR identifiers. */
export function vrOf(tag: number): string {
  const g = tag >>> 16;
  const e = tag & 0xffff;
  if (e === 0) return 'UL';
  if (g % 2 === 1) return e >= 0x10 && e <= 0xff ? 'LO' : 'UN';
  if (!dictionary) {
    const dcmjs = require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { vr: string } | undefined> } } };
    dictionary = dcmjs.data.DicomMetaDictionary.dictionary;
  }
  const key = `(${g.toString(16).padStart(4, '0')},${e.toString(16).padStart(4, '0')})`.toUpperCase();
  const vr = dictionary[key]?.vr ?? 'UN';
  // Ambiguous entries ("US or SS", "OB or OW") are written with the first choice.
  return vr.slice(0, 2);
}

const tagAt = (b: Buffer, o: number): number => ((b.readUInt16LE(o) << 16) | b.readUInt16LE(o + 2)) >>> 0;

/** Reads a Little Endian dataset (implicit or explicit VR). */
export function readDataset(buf: Buffer, explicit: boolean): Element[] {
  const r = { off: 0 };
  return readUntil(buf, r, explicit, buf.length, false);
}

function readUntil(buf: Buffer, r: { off: number }, explicit: boolean, end: number, inItem: boolean): Element[] {
  const out: Element[] = [];
  while (r.off < end) {
    if (r.off + 8 > buf.length) throw new DatasetError('element header runs past the end');
    const tag = tagAt(buf, r.off);
    if (tag === ITEM_END) {
      r.off += 8;
      if (inItem) return out;
      continue;
    }
    let vr: string;
    let len: number;
    if (explicit && tag >>> 16 !== 0xfffe) {
      vr = buf.toString('latin1', r.off + 4, r.off + 6);
      if (LONG_VR.has(vr)) {
        if (r.off + 12 > buf.length) throw new DatasetError('element header runs past the end');
        len = buf.readUInt32LE(r.off + 8);
        r.off += 12;
      } else {
        len = buf.readUInt16LE(r.off + 6);
        r.off += 8;
      }
    } else {
      vr = vrOf(tag);
      len = buf.readUInt32LE(r.off + 4);
      r.off += 8;
      if (len === UNDEFINED && vr !== 'SQ') vr = 'SQ';
    }
    if (vr === 'SQ' || (vr === 'UN' && len === UNDEFINED)) {
      const seqEnd = len === UNDEFINED ? buf.length : r.off + len;
      if (seqEnd > buf.length) throw new DatasetError('sequence runs past the end');
      out.push({ tag, vr: 'SQ', value: null, items: readItems(buf, r, explicit && vr === 'SQ', seqEnd, len === UNDEFINED) });
      continue;
    }
    if (len === UNDEFINED || r.off + len > buf.length) throw new DatasetError(`element (${tag.toString(16)}) runs past the end`);
    out.push({ tag, vr, value: buf.subarray(r.off, r.off + len) });
    r.off += len;
  }
  return out;
}

function readItems(buf: Buffer, r: { off: number }, explicit: boolean, end: number, undefinedLength: boolean): Element[][] {
  const items: Element[][] = [];
  while (r.off < end) {
    if (r.off + 8 > buf.length) throw new DatasetError('item header runs past the end');
    const tag = tagAt(buf, r.off);
    const len = buf.readUInt32LE(r.off + 4);
    r.off += 8;
    if (tag === SEQ_END) return items;
    if (tag !== ITEM) throw new DatasetError(`unexpected (${tag.toString(16)}) in a sequence`);
    if (len === UNDEFINED) items.push(readUntil(buf, r, explicit, buf.length, true));
    else {
      if (r.off + len > buf.length) throw new DatasetError('item runs past the end');
      items.push(readUntil(buf, r, explicit, r.off + len, false));
    }
  }
  if (undefinedLength) throw new DatasetError('sequence without its delimiter');
  return items;
}

/** Writes a Little Endian dataset with defined lengths everywhere; elements are sorted by tag. */
export function writeDataset(elements: Element[], explicit: boolean): Buffer {
  const parts: Buffer[] = [];
  writeInto(elements, explicit, parts);
  return Buffer.concat(parts);
}

function writeInto(elements: Element[], explicit: boolean, parts: Buffer[]): number {
  let total = 0;
  for (const el of [...elements].sort((a, b) => a.tag - b.tag)) {
    let value: Buffer;
    if (el.vr === 'SQ') {
      const inner: Buffer[] = [];
      for (const item of el.items ?? []) {
        const body: Buffer[] = [];
        const n = writeInto(item, explicit, body);
        const h = Buffer.alloc(8);
        h.writeUInt16LE(0xfffe, 0);
        h.writeUInt16LE(0xe000, 2);
        h.writeUInt32LE(n, 4);
        inner.push(h, ...body);
      }
      value = Buffer.concat(inner);
    } else {
      value = el.value ?? Buffer.alloc(0);
      if (value.length % 2) value = Buffer.concat([value, Buffer.from([el.vr === 'UI' || el.vr === 'OB' || el.vr === 'UN' ? 0 : 0x20])]);
    }
    let h: Buffer;
    if (!explicit) {
      h = Buffer.alloc(8);
      h.writeUInt32LE(value.length, 4);
    } else if (LONG_VR.has(el.vr)) {
      h = Buffer.alloc(12);
      h.write(el.vr, 4, 'latin1');
      h.writeUInt32LE(value.length, 8);
    } else {
      h = Buffer.alloc(8);
      h.write(el.vr, 4, 'latin1');
      h.writeUInt16LE(value.length, 6);
    }
    h.writeUInt16LE(el.tag >>> 16, 0);
    h.writeUInt16LE(el.tag & 0xffff, 2);
    parts.push(h, value);
    total += h.length + value.length;
  }
  return total;
}

/** Text of a string element (trailing padding removed); UTF-8 under ISO_IR 192, else Latin-1. */
export function textOf(el: Element | undefined, utf8: boolean): string {
  if (!el?.value) return '';
  return el.value.toString(utf8 ? 'utf8' : 'latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
}

export const hexTag = (tag: number): string => tag.toString(16).toUpperCase().padStart(8, '0');

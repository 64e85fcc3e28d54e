import type { Element } from 'dicom-parser';
import { CHARSET_VRS, type CharsetDecoder } from './charsets.js';

/** Where element values live and how to read them. */
export interface ValueContext {
  readonly bytes: Buffer;
  readonly littleEndian: boolean;
  readonly charset: CharsetDecoder;
}

/** String VRs holding one value only: a backslash in them is text (PS3.5 6.4). */
const SINGLE_VALUED: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);
/** Leading spaces are significant for these; only trailing padding goes. */
const KEEP_LEADING: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UC', 'UR', 'DT', 'TM', 'PN']);

/** An element's bytes as text, per its VR (character set for SH/LO/ST/LT/UT/PN/UC, else default). */
export function elementText(el: Element, vr: string, ctx: ValueContext): string {
  const start = el.dataOffset;
  const end = start + el.length;
  if (!CHARSET_VRS.has(vr)) return latin1(ctx.bytes, start, end);
  const enc = ctx.charset.bufferEncoding;
  if (enc === 'latin1') return latin1(ctx.bytes, start, end);
  if (enc === 'utf8') return ctx.bytes.toString('utf8', start, end);
  return ctx.charset.decode(ctx.bytes.subarray(start, end), vr === 'PN');
}

/**
 * Buffer's own latin1 decoder, which `toString('latin1', start, end)` reaches after argument checks that
 * showed in profiles (a few hundred short values per instance); used when the range is inside the buffer.
 */
type Latin1Slice = (this: Buffer, start: number, end: number) => string;
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;
function latin1(b: Buffer, start: number, end: number): string {
  return latin1Slice && end <= b.length ? latin1Slice.call(b, start, end) : b.toString('latin1', start, end);
}

const isPad = (c: number): boolean => c === 0x20 || c === 0;

/** Drops padding: trailing spaces/NULs always, leading spaces where the VR says they do not count. */
export function trimValue(s: string, vr: string): string {
  let end = s.length;
  while (end > 0 && isPad(s.charCodeAt(end - 1))) end--;
  let start = 0;
  if (!KEEP_LEADING.has(vr)) while (start < end && isPad(s.charCodeAt(start))) start++;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** The string values of an element, trimmed; '' for an empty value among several, [] when it has none. */
export function stringValues(el: Element, vr: string, ctx: ValueContext): string[] {
  if (el.length === 0) return [];
  const text = elementText(el, vr, ctx);
  if (SINGLE_VALUED.has(vr)) {
    const v = trimValue(text, vr);
    return v === '' ? [] : [v];
  }
  if (text.indexOf('\\') < 0) {
    const v = trimValue(text, vr);
    return v === '' ? [] : [v];
  }
  const parts = text.split('\\');
  let any = false;
  for (let i = 0; i < parts.length; i++) {
    parts[i] = trimValue(parts[i]!, vr);
    if (parts[i] !== '') any = true;
  }
  return any ? parts : [];
}

/** First value of a string element, or null. */
export function firstString(el: Element | undefined, vr: string, ctx: ValueContext): string | null {
  if (!el) return null;
  const v = stringValues(el, vr, ctx)[0];
  return v ? v : null;
}

/** A PN value's component groups (PS3.5 6.2.1.1); empty groups absent. */
export interface PersonName { Alphabetic?: string; Ideographic?: string; Phonetic?: string }

export function personName(value: string): PersonName | null {
  if (value === '') return null;
  const groups = value.split('=');
  const pn: PersonName = {};
  const a = trimValue(groups[0] ?? '', 'PN');
  const i = trimValue(groups[1] ?? '', 'PN');
  const p = trimValue(groups[2] ?? '', 'PN');
  if (a) pn.Alphabetic = a;
  if (i) pn.Ideographic = i;
  if (p) pn.Phonetic = p;
  return a || i || p ? pn : null;
}

/** A DS/IS value as a number; null when empty or not a number (DICOM JSON has no other form for it). */
export function decimal(value: string): number | null {
  if (value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Binary numbers (US SS UL SL FL FD UV SV) in the file's byte order; 64-bit ones beyond 2^53 as strings. */
export function binaryNumbers(el: Element, vr: string, ctx: ValueContext): (number | string)[] {
  const b = ctx.bytes;
  const le = ctx.littleEndian;
  const start = el.dataOffset;
  const end = start + el.length;
  const out: (number | string)[] = [];
  switch (vr) {
    case 'US': for (let o = start; o + 2 <= end; o += 2) out.push(le ? b.readUInt16LE(o) : b.readUInt16BE(o)); break;
    case 'SS': for (let o = start; o + 2 <= end; o += 2) out.push(le ? b.readInt16LE(o) : b.readInt16BE(o)); break;
    case 'UL': for (let o = start; o + 4 <= end; o += 4) out.push(le ? b.readUInt32LE(o) : b.readUInt32BE(o)); break;
    case 'SL': for (let o = start; o + 4 <= end; o += 4) out.push(le ? b.readInt32LE(o) : b.readInt32BE(o)); break;
    case 'FL': for (let o = start; o + 4 <= end; o += 4) out.push(le ? b.readFloatLE(o) : b.readFloatBE(o)); break;
    case 'FD': for (let o = start; o + 8 <= end; o += 8) out.push(le ? b.readDoubleLE(o) : b.readDoubleBE(o)); break;
    case 'UV': for (let o = start; o + 8 <= end; o += 8) out.push(big(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o))); break;
    case 'SV': for (let o = start; o + 8 <= end; o += 8) out.push(big(le ? b.readBigInt64LE(o) : b.readBigInt64BE(o))); break;
  }
  return out;
}

function big(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** AT values as "GGGGEEEE" (upper-case hex). */
export function attributeTags(el: Element, ctx: ValueContext): string[] {
  const out: string[] = [];
  const b = ctx.bytes;
  for (let o = el.dataOffset; o + 4 <= el.dataOffset + el.length; o += 4) {
    const g = ctx.littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o);
    const e = ctx.littleEndian ? b.readUInt16LE(o + 2) : b.readUInt16BE(o + 2);
    out.push((g * 0x10000 + e).toString(16).toUpperCase().padStart(8, '0'));
  }
  return out;
}

/** The first integer of an IS (or US) element, or null. */
export function integer(el: Element | undefined, vr: string, ctx: ValueContext): number | null {
  if (!el || el.length === 0) return null;
  if (vr === 'US' || vr === 'UL' || vr === 'SS' || vr === 'SL') {
    const n = binaryNumbers(el, vr, ctx)[0];
    return typeof n === 'number' ? n : null;
  }
  const v = firstString(el, vr, ctx);
  if (v === null) return null;
  const n = decimal(v);
  return n === null ? null : Math.trunc(n);
}

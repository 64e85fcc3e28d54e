import type { DataSet, Element } from 'dicom-parser';
import { implicitVr } from '../render/implicitVr.js';
import { CHARSET_VRS, decodeText } from './charsets.js';

/** Binary values above this size become BulkDataURI; smaller ones are inlined (base64). */
const INLINE_LIMIT = 1024;
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const BULK_ALWAYS = new Set(['x7fe00010', 'x7fe00008', 'x7fe00009']);

export interface JsonContext {
  byteArray: Uint8Array;
  littleEndian: boolean;
  explicitVr: boolean;
  charsets: string[];
  /** `{{BASE}}/studies/<s>/series/<se>/instances/<i>/bulk` */
  bulkBase: string;
  pixelRepresentation: number;
  bitsAllocated: number;
}

const hex = (tag: string): string => tag.slice(1).toUpperCase();

/** The VR of an element: as written (explicit VR), else from the dictionary, private creators as LO. */
export function vrOf(el: Element, ctx: JsonContext): string {
  if (el.vr) return el.vr;
  if (el.items) return 'SQ';
  const group = parseInt(el.tag.slice(1, 5), 16);
  const elem = parseInt(el.tag.slice(5, 9), 16);
  if (group % 2 === 1) return elem >= 0x10 && elem <= 0xff ? 'LO' : 'UN';
  return implicitVr(el.tag, ctx);
}

function raw(el: Element, ctx: JsonContext): Uint8Array {
  return ctx.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
}

function text(el: Element, ctx: JsonContext, vr: string): string {
  const bytes = raw(el, ctx);
  if (CHARSET_VRS.has(vr)) return decodeText(bytes, ctx.charsets);
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function numbers(el: Element, ctx: JsonContext, size: number, read: (dv: DataView, off: number, le: boolean) => number | bigint): (number | string)[] {
  const b = raw(el, ctx);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: (number | string)[] = [];
  for (let off = 0; off + size <= b.length; off += size) {
    const v = read(dv, off, ctx.littleEndian);
    out.push(typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString()) : v);
  }
  return out;
}

function splitValues(s: string, vr: string): string[] {
  const single = vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR';
  const parts = single ? [s] : s.split('\\');
  return parts.map((p) => (vr === 'UI' ? p.replace(/\0+$/, '').trim() : single ? p.replace(/[\0 ]+$/, '') : p.replace(/\0+$/, '').trim()));
}

/** The JSON text of one element's value part (after `"vr":"XX"`), or '' when it has no value. */
function valueJson(el: Element, vr: string, ctx: JsonContext, path: string): string {
  if (vr === 'SQ') {
    const items = (el.items ?? []).map((it, i) => datasetJson(it.dataSet!, ctx, `${path}/${i}`));
    return items.length ? `,"Value":[${items.join(',')}]` : '';
  }
  const undefinedLength = el.hadUndefinedLength || el.length === 0xffffffff;
  if (BULK_ALWAYS.has(el.tag) || (BINARY.has(vr) && (el.length > INLINE_LIMIT || undefinedLength))) {
    return `,"BulkDataURI":${JSON.stringify(`${ctx.bulkBase}/${path}`)}`;
  }
  if (el.length === 0) return '';
  if (BINARY.has(vr)) return `,"InlineBinary":"${Buffer.from(raw(el, ctx)).toString('base64')}"`;
  let values: unknown[];
  switch (vr) {
    case 'US': values = numbers(el, ctx, 2, (d, o, le) => d.getUint16(o, le)); break;
    case 'SS': values = numbers(el, ctx, 2, (d, o, le) => d.getInt16(o, le)); break;
    case 'UL': values = numbers(el, ctx, 4, (d, o, le) => d.getUint32(o, le)); break;
    case 'SL': values = numbers(el, ctx, 4, (d, o, le) => d.getInt32(o, le)); break;
    case 'FL': values = numbers(el, ctx, 4, (d, o, le) => d.getFloat32(o, le)); break;
    case 'FD': values = numbers(el, ctx, 8, (d, o, le) => d.getFloat64(o, le)); break;
    case 'UV': values = numbers(el, ctx, 8, (d, o, le) => d.getBigUint64(o, le)); break;
    case 'SV': values = numbers(el, ctx, 8, (d, o, le) => d.getBigInt64(o, le)); break;
    case 'AT': {
      const b = raw(el, ctx);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      values = [];
      for (let o = 0; o + 4 <= b.length; o += 4) {
        const g = dv.getUint16(o, ctx.littleEndian);
        const e = dv.getUint16(o + 2, ctx.littleEndian);
        values.push(((g << 16) | e).toString(16).padStart(8, '0').toUpperCase());
      }
      break;
    }
    case 'DS':
    case 'IS':
      values = splitValues(text(el, ctx, vr), vr).map((v) => {
        if (v === '') return null;
        const n = Number(v);
        return Number.isFinite(n) ? n : null;
      });
      break;
    case 'PN':
      values = splitValues(text(el, ctx, vr), vr).map((v) => {
        if (v === '') return null;
        const [a, i, p] = v.split('=');
        const o: Record<string, string> = {};
        if (a) o.Alphabetic = a.trim();
        if (i) o.Ideographic = i.trim();
        if (p) o.Phonetic = p.trim();
        return o;
      });
      break;
    default:
      values = splitValues(text(el, ctx, vr), vr).map((v) => (v === '' ? null : v));
  }
  if (values.every((v) => v === null)) return '';
  return `,"Value":${JSON.stringify(values)}`;
}

/** One element as `"GGGGEEEE":{...}`. */
export function elementJson(el: Element, ctx: JsonContext, path: string): string {
  const vr = vrOf(el, ctx);
  return `"${hex(el.tag)}":{"vr":"${vr}"${valueJson(el, vr, ctx, path)}}`;
}

const skip = (tag: string): boolean => tag.startsWith('x0002') || tag.endsWith('0000') || tag.startsWith('xfffe');

/** A dataset (or sequence item) as a DICOM JSON object, keys in tag order, file meta and group lengths left out. */
export function datasetJson(ds: DataSet, ctx: JsonContext, prefix = ''): string {
  const tags = Object.keys(ds.elements).filter((t) => !skip(t)).sort();
  const parts: string[] = [];
  for (const t of tags) parts.push(elementJson(ds.elements[t]!, ctx, prefix ? `${prefix}/${hex(t)}` : hex(t)));
  return `{${parts.join(',')}}`;
}

/** Only the listed top-level tags (8 hex), as a DICOM JSON object. */
export function pickJson(ds: DataSet, ctx: JsonContext, tags: readonly string[]): string {
  const parts: string[] = [];
  for (const t of [...tags].sort()) {
    const el = ds.elements[`x${t.toLowerCase()}`];
    if (el) parts.push(elementJson(el, ctx, t));
  }
  return `{${parts.join(',')}}`;
}

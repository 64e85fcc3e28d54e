import type { DataSet, Element } from 'dicom-parser';
import { charsetDecoder, type CharsetDecoder } from './charsets.js';
import { itemsOf } from './items.js';
import { DicomParseError } from './types.js';
import { attributeTags, binaryNumbers, decimal, personName, stringValues, type ValueContext } from './values.js';
import { BINARY_VRS, PIXEL_TAGS, VRS, resolveVr, type VrContext } from './vr.js';

/** Binary values up to this size are inlined (base64); larger ones, and pixel data, become BulkDataURIs. */
export const INLINE_BINARY_LIMIT = 1024;

export interface JsonContext extends ValueContext, VrContext {
  /** Prefix of every BulkDataURI, e.g. "{{BASE}}/studies/<s>/series/<se>/instances/<i>/bulk/". */
  readonly bulkBase: string;
}

const UNDEFINED_LENGTH = 0xffffffff;

const upperTags = new Map<string, string>();
/** 'x0008103e' → '0008103E' (cached: the same few hundred tags come back for every instance). */
export function tagKey(tag: string): string {
  let k = upperTags.get(tag);
  if (k === undefined) {
    k = tag.slice(1).toUpperCase();
    if (upperTags.size < 100_000) upperTags.set(tag, k);
  }
  return k;
}

/** File meta, group lengths, and groups FFFx (items/delimiters, trailing padding, digital signatures) are left out. */
function skipped(tag: string): boolean {
  return (tag.charCodeAt(4) === 0x32 && tag.startsWith('x0002')) || tag.endsWith('0000') || tag.startsWith('xfff');
}

/** The element tags of a dataset worth writing, in ascending order (files are, almost always, already). */
export function orderedTags(ds: DataSet): string[] {
  const all = Object.keys(ds.elements);
  const tags: string[] = [];
  let sorted = true;
  for (let i = 0; i < all.length; i++) {
    const tag = all[i]!;
    if (skipped(tag)) continue;
    if (sorted && tags.length && tags[tags.length - 1]! > tag) sorted = false;
    tags.push(tag);
  }
  return sorted ? tags : tags.sort();
}

/** A dataset (or sequence item) as one DICOM JSON object (PS3.18 Annex F). */
export function datasetJson(ds: DataSet, ctx: JsonContext, pathPrefix = ''): string {
  // An item may name its own character set (PS3.3 C.12.1.1.2) or carry its own image (Icon Image Sequence).
  if (pathPrefix) ctx = itemContext(ds, ctx);
  let out = '{';
  let first = true;
  for (const tag of orderedTags(ds)) {
    const key = tagKey(tag);
    out += `${first ? '' : ','}"${key}":${elementJson(ds.elements[tag]!, ctx, pathPrefix + key)}`;
    first = false;
  }
  return out + '}';
}

function itemContext(ds: DataSet, ctx: JsonContext): JsonContext {
  const cs = ds.elements.x00080005;
  const bits = ds.elements.x00280100;
  const rep = ds.elements.x00280103;
  if (!cs && !bits && !rep) return ctx;
  const u16 = (el: Element | undefined, dflt: number): number =>
    el && el.length >= 2 ? (ctx.littleEndian ? ctx.bytes.readUInt16LE(el.dataOffset) : ctx.bytes.readUInt16BE(el.dataOffset)) : dflt;
  return {
    ...ctx,
    charset: cs ? charsetDecoder(ctx.bytes.toString('latin1', cs.dataOffset, cs.dataOffset + cs.length)) : ctx.charset,
    bitsAllocated: u16(bits, ctx.bitsAllocated),
    pixelRepresentation: u16(rep, ctx.pixelRepresentation),
  };
}

/**
 * One element's JSON object: `{"vr":"XX"}` plus its value as "Value", "InlineBinary" or "BulkDataURI".
 * `tagPath` names the element for its BulkDataURI: "7FE00010", or "00081140/0/00081155" inside items.
 */
export function elementJson(el: Element, ctx: JsonContext, tagPath: string): string {
  const written = el.vr;
  // Explicit VR as written is by far the common case: skip the resolution.
  let vr = ctx.explicitVr && written !== undefined && written !== 'UN' && VRS.has(written) ? written : resolveVr(el, ctx, ctx.littleEndian);
  if (vr === 'SQ' || vr === 'UN') {
    const items = itemsOf(el, ctx.bytes);
    // Items recovered from a UN or implicit private value are implicit VR, whatever the file's encoding.
    if (items) return sequenceJson(items, items === el.items || !ctx.explicitVr ? ctx : { ...ctx, explicitVr: false }, tagPath);
    if (vr === 'SQ') vr = 'UN';
  }
  const undefinedLength = el.length === UNDEFINED_LENGTH || el.encapsulatedPixelData === true;
  if (PIXEL_TAGS.has(el.tag) || (BINARY_VRS.has(vr) && (undefinedLength || el.length > INLINE_BINARY_LIMIT))) {
    return `{"vr":"${vr}","BulkDataURI":${JSON.stringify(ctx.bulkBase + tagPath)}}`;
  }
  if (el.length === 0) return `{"vr":"${vr}"}`;
  if (el.dataOffset + el.length > ctx.bytes.length) {
    throw new DicomParseError('truncated', `element ${tagKey(el.tag)} runs past the end of the data`);
  }
  if (BINARY_VRS.has(vr)) return `{"vr":"${vr}","InlineBinary":"${inlineBinary(el, vr, ctx)}"}`;
  const values = valuesJson(el, vr, ctx);
  return values === null ? `{"vr":"${vr}"}` : `{"vr":"${vr}","Value":[${values}]}`;
}

function sequenceJson(items: Element[], ctx: JsonContext, tagPath: string): string {
  if (!items.length) return '{"vr":"SQ"}';
  let out = '{"vr":"SQ","Value":[';
  for (let i = 0; i < items.length; i++) {
    const ds = items[i]!.dataSet;
    out += (i ? ',' : '') + (ds ? datasetJson(ds, ctx, `${tagPath}/${i}/`) : '{}');
  }
  return out + ']}';
}

/** The comma-joined JSON values, or null when the element holds no value. */
function valuesJson(el: Element, vr: string, ctx: JsonContext): string | null {
  switch (vr) {
    case 'US': case 'SS': case 'UL': case 'SL': case 'FL': case 'FD': case 'UV': case 'SV': {
      const nums = binaryNumbers(el, vr, ctx);
      if (!nums.length) return null;
      let out = numberJson(nums[0]!);
      for (let i = 1; i < nums.length; i++) out += ',' + numberJson(nums[i]!);
      return out;
    }
    case 'AT': {
      const tags = attributeTags(el, ctx);
      return tags.length ? tags.map((t) => `"${t}"`).join(',') : null;
    }
  }
  const strings = stringValues(el, vr, ctx);
  if (!strings.length) return null;
  if (strings.length === 1) return valueJson(strings[0]!, vr);
  let out = valueJson(strings[0]!, vr);
  for (let i = 1; i < strings.length; i++) out += ',' + valueJson(strings[i]!, vr);
  return out;
}

/** One string value in its JSON form: number for DS/IS, object for PN, null when empty (PS3.18 F.2.5). */
function valueJson(s: string, vr: string): string {
  if (s === '') return 'null';
  if (vr === 'DS' || vr === 'IS') return JSON_NUMBER.test(s) ? s : numberJson(decimal(s));
  if (vr === 'PN') {
    const pn = personName(s);
    if (!pn) return 'null';
    let out = '';
    if (pn.Alphabetic !== undefined) out += ',"Alphabetic":' + quote(pn.Alphabetic);
    if (pn.Ideographic !== undefined) out += ',"Ideographic":' + quote(pn.Ideographic);
    if (pn.Phonetic !== undefined) out += ',"Phonetic":' + quote(pn.Phonetic);
    return '{' + out.slice(1) + '}';
  }
  return quote(s);
}

/** A DS/IS text that already is a JSON number of ordinary size goes out as written (same value, no reformatting). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d{0,15})(?:\.\d{1,17})?(?:[eE][+-]?\d{1,2})?$/;

/** JSON.stringify for a string, skipping the serializer when nothing needs escaping (UIDs, codes, dates...). */
function quote(s: string): string {
  if (s.length > 64) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0xd800) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

function numberJson(n: number | string | null): string {
  if (typeof n === 'string') return JSON.stringify(n); // 64-bit beyond 2^53
  return n === null || !Number.isFinite(n) ? 'null' : String(n);
}

const WORD: Record<string, number> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

/** Base64 of the value, little endian whatever the file's byte order (PS3.18 F.2.7). */
function inlineBinary(el: Element, vr: string, ctx: JsonContext): string {
  const value = ctx.bytes.subarray(el.dataOffset, el.dataOffset + el.length);
  const width = WORD[vr];
  if (ctx.littleEndian || !width) return value.toString('base64');
  const swapped = Buffer.from(value);
  for (let o = 0; o + width <= swapped.length; o += width) swapped.subarray(o, o + width).reverse();
  return swapped.toString('base64');
}

export interface DicomJsonOptions {
  explicitVr?: boolean;
  littleEndian?: boolean;
  /** Raw (0008,0005) value; defaults to the dataset's own. */
  specificCharacterSet?: string;
  /** Prefix for BulkDataURIs (the tag path is appended). */
  bulkBase?: string;
}

/** Converts a whole dicom-parser DataSet into DICOM JSON text (see parseInstance for the usual entry point). */
export function toDicomJson(ds: DataSet, opts: DicomJsonOptions = {}): string {
  const bytes = Buffer.isBuffer(ds.byteArray) ? ds.byteArray : Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset, ds.byteArray.byteLength);
  const cs = ds.elements.x00080005;
  const charset: CharsetDecoder = charsetDecoder(opts.specificCharacterSet ?? (cs ? bytes.toString('latin1', cs.dataOffset, cs.dataOffset + cs.length) : ''));
  const littleEndian = opts.littleEndian ?? true;
  const u16 = (tag: string): number => {
    const el = ds.elements[tag];
    return el && el.length >= 2 ? (littleEndian ? bytes.readUInt16LE(el.dataOffset) : bytes.readUInt16BE(el.dataOffset)) : 0;
  };
  return datasetJson(ds, {
    bytes, littleEndian, charset, explicitVr: opts.explicitVr ?? true,
    bitsAllocated: u16('x00280100'), pixelRepresentation: u16('x00280103'), bulkBase: opts.bulkBase ?? '',
  });
}

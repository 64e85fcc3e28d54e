/**
 * Tag helpers over the dcmjs data dictionary (keywords for reports, VR classes).
 */
import dcmjs from 'dcmjs';

const dictionary = dcmjs.data.DicomMetaDictionary.dictionary;

/** "(GGGG,EEEE)" for a tag given as 8 hex digits. */
export function formatTag(tag: string): string {
  const t = tag.toUpperCase();
  return `(${t.slice(0, 4)},${t.slice(4, 8)})`;
}

/** The PS3.6 keyword of a standard tag ("PatientName"), or undefined for private/unknown tags. */
export function keywordOf(tag: string): string | undefined {
  const name = dictionary[formatTag(tag)]?.name;
  return name && !name.startsWith('RETIRED_') ? name : name?.slice('RETIRED_'.length);
}

/** The tag (8 hex digits) of a PS3.6 keyword ("Manufacturer" → "00080070"), or undefined. */
export function tagOf(keyword: string): string | undefined {
  return dcmjs.data.DicomMetaDictionary.nameMap[keyword]?.tag?.replace(/[(),]/g, '').toUpperCase();
}

/** The VRs the data dictionary allows for a standard tag ("OB or OW" → ["OB", "OW"]), or undefined if unknown. */
export function dictionaryVrs(tag: string): string[] | undefined {
  const vr = dictionary[formatTag(tag)]?.vr;
  if (!vr) return undefined;
  // dcmjs writes the ambiguous VRs in lower case: "ox" = OB or OW (Pixel Data), "xs" = US or SS.
  if (vr === 'ox') return ['OB', 'OW'];
  if (vr === 'xs') return ['US', 'SS'];
  if (vr !== vr.toUpperCase()) return ['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'US', 'SS'];
  return vr.split(/\s+or\s+|\s*\/\s*|\|/).map((v) => v.trim().toUpperCase());
}

/** String VRs whose values are free or coded text (candidates for cleaning and leak scanning). */
export const TEXT_VRS: ReadonlySet<string> = new Set(['AE', 'CS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UR', 'UT']);
/** Date / time VRs. */
export const TEMPORAL_VRS: ReadonlySet<string> = new Set(['DA', 'DT', 'TM']);
/** VRs whose dcmjs values are strings (or PN objects). */
export const STRING_VRS: ReadonlySet<string> = new Set([...TEXT_VRS, 'AS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI']);
/** Binary VRs (values are ArrayBuffers in dcmjs). */
export const BULK_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** dcmjs PN value: an object with component groups, or (rarely) a plain string. */
export type PersonNameValue = string | { Alphabetic?: string; Ideographic?: string; Phonetic?: string };

/** All text of one PN value, component groups joined by "=". */
export function personNameText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const pn = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
    return [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=').replace(/=+$/, '');
  }
  return '';
}

/** Applies `f` to every component group of a PN value, returning a new value. */
export function mapPersonName(v: unknown, f: (s: string) => string): PersonNameValue {
  if (typeof v === 'string') return f(v);
  const pn = (v ?? {}) as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
  const out: { Alphabetic?: string; Ideographic?: string; Phonetic?: string } = {};
  if (pn.Alphabetic !== undefined) out.Alphabetic = f(pn.Alphabetic);
  if (pn.Ideographic !== undefined) out.Ideographic = f(pn.Ideographic);
  if (pn.Phonetic !== undefined) out.Phonetic = f(pn.Phonetic);
  return out;
}

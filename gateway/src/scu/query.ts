import { createRequire } from 'node:module';
import type { Element } from '../dimse/dataset.js';
import { textOf, hexTag, vrOf } from '../dimse/dataset.js';
import { HoiError } from '../errors.js';

export type Level = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';
export const LEVELS: ReadonlySet<string> = new Set(['PATIENT', 'STUDY', 'SERIES', 'IMAGE']);

/** Return keys asked for when the caller names none. */
export const DEFAULT_KEYS: Record<Level, string[]> = {
  PATIENT: ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'NumberOfPatientRelatedStudies'],
  STUDY: ['StudyInstanceUID', 'PatientName', 'PatientID', 'StudyDate', 'StudyTime', 'AccessionNumber', 'StudyDescription', 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances'],
  SERIES: ['StudyInstanceUID', 'SeriesInstanceUID', 'Modality', 'SeriesNumber', 'SeriesDescription', 'NumberOfSeriesRelatedInstances'],
  IMAGE: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID', 'InstanceNumber'],
};

const require = createRequire(import.meta.url);
let nameMap: Record<string, { tag: string; vr: string } | undefined> | null = null;

/** Tag of a keyword ("PatientName") or 8 hex digits ("00100010"), via dcmjs's dictionary. */
export function tagOf(key: string): number {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return parseInt(key, 16) >>> 0;
  if (!nameMap) nameMap = (require('dcmjs') as { data: { DicomMetaDictionary: { nameMap: typeof nameMap } } }).data.DicomMetaDictionary.nameMap;
  const e = nameMap![key];
  if (!e) throw new HoiError('HOI_ERR_BAD_REQUEST', `unknown attribute "${key}"`);
  return parseInt(e.tag.replace(/[(),]/g, ''), 16) >>> 0;
}

/**
 * A C-FIND identifier from `{ keyword|tag: value }` (empty value = return key) plus the level's default
 * return keys. Values are matching keys as in PS3.4 C.2.2.2 (wildcards, date ranges, UID lists).
 */
export function identifierFor(level: Level, keys: Record<string, unknown>): Element[] {
  const els = new Map<number, Element>();
  for (const k of DEFAULT_KEYS[level]) {
    const tag = tagOf(k);
    els.set(tag, { tag, vr: vrOf(tag), value: Buffer.alloc(0) });
  }
  for (const [k, v] of Object.entries(keys)) {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new HoiError('HOI_ERR_BAD_REQUEST', `${k}: query values are strings`);
    const tag = tagOf(k);
    const vr = vrOf(tag);
    if (vr === 'SQ') throw new HoiError('HOI_ERR_BAD_REQUEST', `${k}: sequence matching is not supported`);
    els.set(tag, { tag, vr, value: Buffer.from(v === null ? '' : String(v), 'utf8') });
  }
  els.set(0x00080052, { tag: 0x00080052, vr: 'CS', value: Buffer.from(level) });
  if ([...els.values()].some((e) => e.value?.some((c) => c > 0x7f))) els.set(0x00080005, { tag: 0x00080005, vr: 'CS', value: Buffer.from('ISO_IR 192') });
  return [...els.values()].sort((a, b) => a.tag - b.tag);
}

const NUMERIC: Record<string, (b: Buffer, o: number) => number> = {
  US: (b, o) => b.readUInt16LE(o), SS: (b, o) => b.readInt16LE(o), UL: (b, o) => b.readUInt32LE(o), SL: (b, o) => b.readInt32LE(o),
  FL: (b, o) => b.readFloatLE(o), FD: (b, o) => b.readDoubleLE(o),
};
const SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };

/** A C-FIND answer as DICOM JSON (PS3.18 F.2), the shape QIDO returns. */
export function answerJson(els: Element[]): Record<string, unknown> {
  const cs = els.find((e) => e.tag === 0x00080005);
  const utf8 = !!cs && textOf(cs, false).includes('192');
  const out: Record<string, unknown> = {};
  for (const e of els) {
    if (e.tag === 0x00080005 || (e.tag >>> 16) === 0x0000) continue;
    const vr = e.vr && e.vr !== 'UN' ? e.vr : vrOf(e.tag);
    if (vr === 'SQ') {
      out[hexTag(e.tag)] = { vr, ...(e.items?.length ? { Value: e.items.map(answerJson) } : {}) };
      continue;
    }
    const v = e.value ?? Buffer.alloc(0);
    let values: unknown[] = [];
    if (NUMERIC[vr]) {
      for (let o = 0; o + SIZE[vr]! <= v.length; o += SIZE[vr]!) values.push(NUMERIC[vr]!(v, o));
    } else if (!vr.startsWith('O') && vr !== 'UN') {
      const text = textOf(e, utf8);
      if (text.length) {
        values = text.split('\\').map((s) => s.trim());
        if (vr === 'PN') values = values.map((s) => ({ Alphabetic: s }));
        else if (vr === 'IS' || vr === 'DS') values = values.map((s) => (s === '' ? null : Number(s)));
      }
    }
    out[hexTag(e.tag)] = { vr, ...(values.length ? { Value: values } : {}) };
  }
  return out;
}

/** First string value of a tag in a DICOM JSON answer. */
export function str(o: Record<string, unknown>, tag: string): string | undefined {
  const v = (o[tag] as { Value?: unknown[] } | undefined)?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

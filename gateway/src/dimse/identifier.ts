import { findAttribute, type Attr } from '../dicomweb/qido/attributes.js';
import type { Filter } from '../dicomweb/qido/parseQuery.js';
import { hexTag, textOf, vrOf, type Element } from './dataset.js';

export type QrLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

export const TAG = {
  specificCharacterSet: 0x00080005,
  queryRetrieveLevel: 0x00080052,
  retrieveAeTitle: 0x00080054,
  retrieveUrl: 0x00081190,
  failedSopInstanceUidList: 0x00080058,
  patientId: 0x00100020,
  issuerOfPatientId: 0x00100021,
  studyInstanceUid: 0x0020000d,
  seriesInstanceUid: 0x0020000e,
  sopInstanceUid: 0x00080018,
  numberOfPatientRelatedStudies: 0x00201200,
  numberOfPatientRelatedSeries: 0x00201202,
  numberOfPatientRelatedInstances: 0x00201204,
} as const;

/** Patient-level keys: the only matching keys a PATIENT-level query applies. */
export const PATIENT_TAGS = new Set(['00100010', '00100020', '00100021', '00100030', '00100040']);

const LEVEL_RANK: Record<Attr['level'], number> = { study: 0, series: 1, instance: 2 };
const QR_RANK: Record<QrLevel, number> = { PATIENT: 0, STUDY: 0, SERIES: 1, IMAGE: 2 };

export interface ParsedIdentifier {
  level: QrLevel | null;
  utf8: boolean;
  /** Matching keys with a value, for runQuery. */
  filters: Filter[];
  /** Every key asked for (return keys), with the VR it came with. */
  keys: Element[];
  /** Single-valued text of a top-level element. */
  text(tag: number): string;
}

/** Universal match: an empty value or only asterisks (PS3.4 C.2.2.2.3/4). */
const universal = (v: string): boolean => v === '' || /^\*+$/.test(v);

/** Reads the identifier of a C-FIND/MOVE/GET request into QIDO filters and return keys. */
export function parseIdentifier(elements: Element[]): ParsedIdentifier {
  const byTag = new Map(elements.map((e) => [e.tag, e]));
  const utf8 = /ISO_IR 192/.test(textOf(byTag.get(TAG.specificCharacterSet), false));
  const rawLevel = textOf(byTag.get(TAG.queryRetrieveLevel), false).toUpperCase();
  const level = (['PATIENT', 'STUDY', 'SERIES', 'IMAGE'] as const).find((l) => l === rawLevel) ?? null;
  const filters: Filter[] = [];
  const keys: Element[] = [];
  const rank = level ? QR_RANK[level] : 2;
  const addFilter = (name: string, value: string): void => {
    const attr = findAttribute(name);
    if (!attr || LEVEL_RANK[attr.level] > rank) return;
    if (level === 'PATIENT' && !PATIENT_TAGS.has(attr.tag)) return;
    if (!universal(value)) filters.push({ attr, value });
  };
  for (const el of elements) {
    if (el.tag >>> 16 <= 2 || el.tag === TAG.queryRetrieveLevel || el.tag === TAG.specificCharacterSet) continue;
    keys.push(el);
    if (el.vr === 'SQ') {
      // Sequence matching: the keys of the first item (e.g. RequestAttributesSequence>ScheduledProcedureStepID).
      for (const sub of el.items?.[0] ?? []) addFilter(`${hexTag(el.tag)}.${hexTag(sub.tag)}`, textOf(sub, utf8));
      continue;
    }
    addFilter(hexTag(el.tag), textOf(el, utf8));
  }
  return { level, utf8, filters, keys, text: (tag) => textOf(byTag.get(tag), utf8) };
}

// ---- DICOM JSON → elements (for the answers) ----

interface JsonAttr {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}
export type JsonDataset = Record<string, JsonAttr | undefined>;

const BINARY: Record<string, [number, (b: Buffer, v: number, o: number) => void]> = {
  US: [2, (b, v, o) => b.writeUInt16LE(v & 0xffff, o)],
  SS: [2, (b, v, o) => b.writeInt16LE(v, o)],
  UL: [4, (b, v, o) => b.writeUInt32LE(v >>> 0, o)],
  SL: [4, (b, v, o) => b.writeInt32LE(v, o)],
  FL: [4, (b, v, o) => b.writeFloatLE(v, o)],
  FD: [8, (b, v, o) => b.writeDoubleLE(v, o)],
  SV: [8, (b, v, o) => b.writeBigInt64LE(BigInt(Math.trunc(v)), o)],
  UV: [8, (b, v, o) => b.writeBigUInt64LE(BigInt(Math.trunc(v)), o)],
};

function pnText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  const p = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
  return [p.Alphabetic ?? '', p.Ideographic ?? '', p.Phonetic ?? ''].join('=').replace(/=+$/, '');
}

/** One element from its DICOM JSON form. Bulk data and inline binary come back empty (never in query answers). */
export function elementFromJson(tag: number, attr: JsonAttr): Element {
  const vr = attr.vr;
  const values = attr.Value ?? [];
  if (vr === 'SQ') {
    return { tag, vr, value: null, items: values.map((item) => datasetFromJson(item as JsonDataset)) };
  }
  const bin = BINARY[vr];
  if (bin) {
    const [size, write] = bin;
    const b = Buffer.alloc(size * values.length);
    values.forEach((v, i) => write(b, Number(v), i * size));
    return { tag, vr, value: b };
  }
  if (vr === 'AT') {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => {
      const t = parseInt(String(v), 16) >>> 0;
      b.writeUInt16LE(t >>> 16, i * 4);
      b.writeUInt16LE(t & 0xffff, i * 4 + 2);
    });
    return { tag, vr, value: b };
  }
  if (attr.InlineBinary !== undefined || attr.BulkDataURI !== undefined || vr.startsWith('O') || vr === 'UN') return { tag, vr, value: Buffer.alloc(0) };
  const text = values.map((v) => (vr === 'PN' ? pnText(v) : v === null || v === undefined ? '' : String(v))).join('\\');
  return { tag, vr, value: Buffer.from(text, 'utf8') };
}

export function datasetFromJson(obj: JsonDataset): Element[] {
  const out: Element[] = [];
  for (const [k, attr] of Object.entries(obj)) if (attr) out.push(elementFromJson(parseInt(k, 16) >>> 0, attr));
  return out;
}

/** An empty return key, with its VR (the one it was asked with, or the dictionary's). */
export function emptyLike(key: Element): Element {
  return key.vr === 'SQ' ? { tag: key.tag, vr: 'SQ', value: null, items: [] } : { tag: key.tag, vr: key.vr && key.vr !== 'UN' ? key.vr : vrOf(key.tag), value: Buffer.alloc(0) };
}

const nonAscii = (els: Element[]): boolean =>
  els.some((e) => (e.value ? e.value.some((c) => c > 0x7f) : (e.items ?? []).some((it) => nonAscii(it))));

/**
 * The answer dataset for one match: the asked keys (from `match`, or empty), QueryRetrieveLevel and,
 * when a value needs it, SpecificCharacterSet ISO_IR 192 (JSON text is Unicode).
 */
export function answerFor(keys: Element[], match: JsonDataset, level: QrLevel, extra: Element[] = []): Element[] {
  const out: Element[] = [];
  const extraTags = new Set(extra.map((e) => e.tag));
  for (const key of keys) {
    if (extraTags.has(key.tag)) continue;
    const attr = match[hexTag(key.tag)];
    out.push(attr ? elementFromJson(key.tag, attr) : emptyLike(key));
  }
  out.push(...extra);
  out.push({ tag: TAG.queryRetrieveLevel, vr: 'CS', value: Buffer.from(level) });
  if (nonAscii(out)) out.push({ tag: TAG.specificCharacterSet, vr: 'CS', value: Buffer.from('ISO_IR 192') });
  return out;
}

export const stringElement = (tag: number, vr: string, text: string): Element => ({ tag, vr, value: Buffer.from(text, 'utf8') });

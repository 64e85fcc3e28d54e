/**
 * Private attributes: Table E.1-1 "(GGGG,EEEE) where GGGG is odd" is X; with Retain Safe Private (E.3.10) the
 * elements of `safePrivate.ts` are kept, with their Private Creator.
 */
import type { DicomDataset, DicomElement } from '../dicom/io.js';
import { findSafePrivate, type SafePrivateEntry } from '../profile/safePrivate.js';

const BASE = 'E.1-1 (GGGG,EEEE) odd group, Private Attributes';

/** Outcome for one private element. */
export type PrivateDecision =
  | { readonly keep: false; readonly rule?: string }
  | { readonly keep: true; readonly element: DicomElement; readonly creatorTag: string; readonly rule: string };

/**
 * Decides one private element of `ds`. Private Creator elements (gggg,0010-00FF) return `keep: false` without a
 * rule: the caller keeps a creator only if an element of its block was kept.
 */
export function decidePrivate(ds: DicomDataset, tag: string, el: DicomElement, retainSafePrivate: boolean): PrivateDecision {
  const elementNo = parseInt(tag.slice(4), 16);
  if (!retainSafePrivate) return { keep: false, rule: `${BASE}: basic X` };
  if (elementNo < 0x1000) {
    return elementNo < 0x0010 || elementNo > 0x00ff ? { keep: false, rule: `${BASE}: not a private data element` } : { keep: false };
  }
  const group = tag.slice(0, 4);
  const creatorTag = `${group}00${tag.slice(4, 6)}`;
  const creator = ds[creatorTag]?.Value?.[0];
  const entry = findSafePrivate(group, tag.slice(6, 8), typeof creator === 'string' ? creator : undefined);
  const kept = entry ? safeValue(el, entry) : undefined;
  if (!entry || !kept) {
    return { keep: false, rule: `${BASE}: rtnSafePrivOpt C, not on the safe list${entry ? ' (value not of the expected VR)' : ''}` };
  }
  return {
    keep: true,
    element: kept,
    creatorTag,
    rule: `${BASE}: rtnSafePrivOpt C, safe private "${entry.creator}" ${entry.name}: ${entry.reason}`,
  };
}

/** True for a Private Creator element (odd group, element 0010-00FF). */
export function isPrivateCreator(tag: string): boolean {
  const elementNo = parseInt(tag.slice(4), 16);
  return parseInt(tag.slice(0, 4), 16) % 2 === 1 && elementNo >= 0x0010 && elementNo <= 0x00ff;
}

/** The element re-typed to the safe entry's VR if its value fits, else undefined. */
export function safeValue(el: DicomElement, entry: SafePrivateEntry): DicomElement | undefined {
  if (entry.vrs.includes(el.vr)) return el;
  if (el.vr !== 'UN') return undefined;
  const raw = el.Value?.[0];
  if (!(raw instanceof ArrayBuffer)) return undefined;
  const vr = entry.vrs[0];
  if (vr === 'FL' || vr === 'FD') {
    const size = vr === 'FL' ? 4 : 8;
    if (raw.byteLength % size !== 0) return undefined;
    const view = new DataView(raw);
    const values: number[] = [];
    for (let i = 0; i < raw.byteLength; i += size) values.push(size === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
    return { vr, Value: values };
  }
  const text = Buffer.from(raw).toString('latin1').replace(/[\0 ]+$/, '');
  const ok = vr === 'CS' ? /^[A-Z0-9_ \\]*$/.test(text) : /^[0-9.+\-eE \\]*$/.test(text);
  return ok ? { vr, Value: text.split('\\').map((s) => s.trim()) } : undefined;
}

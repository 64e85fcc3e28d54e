import type { CaseSummary } from '../../types';
import { Emitter } from '../Emitter';

export const CASE_EVENTS = {
  /** The case summary linked to a study changed. */
  CASE_CHANGED: 'HOICHAN_VIEWER_CASE_CHANGED',
} as const;

export type CaseEventMap = {
  [CASE_EVENTS.CASE_CHANGED]: { studyUid: string; summary: CaseSummary | null };
};

const KEY = (studyUid: string) => `hoichan.case.${studyUid}`;

/** Keeps only the fields a consultant may see: a summary handed in with identity fields loses them (G-2.3). */
export function sanitizeCaseSummary(input: unknown): CaseSummary | null {
  if (!input || typeof input !== 'object') return null;
  const o = input as Record<string, unknown>;
  const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const pseudonym = text('pseudonym');
  if (!pseudonym) return null;
  return {
    pseudonym,
    ageSex: text('ageSex'),
    history: text('history'),
    pastHistory: text('pastHistory'),
    examination: text('examination'),
    paraclinical: text('paraclinical'),
    preliminaryDiagnosis: text('preliminaryDiagnosis'),
    treatmentSoFar: text('treatmentSoFar'),
    question: text('question'),
    minutesDraft: text('minutesDraft'),
    emergency: o.emergency === true,
  };
}

/**
 * Case summaries linked to studies, until the worklist API provides them: set by the embedding page or a
 * test (`window.hoichan.setCase`), kept in sessionStorage for the tab's life.
 */
export class CaseStore extends Emitter<CaseEventMap> {
  constructor() {
    super(CASE_EVENTS);
  }

  /** The summary for a study, or null. */
  get(studyUid: string): CaseSummary | null {
    try {
      const raw = sessionStorage.getItem(KEY(studyUid));
      return raw ? sanitizeCaseSummary(JSON.parse(raw)) : null;
    } catch {
      return null;
    }
  }

  /** Links (or with null unlinks) a summary to a study. */
  set(studyUid: string, summary: unknown): CaseSummary | null {
    const clean = sanitizeCaseSummary(summary);
    try {
      if (clean) sessionStorage.setItem(KEY(studyUid), JSON.stringify(clean));
      else sessionStorage.removeItem(KEY(studyUid));
    } catch { /* storage disabled */ }
    this.emit(CASE_EVENTS.CASE_CHANGED, { studyUid, summary: clean });
    return clean;
  }
}

import { CASE_SUMMARY_REQUIRED, TREATMENT_DIRECTIONS } from '../model/index.js';
import type { CaseSummary, Consult, MinutesContent, Patient } from '../model/index.js';
import type { GuardContext } from './guards.js';
import { DAY_MS } from './time.js';
import { filled, foldText } from './text.js';

// Plain predicates on the domain; the named guards (guards.ts) wrap them and the guard tables call both.

/** G-3.2: the required case-summary fields that are empty. */
export function missingSummaryFields(summary: Partial<CaseSummary>): string[] {
  return CASE_SUMMARY_REQUIRED.filter((k) => !filled(summary[k]));
}

/** G-3.2: the summary as it will be after the command (a resubmission may amend it). */
export function effectiveSummary(ctx: GuardContext): CaseSummary {
  const c = ctx.command;
  if (c.type === 'answerAndResubmit' && c.summaryPatch) return { ...ctx.consult.caseSummary, ...c.summaryPatch };
  if (c.type === 'editDraft' && c.patch.caseSummary) return { ...ctx.consult.caseSummary, ...c.patch.caseSummary };
  return ctx.consult.caseSummary;
}

/** G-3.2: true when `atMs` is at least one day after `fromMs`. */
export function isAtLeastOneDayAfter(atMs: number, fromMs: number): boolean {
  return atMs - fromMs >= DAY_MS;
}

/** G-3.7: the missing parts of minutes content. */
export function missingMinutesFields(m: Partial<MinutesContent> | null | undefined): string[] {
  if (!m) return ['assessment', 'definitiveDiagnosis', 'treatmentDirection'];
  const missing: string[] = [];
  if (!filled(m.assessment)) missing.push('assessment');
  if (!filled(m.definitiveDiagnosis)) missing.push('definitiveDiagnosis');
  if (!(TREATMENT_DIRECTIONS as readonly unknown[]).includes(m.treatmentDirection)) missing.push('treatmentDirection');
  return missing;
}

/** G-2.3: the identity fields of `patient` that appear in `texts` (name, national id, address, birth date). */
export function identityFoundIn(patient: Patient, texts: readonly string[]): string[] {
  const hay = foldText(texts.join('\n'));
  const id = patient.identity;
  const candidates: [string, string | undefined][] = [
    ['fullName', id.fullName],
    ['nationalId', id.nationalId],
    ['address', id.address],
    ['birthDate', id.birthDate],
  ];
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(id.birthDate);
  if (m) candidates.push(['birthDate', `${m[3]}/${m[2]}/${m[1]}`]);
  const found = new Set<string>();
  for (const [field, value] of candidates) {
    if (value === undefined) continue;
    const needle = foldText(value);
    if (needle.length >= 4 && hay.includes(needle)) found.add(field);
  }
  return [...found];
}

/** The free texts a command writes into the consult (what G-2.3 must keep identity out of). */
export function textsOf(ctx: GuardContext): string[] {
  const c = ctx.command;
  const summary = (s: CaseSummary): string[] => [...CASE_SUMMARY_REQUIRED.map((k) => s[k]), s.other ?? ''];
  switch (c.type) {
    case 'submit':
      return summary(ctx.consult.caseSummary);
    case 'answerAndResubmit':
      return [...c.answers, ...summary(effectiveSummary(ctx))];
    case 'draftMinutes':
      return [c.assessment, c.definitiveDiagnosis, c.notes ?? ''];
    case 'addFollowUp':
      return [c.text];
    default:
      return [];
  }
}

/** The two facilities whose directors approve (G-2.7) and whose IT tests the link (G-3.5). */
export function sides(consult: Consult): readonly [string, string] {
  return [consult.requestingFacilityId, consult.consultingFacilityId];
}

/** G-2.7: true when each side's director approved that side's current list. */
export function directorsApproved(consult: Consult): boolean {
  return sides(consult).every((f) => consult.approvals.some((a) => a.facilityId === f));
}

/** G-3.5: the facilities whose latest connection test is not 'ok'. */
export function sidesNotTested(consult: Consult): string[] {
  return sides(consult).filter((f) => {
    const latest = [...consult.connectionTests].reverse().find((t) => t.facilityId === f);
    return latest?.result !== 'ok';
  });
}

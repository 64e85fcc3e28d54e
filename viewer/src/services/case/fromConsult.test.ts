import { describe, expect, it } from 'vitest';
import { viewFor } from '@worklist/policy/viewFor';
import { CAST, PATIENT, consultIn } from '@worklist/testing/index';
import { caseSummaryFromConsult } from './fromConsult';

describe('caseSummaryFromConsult (the viewer panel for a consult)', () => {
  it('carries the case fields, question and minutes draft, under the pseudonym', () => {
    const { consult } = consultIn('minutes_drafted');
    const s = caseSummaryFromConsult(viewFor(CAST.expert, consult)!);
    expect(s.pseudonym).toBe(consult.pseudonym);
    expect(s.history).toBe(consult.caseSummary.history);
    expect(s.pastHistory).toBe(consult.caseSummary.pastHistory);
    expect(s.treatmentSoFar).toBe(consult.caseSummary.treatmentSoFar);
    expect(s.question).toBe(consult.caseSummary.question);
    expect(s.minutesDraft).toContain(consult.minutes!.definitiveDiagnosis);
  });

  it('never copies the identity, even from a requesting-side view that holds it (G-2.3)', () => {
    const { consult } = consultIn('minutes_drafted');
    const view = viewFor(CAST.reqDoctor, consult, PATIENT)!;
    expect(view.patient.identity?.fullName).toBe(PATIENT.identity.fullName);
    const json = JSON.stringify(caseSummaryFromConsult(view));
    for (const leak of [PATIENT.identity.fullName, PATIENT.identity.birthDate, PATIENT.identity.nationalId!, PATIENT.id, PATIENT.identity.address!]) {
      expect(json, leak).not.toContain(leak);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { studyPatientMismatch } from './patientMatch.js';

describe('studyPatientMismatch (a pack takes only the consult patient\'s studies)', () => {
  const ids = [{ id: 'DA-1', issuer: 'BV-A' }, { id: 'NO-ISSUER' }];
  const row = (patient_id: string | null, issuer_of_patient_id: string | null = null) => ({ patient_id, issuer_of_patient_id });
  it.each([
    ['same id and issuer', row('DA-1', 'BV-A'), null],
    ['same id, padded (LO values may carry spaces)', row(' DA-1 ', 'BV-A '), null],
    ['same id, the study names no issuer', row('DA-1'), null],
    ['same id, the patient record names no issuer', row('NO-ISSUER', 'BV-X'), null],
    ['same id under another issuer', row('DA-1', 'BV-B'), /another issuer/],
    ['another id', row('DA-2', 'BV-A'), /not one of/],
    ['an id differing only in case', row('da-1', 'BV-A'), /not one of/],
    ['no Patient ID', row(null), /no Patient ID/],
    ['an empty Patient ID', row('  '), /no Patient ID/],
  ])('%s', (_label, study, expected) => {
    const why = studyPatientMismatch(study, ids);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });
  it('a patient record without PACS ids matches nothing, and says what to add', () => {
    expect(studyPatientMismatch(row('DA-1'), [])).toMatch(/pacs-ids/);
  });
});

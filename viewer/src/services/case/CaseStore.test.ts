import { describe, expect, it } from 'vitest';
import { sanitizeCaseSummary } from './CaseStore';

describe('case summary (G-2.3)', () => {
  it('keeps only the pseudonymous fields', () => {
    const s = sanitizeCaseSummary({ pseudonym: 'HC-1', history: 'h', patientName: 'NGUYEN^VAN^A', patientId: '123', birthDate: '19700101', address: 'Hà Nội' });
    expect(s).toEqual({ pseudonym: 'HC-1', history: 'h', ageSex: undefined, examination: undefined, paraclinical: undefined, preliminaryDiagnosis: undefined, question: undefined, minutesDraft: undefined, emergency: false });
    expect(JSON.stringify(s)).not.toMatch(/NGUYEN|123|1970|Hà Nội/);
  });

  it('refuses a summary without a pseudonym', () => {
    expect(sanitizeCaseSummary({ history: 'h' })).toBeNull();
    expect(sanitizeCaseSummary(null)).toBeNull();
  });
});

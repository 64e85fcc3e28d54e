import { describe, expect, it } from 'vitest';
import { CONSULT_STATES, ROLES } from '../model/index.js';
import type { Actor, Role } from '../model/index.js';
import { CAST, FACILITIES, PATIENT, consultIn } from '../testing/scenario.js';
import { can } from './can.js';
import { viewFor } from './viewFor.js';

/** Every value of the patient's identity, plus the requesting facility's patient id. */
const SECRETS: string[] = [
  PATIENT.id,
  PATIENT.identity.fullName,
  PATIENT.identity.birthDate,
  PATIENT.identity.nationalId as string,
  PATIENT.identity.address as string,
];
const IDENTITY_KEYS = new Set(['identity', 'fullName', 'birthDate', 'sex', 'nationalId', 'address', 'patientId']);

/** Walks every key and value; returns the paths where identity shows up. */
function leaks(value: unknown, path = '$'): string[] {
  if (typeof value === 'string') return SECRETS.some((s) => value.includes(s)) || value === PATIENT.identity.sex ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaks(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(IDENTITY_KEYS.has(k) ? [`${path}.${k}`] : []), ...leaks(v, `${path}.${k}`)]);
  }
  return [];
}

const at = (role: Role, facilityId: string): Actor => ({
  userId: role === 'consultant_expert' ? CAST.expert.userId : `${role}@${facilityId}`,
  facilityId,
  roles: [role],
});

describe('viewFor(): the consulting side never sees the patient’s identity (G-2.3, G-2.13)', () => {
  const cases = CONSULT_STATES.flatMap((s) =>
    ROLES.flatMap((r) => [FACILITIES.district.id, FACILITIES.central.id, FACILITIES.other.id].map((f) => [s, r, f] as const)),
  );
  let identified = 0;
  let pseudonymous = 0;
  it.each(cases)('%s, %s at %s', (state, role, facilityId) => {
    const { consult } = consultIn(state);
    const actor = at(role, facilityId);
    const view = viewFor(actor, consult, PATIENT);
    if (!can(actor, 'consult.read', consult).ok) {
      expect(view).toBeNull();
      return;
    }
    expect(view).not.toBeNull();
    const json = JSON.parse(JSON.stringify(view)) as unknown;
    const mayIdentify = role === 'requesting_doctor' || role === 'requesting_coordinator' || role === 'facility_director';
    if (mayIdentify && facilityId === consult.requestingFacilityId) {
      identified += 1;
      expect(view?.patient.identity).toEqual(PATIENT.identity);
      expect(view?.patient.id).toBe(PATIENT.id);
    } else {
      pseudonymous += 1;
      expect(leaks(json)).toEqual([]);
      expect(view?.patient).toEqual({ pseudonym: PATIENT.pseudonym });
    }
  });
  it('saw both kinds', () => {
    expect(identified).toBeGreaterThan(0);
    expect(pseudonymous).toBeGreaterThan(identified);
  });
});

describe('viewFor(): what each role sees', () => {
  const { consult } = consultIn('in_session');
  it('experts and the planning office get the clinical content, pseudonymously', () => {
    for (const a of [CAST.expert, CAST.conCoordinator]) {
      const v = viewFor(a, consult, PATIENT);
      expect(v?.clinical?.caseSummary.question).toBe(consult.caseSummary.question);
      expect(v?.patient).toEqual({ pseudonym: PATIENT.pseudonym });
    }
  });
  it('IT and admin get the logistics view only', () => {
    for (const a of [CAST.reqIT, CAST.conIT, CAST.admin]) {
      const v = viewFor(a, consult, PATIENT);
      expect(v?.schedule).toEqual(consult.schedule);
      expect(v?.clinical).toBeUndefined();
      expect(v?.patient).toEqual({ pseudonym: PATIENT.pseudonym });
    }
  });
  it('a view is a copy: changing it leaves the consult alone', () => {
    const v = viewFor(CAST.reqDoctor, consult, PATIENT);
    (v?.participants as unknown as { userId: string }[])[0]!.userId = 'mallory';
    expect(consult.participants[0]?.userId).not.toBe('mallory');
  });
  it('a patient that is not the consult’s is never attached', () => {
    const v = viewFor(CAST.reqDoctor, consult, { ...PATIENT, id: 'someone-else' });
    expect(v?.patient.identity).toBeUndefined();
  });
  it('fields added to the stored consult later stay out of the view', () => {
    const v = viewFor(CAST.expert, { ...consult, patientNameForDebugging: PATIENT.identity.fullName } as typeof consult, PATIENT);
    expect(leaks(JSON.parse(JSON.stringify(v)))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { ProfileRow } from '../profile/generate.js';
import { activeColumns, BASIC_PROFILE, CONSULT_PROFILE } from '../profile/options.js';
import { findRow } from '../profile/table.js';
import { IdentityMatcher } from '../text/identity.js';
import { cleanText } from './clean.js';
import { dummyValue } from './dummy.js';
import { derivedUid, replaceUid } from './replaceUid.js';
import { chooseCode, resolveCompound } from './resolve.js';
import { DATE_SHIFT_RANGE, dateShiftDays, shiftDA, shiftDT } from './shiftDate.js';

const row = (tag: string): ProfileRow => {
  const r = findRow(tag);
  if (!r) throw new Error(tag);
  return r;
};

describe('resolveCompound: compound codes by attribute Type (PS3.15 E.1.1)', () => {
  it.each([
    ['Z/D', '1', 'D'], ['Z/D', '2', 'Z'], ['Z/D', undefined, 'Z'],
    ['X/Z', '2', 'Z'], ['X/Z', '3', 'X'], ['X/Z', undefined, 'X'],
    ['X/D', '1', 'D'], ['X/D', '3', 'X'], ['X/D', undefined, 'X'],
    ['X/Z/D', '1', 'D'], ['X/Z/D', '2', 'Z'], ['X/Z/D', '3', 'X'], ['X/Z/D', undefined, 'X'],
    ['X/Z/U*', '1', 'U'], ['X/Z/U*', '2', 'Z'], ['X/Z/U*', '3', 'X'], ['X/Z/U*', undefined, 'X'],
    ['D', undefined, 'D'], ['Z', undefined, 'Z'], ['X', '1', 'X'], ['K', undefined, 'K'], ['C', undefined, 'C'], ['U', undefined, 'U'],
  ] as const)('%s with Type %s -> %s', (code, type, action) => {
    expect(resolveCompound(code, type).action).toBe(action);
  });
});

describe('chooseCode: an option overrides the basic profile', () => {
  it('keeps Patient Sex under Retain Patient Characteristics and empties it under Basic (G-2.2)', () => {
    expect(chooseCode(row('00100040'), activeColumns(BASIC_PROFILE)).code).toBe('Z');
    expect(chooseCode(row('00100040'), activeColumns(CONSULT_PROFILE))).toEqual({ code: 'K', from: 'rtnPatCharsOpt' });
  });
  it('lets the temporal option decide for dates even when another option says K', () => {
    // Date of Last Detector Calibration: X/D basic, rtnDevIdOpt K, rtnLongModifDatesOpt C
    const active = activeColumns({ ...CONSULT_PROFILE, retainDeviceIdentity: true });
    expect(chooseCode(row('0018700C'), active)).toEqual({ code: 'C', from: 'rtnLongModifDatesOpt' });
    expect(chooseCode(row('0018700C'), activeColumns({ ...BASIC_PROFILE, retainDeviceIdentity: true })).code).toBe('K');
  });
  it('prefers K over C among other options', () => {
    // Device UID: U basic, rtnUIDsOpt K, rtnDevIdOpt K
    expect(chooseCode(row('00181002'), activeColumns({ ...BASIC_PROFILE, retainUIDs: true })).code).toBe('K');
    // Allergies: X basic, rtnPatCharsOpt C, cleanDescOpt C
    expect(chooseCode(row('00102110'), activeColumns(CONSULT_PROFILE)).code).toBe('C');
  });
  it('uses the basic code when no active option names the row', () => {
    expect(chooseCode(row('00100010'), activeColumns(CONSULT_PROFILE))).toEqual({ code: 'Z', from: 'basic' });
    expect(chooseCode(row('00081030'), activeColumns(BASIC_PROFILE)).code).toBe('X');
    expect(chooseCode(row('00081030'), activeColumns(CONSULT_PROFILE)).code).toBe('C');
  });
});

describe('replaceUid (U)', () => {
  it('is 2.25.<decimal>, at most 64 characters, deterministic and keyed', () => {
    const a = replaceUid(Buffer.from('secret-one-0123456789'), '1.2.3.4.5');
    expect(a).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(replaceUid(Buffer.from('secret-one-0123456789'), '1.2.3.4.5')).toBe(a);
    expect(replaceUid(Buffer.from('secret-one-0123456789'), '1.2.3.4.5\0')).toBe(a);
    expect(replaceUid(Buffer.from('secret-two-0123456789'), '1.2.3.4.5')).not.toBe(a);
    expect(replaceUid(Buffer.from('secret-one-0123456789'), '1.2.3.4.6')).not.toBe(a);
    expect(derivedUid(Buffer.from('secret-one-0123456789'), 'x')).toMatch(/^2\.25\.\d+$/);
  });
});

describe('date shift (Retain Longitudinal Temporal Information, Modified Dates)', () => {
  const secret = Buffer.from('secret-one-0123456789');
  it('derives one shift per patient within the range', () => {
    const d = dateShiftDays(secret, 'BN-001');
    expect(d).toBe(dateShiftDays(secret, 'BN-001'));
    expect(d).toBeGreaterThanOrEqual(DATE_SHIFT_RANGE.min);
    expect(d).toBeLessThanOrEqual(DATE_SHIFT_RANGE.max);
    const shifts = new Set(['A', 'B', 'C', 'D', 'E', 'F'].map((p) => dateShiftDays(secret, p)));
    expect(shifts.size).toBeGreaterThan(1);
  });
  it('shifts DA, DA ranges and the date part of DT, keeping times', () => {
    expect(shiftDA('20240301', -1)).toBe('20240229');
    expect(shiftDA('20240101', -365)).toBe('20230101');
    expect(shiftDA('1993.11.24', -24)).toBe('19931031');
    expect(shiftDA('20240101-20240131', -1)).toBe('20231231-20240130');
    expect(shiftDA('', -1)).toBe('');
    expect(shiftDA('2024', -1)).toBeUndefined();
    expect(shiftDA('20241332', -1)).toBeUndefined();
    expect(shiftDT('20240301101530.123456+0700', -1)).toBe('20240229101530.123456+0700');
    expect(shiftDT('2024', -1)).toBeUndefined();
  });
});

describe('dummy values (D) are of the right VR', () => {
  it.each(['PN', 'LO', 'SH', 'CS', 'DA', 'TM', 'DT', 'AS', 'IS', 'DS', 'US', 'FD', 'OB', 'UN'])('%s', (vr) => {
    expect(dummyValue(vr)?.length).toBe(1);
  });
  it('fits the VR length limits', () => {
    expect(String(dummyValue('SH')?.[0]).length).toBeLessThanOrEqual(16);
    expect(String(dummyValue('AE')?.[0]).length).toBeLessThanOrEqual(16);
    expect(dummyValue('DA')?.[0]).toMatch(/^\d{8}$/);
    expect(dummyValue('AS')?.[0]).toMatch(/^\d{3}[DWMY]$/);
  });
});

describe('cleanText (C for Clean Descriptors / Clean Structured Content, G-2.3)', () => {
  const identity = new IdentityMatcher({
    names: ['NGUYỄN^Văn Đức'],
    ids: ['BN-2024-00123'],
    birthDate: '19800704',
    other: ['12 Lê Lợi, Quận 1, TP HCM', '0903 123 456'],
  });
  it('removes name parts regardless of case and diacritics', () => {
    expect(cleanText('CT sọ não - nguyen van duc - theo dõi', identity)).toBe('CT sọ não - - theo dõi');
    expect(cleanText('Đức, NGUYỄN', identity)).toBe(',');
  });
  it('removes identifiers, birth dates, phone and ID-number-like digit runs, e-mails, URLs', () => {
    expect(cleanText('ref BN-2024-00123 / bn2024 00123', identity)).toBe('ref /');
    expect(cleanText('DOB 04/07/1980, born 1980-07-04', identity)).toBe('DOB , born');
    expect(cleanText('call 0912.345.678 or CCCD 079123456789', identity)).toBe('call or CCCD');
    expect(cleanText('mail a.b@benhvien.vn http://x.y/z', identity)).toBe('mail');
    expect(cleanText('12 Lê Lợi', identity)).toBe('');
  });
  it('keeps clinical meaning', () => {
    expect(cleanText('CT BRAIN WO IVCON 4.8 mm', identity)).toBe('CT BRAIN WO IVCON 4.8 mm');
    expect(cleanText('U gan phải 35 x 42 mm', identity)).toBe('U gan phải 35 x 42 mm');
  });
});

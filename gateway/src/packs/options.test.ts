import { describe, expect, it } from 'vitest';
import { CONSULT_PROFILE } from '@hoichan/anonymizer';
import { HoiError } from '../errors.js';
import { parsePackOptions } from './options.js';
import { consultDateShift, packUidKey } from './keys.js';

describe('pack options', () => {
  it('defaults to the consult profile and takes overrides', () => {
    expect(parsePackOptions(undefined).profile).toEqual({ ...CONSULT_PROFILE, retainUIDs: false });
    expect(parsePackOptions({ retainDeviceIdentity: true, retainLongitudinalTemporal: 'remove' }).profile).toMatchObject({ retainDeviceIdentity: true, retainLongitudinalTemporal: 'remove', cleanDescriptors: true });
  });

  it('refuses Retain UIDs, unknown options and wrong types (copies must get new UIDs)', () => {
    for (const bad of [{ retainUIDs: true }, { nope: true }, { cleanGraphics: 'yes' }, { retainLongitudinalTemporal: 'some' }, [1], 'x']) {
      expect(() => parsePackOptions(bad), JSON.stringify(bad)).toThrow(HoiError);
    }
  });
});

describe('pack keys', () => {
  const site = Buffer.alloc(32, 7);
  it('gives each pack its own UID key and each consult one date shift', () => {
    expect(packUidKey(site, 'pkA').equals(packUidKey(site, 'pkA'))).toBe(true);
    expect(packUidKey(site, 'pkA').equals(packUidKey(site, 'pkB'))).toBe(false);
    const d = consultDateShift(site, 'c1');
    expect(consultDateShift(site, 'c1')).toBe(d);
    expect(d).toBeLessThan(0);
  });
});

import { CONSULT_PROFILE, type ProfileOptions } from '@hoichan/anonymizer';
import { HoiError } from '../errors.js';

/** How a pack is de-identified; stored with the pack so a retry uses exactly the same settings. */
export interface PackOptions {
  profile: ProfileOptions;
}

const BOOLEAN_KEYS = ['retainSafePrivate', 'retainDeviceIdentity', 'retainInstitutionIdentity', 'retainPatientCharacteristics',
  'cleanDescriptors', 'cleanStructuredContent', 'cleanGraphics'] as const;

/**
 * The consult default (issue 4 point 2: Basic + patient characteristics + modified dates + clean descriptors,
 * structured content and graphics; pixels by the pixel stage) with the caller's overrides.
 * Retain UIDs is refused: copies would collide with their sources in the archive and be linkable to them.
 */
export function parsePackOptions(input: unknown): PackOptions {
  if (input === undefined || input === null) return { profile: { ...CONSULT_PROFILE } };
  if (typeof input !== 'object' || Array.isArray(input)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'options must be an object of de-identification options');
  const o = input as Record<string, unknown>;
  const profile: { -readonly [K in keyof ProfileOptions]: ProfileOptions[K] } = { ...CONSULT_PROFILE };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'retainUIDs') {
      if (v === true) throw new HoiError('HOI_ERR_BAD_REQUEST', 'retainUIDs cannot be used for a pack: its copies must get new UIDs');
      continue;
    }
    if (k === 'retainLongitudinalTemporal') {
      if (v !== 'modified' && v !== 'remove' && v !== 'full') throw new HoiError('HOI_ERR_BAD_REQUEST', 'retainLongitudinalTemporal is modified, remove or full');
      profile.retainLongitudinalTemporal = v;
      continue;
    }
    if (!(BOOLEAN_KEYS as readonly string[]).includes(k)) {
      throw new HoiError('HOI_ERR_BAD_REQUEST', `unknown option "${k}" (known: ${[...BOOLEAN_KEYS, 'retainLongitudinalTemporal'].join(', ')})`);
    }
    if (typeof v !== 'boolean') throw new HoiError('HOI_ERR_BAD_REQUEST', `option ${k} must be true or false`);
    profile[k as (typeof BOOLEAN_KEYS)[number]] = v;
  }
  profile.retainUIDs = false;
  return { profile };
}

/**
 * The PS3.15 E.3 options, the named profiles built from them, and their CID 7050 codes.
 */
import type { OptionColumn } from './generate.js';

/** How longitudinal temporal information (dates) is handled: PS3.15 E.3.6. */
export type TemporalOption = 'remove' | 'full' | 'modified';

/** Profile = Basic Application Level Confidentiality Profile + the options switched on. */
export interface ProfileOptions {
  /** E.3.10 Retain Safe Private: keep private attributes listed in `safePrivate.ts`. */
  readonly retainSafePrivate: boolean;
  /** E.3.9 Retain UIDs: keep original UIDs (off by default: UIDs are pseudonymised). */
  readonly retainUIDs: boolean;
  /** E.3.8 Retain Device Identity. */
  readonly retainDeviceIdentity: boolean;
  /** E.3.11 Retain Institution Identity. */
  readonly retainInstitutionIdentity: boolean;
  /** E.3.7 Retain Patient Characteristics (sex, age, size, weight…; G-2.2 clinical data for the consult). */
  readonly retainPatientCharacteristics: boolean;
  /** E.3.6 Retain Longitudinal Temporal Information: 'full' dates, 'modified' (shifted) dates, or 'remove'. */
  readonly retainLongitudinalTemporal: TemporalOption;
  /** E.3.5 Clean Descriptors: free-text descriptions are cleaned instead of removed. */
  readonly cleanDescriptors: boolean;
  /** E.3.4 Clean Structured Content: SR content / acquisition context are cleaned instead of replaced. */
  readonly cleanStructuredContent: boolean;
  /** E.3.3 Clean Graphics: graphic annotations are cleaned instead of replaced. */
  readonly cleanGraphics: boolean;
}

/** Basic Profile alone (PS3.15 E.2). */
export const BASIC_PROFILE: ProfileOptions = Object.freeze({
  retainSafePrivate: false,
  retainUIDs: false,
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
  retainPatientCharacteristics: false,
  retainLongitudinalTemporal: 'remove',
  cleanDescriptors: false,
  cleanStructuredContent: false,
  cleanGraphics: false,
});

/**
 * The consult pack default (issue 4): what the consultants need to judge the case and nothing more (G-2.2, G-2.3):
 * Basic + Retain Patient Characteristics + Retain Longitudinal Temporal Information with Modified Dates
 * + Clean Descriptors + Clean Structured Content + Clean Graphics. Clean Pixel Data and Clean Recognizable
 * Visual Features are done by the pixel stage and declared through `DeidentifyOptions`.
 */
export const CONSULT_PROFILE: ProfileOptions = Object.freeze({
  ...BASIC_PROFILE,
  retainPatientCharacteristics: true,
  retainLongitudinalTemporal: 'modified',
  cleanDescriptors: true,
  cleanStructuredContent: true,
  cleanGraphics: true,
});

/** Named profiles accepted by the CLI (`--profile`). */
export const PROFILES = { basic: BASIC_PROFILE, consult: CONSULT_PROFILE } as const;
/** A name of `PROFILES`. */
export type ProfileName = keyof typeof PROFILES;

/** CLI option names (`--option <name>`) → the change they make to a profile. */
export const OPTION_FLAGS: Readonly<Record<string, Partial<ProfileOptions>>> = {
  'retain-safe-private': { retainSafePrivate: true },
  'retain-uids': { retainUIDs: true },
  'retain-device-identity': { retainDeviceIdentity: true },
  'retain-institution-identity': { retainInstitutionIdentity: true },
  'retain-patient-characteristics': { retainPatientCharacteristics: true },
  'retain-full-dates': { retainLongitudinalTemporal: 'full' },
  'retain-modified-dates': { retainLongitudinalTemporal: 'modified' },
  'remove-dates': { retainLongitudinalTemporal: 'remove' },
  'clean-descriptors': { cleanDescriptors: true },
  'clean-structured-content': { cleanStructuredContent: true },
  'clean-graphics': { cleanGraphics: true },
  'no-retain-patient-characteristics': { retainPatientCharacteristics: false },
  'no-clean-descriptors': { cleanDescriptors: false },
  'no-clean-structured-content': { cleanStructuredContent: false },
  'no-clean-graphics': { cleanGraphics: false },
};

/** The option columns of Table E.1-1 that are active for a profile. */
export function activeColumns(p: ProfileOptions): Set<OptionColumn> {
  const cols = new Set<OptionColumn>();
  if (p.retainSafePrivate) cols.add('rtnSafePrivOpt');
  if (p.retainUIDs) cols.add('rtnUIDsOpt');
  if (p.retainDeviceIdentity) cols.add('rtnDevIdOpt');
  if (p.retainInstitutionIdentity) cols.add('rtnInstIdOpt');
  if (p.retainPatientCharacteristics) cols.add('rtnPatCharsOpt');
  if (p.retainLongitudinalTemporal === 'full') cols.add('rtnLongFullDatesOpt');
  if (p.retainLongitudinalTemporal === 'modified') cols.add('rtnLongModifDatesOpt');
  if (p.cleanDescriptors) cols.add('cleanDescOpt');
  if (p.cleanStructuredContent) cols.add('cleanStructContOpt');
  if (p.cleanGraphics) cols.add('cleanGraphOpt');
  return cols;
}

/** A coded entry of CID 7050 (De-identification Method), coding scheme DCM. */
export interface MethodCode {
  readonly value: string;
  readonly meaning: string;
}

/** CID 7050 codes (PS3.16), scheme DCM. */
export const CID7050 = {
  basicProfile: { value: '113100', meaning: 'Basic Application Confidentiality Profile' },
  cleanPixelData: { value: '113101', meaning: 'Clean Pixel Data Option' },
  cleanRecognizableVisualFeatures: { value: '113102', meaning: 'Clean Recognizable Visual Features Option' },
  cleanGraphics: { value: '113103', meaning: 'Clean Graphics Option' },
  cleanStructuredContent: { value: '113104', meaning: 'Clean Structured Content Option' },
  cleanDescriptors: { value: '113105', meaning: 'Clean Descriptors Option' },
  retainFullDates: { value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  retainModifiedDates: { value: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  retainPatientCharacteristics: { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  retainDeviceIdentity: { value: '113109', meaning: 'Retain Device Identity Option' },
  retainUIDs: { value: '113110', meaning: 'Retain UIDs Option' },
  retainSafePrivate: { value: '113111', meaning: 'Retain Safe Private Option' },
  retainInstitutionIdentity: { value: '113112', meaning: 'Retain Institution Identity Option' },
} as const satisfies Record<string, MethodCode>;

/** Pixel-level options that another stage performed and the caller declares (never assumed here). */
export interface PixelCleaningDeclaration {
  /** Burned-in text was removed from the pixel data (E.3.1). */
  readonly cleanPixelData?: boolean;
  /** Faces / recognizable features were removed or blurred (E.3.2, G-2.4). */
  readonly cleanRecognizableVisualFeatures?: boolean;
}

/** The CID 7050 codes describing a profile, in code order. */
export function methodCodes(p: ProfileOptions, pixels: PixelCleaningDeclaration = {}): MethodCode[] {
  const codes: MethodCode[] = [CID7050.basicProfile];
  if (pixels.cleanPixelData) codes.push(CID7050.cleanPixelData);
  if (pixels.cleanRecognizableVisualFeatures) codes.push(CID7050.cleanRecognizableVisualFeatures);
  if (p.cleanGraphics) codes.push(CID7050.cleanGraphics);
  if (p.cleanStructuredContent) codes.push(CID7050.cleanStructuredContent);
  if (p.cleanDescriptors) codes.push(CID7050.cleanDescriptors);
  if (p.retainLongitudinalTemporal === 'full') codes.push(CID7050.retainFullDates);
  if (p.retainLongitudinalTemporal === 'modified') codes.push(CID7050.retainModifiedDates);
  if (p.retainPatientCharacteristics) codes.push(CID7050.retainPatientCharacteristics);
  if (p.retainDeviceIdentity) codes.push(CID7050.retainDeviceIdentity);
  if (p.retainUIDs) codes.push(CID7050.retainUIDs);
  if (p.retainSafePrivate) codes.push(CID7050.retainSafePrivate);
  if (p.retainInstitutionIdentity) codes.push(CID7050.retainInstitutionIdentity);
  return codes;
}

/**
 * De-identification Method (0012,0063) values describing a profile in words, each within LO's 64 characters.
 * `tool` is the first value (name and version of the de-identifier), `edition` the PS3.15 edition of the rules.
 */
export function methodDescription(p: ProfileOptions, pixels: PixelCleaningDeclaration, tool: string, edition: string): string[] {
  const parts = [tool, `PS3.15 E.1-1 ${edition}: Basic Profile`];
  if (pixels.cleanPixelData) parts.push('Clean Pixel Data');
  if (pixels.cleanRecognizableVisualFeatures) parts.push('Clean Recognizable Visual Features');
  if (p.cleanGraphics) parts.push('Clean Graphics');
  if (p.cleanStructuredContent) parts.push('Clean Structured Content');
  if (p.cleanDescriptors) parts.push('Clean Descriptors');
  if (p.retainLongitudinalTemporal === 'full') parts.push('Retain Longitudinal Temporal Full Dates');
  if (p.retainLongitudinalTemporal === 'modified') parts.push('Retain Longitudinal Temporal Modified Dates');
  if (p.retainPatientCharacteristics) parts.push('Retain Patient Characteristics');
  if (p.retainDeviceIdentity) parts.push('Retain Device Identity');
  if (p.retainUIDs) parts.push('Retain UIDs');
  if (p.retainSafePrivate) parts.push('Retain Safe Private');
  if (p.retainInstitutionIdentity) parts.push('Retain Institution Identity');
  return parts.map((s) => s.slice(0, 64));
}

/**
 * @hoichan/anonymizer: de-identification of DICOM for consult packs (PS3.15 Annex E; guideline G-2.3, G-2.4).
 */
export { deidentify, ANONYMIZER_VERSION, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './deidentify.js';
export type { DeidentifyOptions, DeidentifyResult, DeidReport, DeidReportEntry, ReportAction } from './deidentify.js';
export { leakScan, pixelDataRange } from './leakScan.js';
export type { LeakHit, LeakScanOptions, LeakScanResult } from './leakScan.js';
export { identityOf } from './identity.js';
export type { IdentityOfOptions } from './identity.js';
export type { Identity, TokenKind } from './text/identity.js';
export { IdentityMatcher } from './text/identity.js';
export { cleanText } from './rules/clean.js';
export { replaceUid } from './rules/replaceUid.js';
export { dateShiftDays, DATE_SHIFT_RANGE } from './rules/shiftDate.js';
export {
  BASIC_PROFILE,
  CONSULT_PROFILE,
  PROFILES,
  OPTION_FLAGS,
  CID7050,
  methodCodes,
} from './profile/options.js';
export type { ProfileOptions, ProfileName, TemporalOption, PixelCleaningDeclaration, MethodCode } from './profile/options.js';
export { SAFE_PRIVATE } from './profile/safePrivate.js';
export type { SafePrivateEntry } from './profile/safePrivate.js';
export { ATTRIBUTE_TYPES } from './profile/attributeTypes.js';
export { PS315_EDITION, PS315_ROWS, findRow } from './profile/table.js';
export type { ActionCode, ProfileRow } from './profile/generate.js';
export { readPart10, writePart10 } from './dicom/io.js';
export type { DicomDataset, DicomElement, ParsedPart10 } from './dicom/io.js';
export { AnonymizerError, ANONYMIZER_ERRORS } from './errors.js';
export type { AnonymizerErrorCode } from './errors.js';

/**
 * @hoichan/anonymizer: de-identification of DICOM for consult packs (PS3.15 Annex E; guideline G-2.3, G-2.4).
 */
export { deidentify, ANONYMIZER_VERSION, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './deidentify.js';
export type { DeidentifyOptions, DeidentifyResult, DeidReport, DeidReportEntry, ReportAction } from './deidentify.js';
export { deidentifyParsed } from './deidentify.js';
export { deidentifyInstance } from './deidentifyInstance.js';
export type { DeidentifyInstanceOptions, InstanceOutcome, InstanceReport, QuarantineCode } from './deidentifyInstance.js';
export { cleanPixels, pixelPlan, ultrasoundRegions } from './pixels/cleanPixels.js';
export type { PixelCleanOptions, PixelCleanReport, PixelStep } from './pixels/cleanPixels.js';
export { BURNED_IN_SIGNATURES } from './pixels/burnedInSignatures.js';
export type { BurnedInSignature, SignatureCondition } from './pixels/burnedInSignatures.js';
export { detectTextBoxes } from './pixels/textDetect.js';
export type { TextDetectOptions } from './pixels/textDetect.js';
export { detectFaces, loadFaceDetector, maskBoxes } from './pixels/faces.js';
export type { FaceDetectOptions } from './pixels/faces.js';
export { decodeImage, initCodecs, PixelDecodeError } from './pixels/image.js';
export type { Box, PixelImage } from './pixels/image.js';
export { wrapAttachment } from './nonDicom/attachment.js';
export { wrapPhoto, sniffAttachment } from './nonDicom/photo.js';
export type { AttachmentOutcome, AttachmentReport, PhotoOptions } from './nonDicom/photo.js';
export { wrapPdf, cleanPdf } from './nonDicom/pdf.js';
export type { AttachmentTarget } from './nonDicom/dicomWrapper.js';
export { PseudonymMap, FilePseudonymStore, loadKeyring, parseKeyring } from './pseudonymMap.js';
export type { PatientIdentityRecord, PseudonymRow, PseudonymStore, PseudonymKeyring } from './pseudonymMap.js';
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

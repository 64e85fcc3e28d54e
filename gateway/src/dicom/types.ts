/**
 * What the archive needs to know about one instance, read from its header without touching pixel data.
 * Produced by `parseInstance()` (dicom/parseInstance.ts); consumed by the archive index and DICOMweb.
 */

/** Attributes indexed for QIDO-RS / C-FIND matching and return (PS3.18 Table 10.6.1-5 and friends). */
export interface IndexFields {
  // patient level
  patientId: string | null;
  issuerOfPatientId: string | null;
  /** PatientName as decoded text (DICOM PN string form, e.g. "NGUYỄN^VĂN^A"), alphabetic group only. */
  patientName: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  // study level
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  referringPhysicianName: string | null;
  studyId: string | null;
  studyDescription: string | null;
  timezoneOffsetFromUtc: string | null;
  // series level
  seriesInstanceUid: string;
  modality: string | null;
  seriesNumber: number | null;
  seriesDescription: string | null;
  seriesDate: string | null;
  seriesTime: string | null;
  performedProcedureStepStartDate: string | null;
  performedProcedureStepStartTime: string | null;
  /** From RequestAttributesSequence items (first item wins for matching). */
  scheduledProcedureStepId: string | null;
  requestedProcedureId: string | null;
  bodyPartExamined: string | null;
  // instance level
  sopClassUid: string;
  sopInstanceUid: string;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  bitsAllocated: number | null;
  numberOfFrames: number | null;
  photometricInterpretation: string | null;
  contentDate: string | null;
  contentTime: string | null;
  specificCharacterSet: string | null;
  /** Transfer syntax of the stored bytes (from file meta, or sniffed when there is none). */
  transferSyntaxUid: string;
}

/**
 * DICOM JSON (PS3.18 Annex F) text fragments, precomputed at store time so that metadata and QIDO answers
 * are string concatenation, not parsing. Bulk data values are written as
 * `"BulkDataURI":"{{BASE}}/studies/<s>/series/<se>/instances/<i>/bulk/<tagpath>"`; the server replaces
 * the `{{BASE}}` placeholder with its DICOMweb root when serving.
 */
export interface InstanceJson {
  /** The whole dataset (file meta excluded) as one DICOM JSON object. */
  metadata: string;
  /** Patient + study level attributes only (the QIDO study answer minus computed counts). */
  study: string;
  /** Series level attributes only. */
  series: string;
  /** Instance level attributes only (SOP Class/Instance, InstanceNumber, Rows, Columns, NumberOfFrames...). */
  instance: string;
}

export interface ParsedInstance {
  fields: IndexFields;
  json: InstanceJson;
  /** True when the bytes start with a 128-byte preamble + "DICM" + file meta group. */
  hasFileMeta: boolean;
  /** Tags (8 hex) the index holds but the bytes lack (derived Study/Series UIDs); reported as a warning. */
  coerced: string[];
}

/** Why a body is not a storable instance; each maps to a STOW FailureReason / DIMSE status. */
export type ParseFailure =
  | 'not-dicom'          // no DICM, no plausible dataset start
  | 'truncated'          // an element's declared length runs past the end
  | 'missing-uid'        // no SOPInstanceUID / SOPClassUID / StudyInstanceUID / SeriesInstanceUID
  | 'bad-length'         // an absurd declared length
  | 'unsupported';       // e.g. a transfer syntax we can't read at all

export class DicomParseError extends Error {
  constructor(readonly reason: ParseFailure, message: string) {
    super(message);
    this.name = 'DicomParseError';
  }
}

/**
 * Attributes kept per level in the precomputed QIDO answer fragments (PS3.18 Tables 10.6.3-3/-4/-5 and
 * friends), as 8-hex tags in ascending order. QIDO-RS matches and returns these.
 */
export const STUDY_TAGS = [
  '00080005', // SpecificCharacterSet
  '00080020', // StudyDate
  '00080030', // StudyTime
  '00080050', // AccessionNumber
  '00080056', // InstanceAvailability
  '00080090', // ReferringPhysicianName
  '00080201', // TimezoneOffsetFromUTC
  '00081030', // StudyDescription
  '00100010', // PatientName
  '00100020', // PatientID
  '00100021', // IssuerOfPatientID
  '00100030', // PatientBirthDate
  '00100040', // PatientSex
  '00101010', // PatientAge
  '00101020', // PatientSize
  '00101030', // PatientWeight
  '0020000D', // StudyInstanceUID
  '00200010', // StudyID
  '00321032', // RequestingPhysician
] as const;

export const SERIES_TAGS = [
  '00080021', // SeriesDate
  '00080031', // SeriesTime
  '00080060', // Modality
  '0008103E', // SeriesDescription
  '00180015', // BodyPartExamined
  '0020000E', // SeriesInstanceUID
  '00200011', // SeriesNumber
  '00400244', // PerformedProcedureStepStartDate
  '00400245', // PerformedProcedureStepStartTime
  '00400275', // RequestAttributesSequence
] as const;

export const INSTANCE_TAGS = [
  '00080016', // SOPClassUID
  '00080018', // SOPInstanceUID
  '00080023', // ContentDate
  '00080033', // ContentTime
  '00200013', // InstanceNumber
  '00200032', // ImagePositionPatient
  '00200037', // ImageOrientationPatient
  '00280004', // PhotometricInterpretation
  '00280008', // NumberOfFrames
  '00280010', // Rows
  '00280011', // Columns
  '00280100', // BitsAllocated
] as const;

/** 1 study, 2 series, 3 instance: which QIDO fragment an 8-hex tag goes into. */
export const LEVEL_OF: ReadonlyMap<string, 1 | 2 | 3> = new Map([
  ...STUDY_TAGS.map((t) => [t, 1] as const),
  ...SERIES_TAGS.map((t) => [t, 2] as const),
  ...INSTANCE_TAGS.map((t) => [t, 3] as const),
]);

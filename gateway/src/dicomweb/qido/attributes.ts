/** How a QIDO/C-FIND matching key maps onto the index. */
export type MatchKind = 'string' | 'pn' | 'uid' | 'date' | 'time' | 'int' | 'modalities';
export type Level = 'study' | 'series' | 'instance';

export interface Attr {
  keyword: string;
  tag: string;
  level: Level;
  /** Table-qualified column; for 'pn' the normalized column. */
  column: string;
  kind: MatchKind;
}

const A = (keyword: string, tag: string, level: Level, column: string, kind: MatchKind): Attr => ({ keyword, tag, level, column, kind });

/** Matching keys of PS3.18 Table 10.6.1-5 (study, series, instance) plus a few Orthanc users expect. */
export const ATTRIBUTES: Attr[] = [
  A('StudyDate', '00080020', 'study', 'studies.study_date', 'date'),
  A('StudyTime', '00080030', 'study', 'studies.study_time', 'time'),
  A('AccessionNumber', '00080050', 'study', 'studies.accession_number', 'string'),
  A('ModalitiesInStudy', '00080061', 'study', 'studies.modalities', 'modalities'),
  A('ReferringPhysicianName', '00080090', 'study', 'studies.referring_physician_name_norm', 'pn'),
  A('PatientName', '00100010', 'study', 'studies.patient_name_norm', 'pn'),
  A('PatientID', '00100020', 'study', 'studies.patient_id', 'string'),
  A('IssuerOfPatientID', '00100021', 'study', 'studies.issuer_of_patient_id', 'string'),
  A('PatientBirthDate', '00100030', 'study', 'studies.patient_birth_date', 'date'),
  A('PatientSex', '00100040', 'study', 'studies.patient_sex', 'string'),
  A('StudyInstanceUID', '0020000D', 'study', 'studies.study_uid', 'uid'),
  A('StudyID', '00200010', 'study', 'studies.study_id', 'string'),
  A('StudyDescription', '00081030', 'study', 'studies.study_description', 'string'),
  A('Modality', '00080060', 'series', 'series.modality', 'string'),
  A('SeriesInstanceUID', '0020000E', 'series', 'series.series_uid', 'uid'),
  A('SeriesNumber', '00200011', 'series', 'series.series_number', 'int'),
  A('SeriesDescription', '0008103E', 'series', 'series.series_description', 'string'),
  A('SeriesDate', '00080021', 'series', 'series.series_date', 'date'),
  A('SeriesTime', '00080031', 'series', 'series.series_time', 'time'),
  A('BodyPartExamined', '00180015', 'series', 'series.body_part_examined', 'string'),
  A('PerformedProcedureStepStartDate', '00400244', 'series', 'series.pps_start_date', 'date'),
  A('PerformedProcedureStepStartTime', '00400245', 'series', 'series.pps_start_time', 'time'),
  A('RequestAttributesSequence.ScheduledProcedureStepID', '00400275.00400009', 'series', 'series.scheduled_procedure_step_id', 'string'),
  A('RequestAttributesSequence.RequestedProcedureID', '00400275.00401001', 'series', 'series.requested_procedure_id', 'string'),
  A('SOPClassUID', '00080016', 'instance', 'instances.sop_class_uid', 'uid'),
  A('SOPInstanceUID', '00080018', 'instance', 'instances.sop_uid', 'uid'),
  A('InstanceNumber', '00200013', 'instance', 'instances.instance_number', 'int'),
  A('Rows', '00280010', 'instance', 'instances.rows', 'int'),
  A('Columns', '00280011', 'instance', 'instances.columns', 'int'),
  A('BitsAllocated', '00280100', 'instance', 'instances.bits_allocated', 'int'),
  A('NumberOfFrames', '00280008', 'instance', 'instances.number_of_frames', 'int'),
  A('ContentDate', '00080023', 'instance', 'instances.content_date', 'date'),
  A('ContentTime', '00080033', 'instance', 'instances.content_time', 'time'),
];

const byName = new Map<string, Attr>();
for (const a of ATTRIBUTES) {
  byName.set(a.keyword.toLowerCase(), a);
  byName.set(a.tag.toLowerCase(), a);
}

/** Finds a matching key by keyword or 8-hex tag (case-insensitive), e.g. "PatientName" or "00100010". */
export function findAttribute(name: string): Attr | undefined {
  return byName.get(name.toLowerCase());
}

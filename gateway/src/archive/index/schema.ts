import type { Generated } from 'kysely';

/** Kysely table types of the index. One definition for SQLite and PostgreSQL. */
export interface StudyTable {
  pk: Generated<number>;
  study_uid: string;
  patient_id: string | null;
  issuer_of_patient_id: string | null;
  patient_name: string | null;
  patient_name_norm: string | null;
  patient_birth_date: string | null;
  patient_sex: string | null;
  study_date: string | null;
  study_time: string | null;
  accession_number: string | null;
  referring_physician_name: string | null;
  referring_physician_name_norm: string | null;
  study_id: string | null;
  study_description: string | null;
  timezone_offset: string | null;
  /** DICOM JSON object text of the study-level attributes. */
  study_json: string;
  /** Distinct modalities, '\\'-joined (ModalitiesInStudy). */
  modalities: string;
  num_series: number;
  num_instances: number;
  updated_at: string;
}

export interface SeriesTable {
  pk: Generated<number>;
  study_pk: number;
  series_uid: string;
  modality: string | null;
  series_number: number | null;
  series_description: string | null;
  series_date: string | null;
  series_time: string | null;
  pps_start_date: string | null;
  pps_start_time: string | null;
  scheduled_procedure_step_id: string | null;
  requested_procedure_id: string | null;
  body_part_examined: string | null;
  series_json: string;
  num_instances: number;
  updated_at: string;
}

export interface InstanceTable {
  pk: Generated<number>;
  series_pk: number;
  study_pk: number;
  sop_uid: string;
  sop_class_uid: string;
  instance_number: number | null;
  rows: number | null;
  columns: number | null;
  bits_allocated: number | null;
  number_of_frames: number | null;
  photometric: string | null;
  content_date: string | null;
  content_time: string | null;
  transfer_syntax_uid: string;
  size: number;
  sha256: string;
  blob_key: string;
  instance_json: string;
  /** Whole-dataset DICOM JSON with `{{BASE}}` bulk placeholders (WADO-RS metadata cache). */
  meta_json: string;
  stored_at: string;
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  /** JSON array of role names. */
  roles: string;
  display_name: string | null;
  disabled: number;
  created_at: string;
}

export interface TokenTable {
  token_hash: string;
  user_id: number;
  expires_at: number;
  created_at: string;
}

/** Append-only change feed: the seam between archive, jobs and viewer. */
export interface ChangeTable {
  seq: Generated<number>;
  kind: string;
  study_uid: string;
  series_uid: string | null;
  sop_uid: string | null;
  at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  studies: StudyTable;
  series: SeriesTable;
  instances: InstanceTable;
  users: UserTable;
  tokens: TokenTable;
  changes: ChangeTable;
  meta: MetaTable;
}

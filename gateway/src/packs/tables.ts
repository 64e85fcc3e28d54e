import type { Generated, Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';

/** building → ready | failed | cancelled. A ready pack serves its released instances only. */
export type PackState = 'building' | 'ready' | 'failed' | 'cancelled';

/**
 * pending: its anonymized copy is being stored (already hidden from the main root);
 * released: stored and served through the pack's root; quarantined: blocked, never stored or served;
 * failed: could not be read or stored (not a privacy verdict).
 */
export type PackInstanceState = 'pending' | 'released' | 'quarantined' | 'failed';

export interface PackTable {
  id: string;
  consult_id: string;
  pseudonym: string;
  state: PackState;
  /** JSON array of source Study Instance UIDs (never shown to consultants). */
  source_studies: string;
  /** JSON PackOptions. */
  options: string;
  /** JSON PackReport once built. */
  report: string | null;
  job_id: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface PackInstanceTable {
  pk: Generated<number>;
  pack_id: string;
  /** Source SOP Instance UID, or `attachment:<sha256>` for uploaded files. */
  source: string;
  kind: 'dicom' | 'attachment';
  state: PackInstanceState;
  /** The anonymized copy's UIDs (set before it is stored, so the main root hides it from the first moment). */
  study_uid: string | null;
  series_uid: string | null;
  sop_uid: string | null;
  /** JSON array of QuarantineReason (no original values). */
  reasons: string | null;
  updated_at: string;
}

// A type literal (not an interface) so that it satisfies Kysely's withTables constraint.
export type PackTables = {
  packs: PackTable;
  pack_instances: PackInstanceTable;
};

export type PackDb = Kysely<Database & PackTables>;

/** The index handle with the pack tables typed (they live in the same database as the archive). */
export const packDb = (db: Kysely<Database>): PackDb => db.withTables<PackTables>();

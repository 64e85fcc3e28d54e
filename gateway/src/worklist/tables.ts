import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../archive/index/schema.js';

/** Kysely types of the worklist's tables (migration "Consult worklist" in archive/index/migrations.ts). */
export interface FacilityTable {
  id: string;
  name: string;
  can_request: number;
  can_consult: number;
  created_at: string;
}

export interface PatientTable {
  id: string;
  facility_id: string;
  pseudonym: string;
  /** JSON of the worklist's PatientIdentity; never leaves the requesting facility's views. */
  identity_json: string;
  created_at: string;
}

export interface ConsultTable {
  id: string;
  rev: number;
  state: string;
  type: string;
  urgency: string;
  requesting_facility_id: string;
  consulting_facility_id: string;
  /** '|u1|u2|': invited experts, for listing an expert's consults without reading every snapshot. */
  expert_ids: string;
  /** The worklist Consult as JSON. */
  snapshot: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  user_id: string;
  facility_id: string;
  role: string;
  action: string;
  object_type: string;
  object_id: string;
  outcome: string;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** The users table seen with the column the worklist migration adds. */
export interface UserFacilityColumn {
  users: Database['users'] & { facility_id: string | null };
}

export interface WorklistTables {
  facilities: FacilityTable;
  patients: PatientTable;
  consults: ConsultTable;
  audit_log: AuditLogTable;
}

export type WorklistDatabase = Omit<Database, 'users'> & UserFacilityColumn & WorklistTables;
export type WDb = Kysely<WorklistDatabase>;
export type WTx = Transaction<WorklistDatabase>;

/** The index handle typed with the worklist's tables (same connection, no copy). */
export function worklistDb(db: Kysely<Database>): WDb {
  return db as unknown as WDb;
}

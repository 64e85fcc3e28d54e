import type { AuditEntry, AuditEntryFields } from './audit/AuditEntry.js';
import type { Notification } from './consult/notifications.js';
import type { Consult, ConsultState, Patient } from './model/index.js';

/** The time source; injected so that `transition()` stays pure and tests can move time. */
export interface Clock {
  now(): Date;
}

/** A clock on the system time (the gateway's default). */
export const systemClock: Clock = { now: () => new Date() };

/** Filters for listing consults (the gateway then keeps the ones `can(actor, 'consult.read')` allows). */
export interface ConsultQuery {
  readonly facilityId?: string;
  readonly states?: readonly ConsultState[];
  readonly expertUserId?: string;
  readonly limit?: number;
  readonly since?: string;
}

/** Filters for reading the audit log (`GET /api/audit`); `auditScope()` adds the facility for directors. */
export interface AuditQuery {
  readonly facilityId?: string;
  readonly userId?: string;
  readonly objectType?: string;
  readonly objectId?: string;
  readonly action?: string;
  readonly outcome?: AuditEntry['outcome'];
  readonly from?: string;
  readonly to?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

/**
 * G-2.11: the append-only, hash-chained audit log. `append` chains after the current head (read under the
 * same lock as the write, so two processes never fork the chain) with `appendEntries()` from audit/chain.ts,
 * and stores the result. Entries are never updated or deleted.
 */
export interface AuditSink {
  append(fields: readonly AuditEntryFields[]): Promise<AuditEntry[]>;
  head(): Promise<AuditEntry | null>;
  /** Entries in seq order. */
  read(query: AuditQuery): Promise<AuditEntry[]>;
}

/** What one repository transaction can do: every write of a command commits or rolls back together. */
export interface ConsultTransaction {
  /** Loads and locks the consult (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock). */
  load(id: string): Promise<Consult | null>;
  /** Inserts a new consult (rev 1). */
  insert(consult: Consult): Promise<void>;
  /**
   * Replaces the stored snapshot if its rev is still `expectedRev`; otherwise throws a conflict (the gateway
   * answers 409 and the client reloads).
   */
  save(consult: Consult, expectedRev: number): Promise<void>;
  /** The audit log, inside this transaction. */
  readonly audit: AuditSink;
}

/** Consult snapshots, stored as JSON plus indexed columns (id, facilities, state, urgency, rev). */
export interface ConsultRepo {
  load(id: string): Promise<Consult | null>;
  list(query: ConsultQuery): Promise<Consult[]>;
  /** Runs `fn` in one transaction (retrying on SQLITE_BUSY / serialization failures); commits when it resolves. */
  transaction<T>(fn: (tx: ConsultTransaction) => Promise<T>): Promise<T>;
}

/** Patients' identities, held only at the requesting facility (G-2.3). */
export interface PatientRepo {
  load(id: string): Promise<Patient | null>;
}

/** Delivers notifications after the transaction commits (SSE/WebSocket feed; no mail server by default). */
export interface Notifier {
  notify(notifications: readonly Notification[]): Promise<void>;
}

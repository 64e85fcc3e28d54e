import { appendEntries } from '../audit/chain.js';
import type { AuditEntry, AuditEntryFields } from '../audit/AuditEntry.js';
import type { Notification } from '../consult/notifications.js';
import type { Consult, Patient } from '../model/index.js';
import type { AuditQuery, AuditSink, Clock, ConsultQuery, ConsultRepo, ConsultTransaction, Notifier, PatientRepo } from '../ports.js';

/** A clock that moves only when told (tests, demo fixtures). */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: string | Date) {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  /** Moves time forward. */
  advance(ms: number): this {
    this.ms += ms;
    return this;
  }
  set(at: string | Date): this {
    this.ms = new Date(at).getTime();
    return this;
  }
}

/** An in-memory audit log (chains with appendEntries). */
export class MemoryAuditSink implements AuditSink {
  readonly entries: AuditEntry[] = [];
  async append(fields: readonly AuditEntryFields[]): Promise<AuditEntry[]> {
    const added = appendEntries(this.entries.at(-1) ?? null, fields);
    this.entries.push(...added);
    return added;
  }
  async head(): Promise<AuditEntry | null> {
    return this.entries.at(-1) ?? null;
  }
  async read(q: AuditQuery): Promise<AuditEntry[]> {
    const out = this.entries.filter(
      (e) =>
        (q.facilityId === undefined || e.facilityId === q.facilityId) &&
        (q.userId === undefined || e.userId === q.userId) &&
        (q.objectType === undefined || e.objectType === q.objectType) &&
        (q.objectId === undefined || e.objectId === q.objectId) &&
        (q.action === undefined || e.action === q.action) &&
        (q.outcome === undefined || e.outcome === q.outcome) &&
        (q.from === undefined || e.at >= q.from) &&
        (q.to === undefined || e.at < q.to) &&
        (q.afterSeq === undefined || e.seq > q.afterSeq),
    );
    return q.limit === undefined ? out : out.slice(0, q.limit);
  }
}

/** Thrown by `save` when the stored rev is not the expected one. */
export class RevConflict extends Error {
  constructor(id: string, expected: number, actual: number) {
    super(`consult ${id}: expected rev ${expected}, stored rev ${actual}`);
  }
}

/**
 * An in-memory ConsultRepo: snapshots stored as JSON strings (so a test sees exactly what survives
 * serialisation); a transaction works on copies and commits them, with the audit entries, only if `fn` resolves.
 */
export class MemoryConsultRepo implements ConsultRepo {
  private readonly rows = new Map<string, string>();
  readonly audit = new MemoryAuditSink();
  private queue: Promise<unknown> = Promise.resolve();

  async load(id: string): Promise<Consult | null> {
    const row = this.rows.get(id);
    return row === undefined ? null : (JSON.parse(row) as Consult);
  }

  async list(q: ConsultQuery): Promise<Consult[]> {
    const all = [...this.rows.values()].map((r) => JSON.parse(r) as Consult);
    return all
      .filter(
        (c) =>
          (q.facilityId === undefined || c.requestingFacilityId === q.facilityId || c.consultingFacilityId === q.facilityId) &&
          (q.states === undefined || q.states.includes(c.state)) &&
          (q.expertUserId === undefined || c.invitations.some((i) => i.expertUserId === q.expertUserId)),
      )
      .slice(0, q.limit ?? Infinity);
  }

  transaction<T>(fn: (tx: ConsultTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const pending = new Map<string, string>();
      const pendingAudit: AuditEntryFields[] = [];
      const staged = (): AuditEntry[] => appendEntries(this.audit.entries.at(-1) ?? null, pendingAudit);
      const tx: ConsultTransaction = {
        load: async (id) => {
          const row = pending.get(id) ?? this.rows.get(id);
          return row === undefined ? null : (JSON.parse(row) as Consult);
        },
        insert: async (c) => {
          if (this.rows.has(c.id) || pending.has(c.id)) throw new Error(`consult ${c.id} exists`);
          pending.set(c.id, JSON.stringify(c));
        },
        save: async (c, expectedRev) => {
          const row = pending.get(c.id) ?? this.rows.get(c.id);
          const stored = row === undefined ? null : (JSON.parse(row) as Consult);
          if (stored === null || stored.rev !== expectedRev) throw new RevConflict(c.id, expectedRev, stored?.rev ?? -1);
          pending.set(c.id, JSON.stringify(c));
        },
        audit: {
          append: async (fields) => {
            pendingAudit.push(...fields);
            return staged().slice(-fields.length);
          },
          head: async () => staged().at(-1) ?? this.audit.entries.at(-1) ?? null,
          read: (q) => this.audit.read(q),
        },
      };
      const result = await fn(tx);
      for (const [id, row] of pending) this.rows.set(id, row);
      await this.audit.append(pendingAudit);
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/** Patients held in memory. */
export class MemoryPatientRepo implements PatientRepo {
  constructor(private readonly patients: readonly Patient[]) {}
  async load(id: string): Promise<Patient | null> {
    return this.patients.find((p) => p.id === id) ?? null;
  }
}

/** Keeps every notification sent. */
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  async notify(ns: readonly Notification[]): Promise<void> {
    this.sent.push(...ns);
  }
}

import type { AuditEntryFields } from '@hoichan/worklist';
import type { Dialect } from '../archive/index/migrations.js';
import { appendAudit } from './auditStore.js';
import type { WDb } from './tables.js';

/**
 * G-2.11 for image accesses (DICOMweb, DIMSE): entries are queued and chained in one transaction per batch, so a
 * busy retrieve costs one commit per batch rather than one per request. The entry is written after the answer
 * left (onResponse); a crash in that window can lose the last batch — the consult accesses, which carry the
 * clinical data, are written inside their own transaction instead.
 */
export class AccessLog {
  private queue: AuditEntryFields[] = [];
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly db: WDb,
    private readonly dialect: Dialect,
    // A lost audit batch must not pass silently (the gateway keeps serving; `failed` counts the entries).
    private readonly onError: (err: Error) => void = (err) => process.emitWarning(`audit: an access batch could not be written: ${err.message}`, 'HoichanAuditWarning'),
  ) {}

  /** Queues entries; resolves once they are committed. */
  record(fields: AuditEntryFields): Promise<void> {
    this.queue.push(fields);
    return this.kick();
  }

  /** Resolves when everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running) await this.kick();
  }

  get failed(): number {
    return this.failures;
  }

  private kick(): Promise<void> {
    if (this.running) return this.running.then(() => (this.queue.length > 0 ? this.kick() : undefined));
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    this.running = this.db.transaction().execute((trx) => appendAudit(trx, this.dialect, batch))
      .then(() => undefined)
      .catch((err: Error) => {
        this.failures += batch.length;
        this.onError(err);
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}

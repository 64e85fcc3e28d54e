import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { AuditEntryFields } from '@hoichan/worklist';
import type { Dialect } from '../archive/index/migrations.js';
import { appendAudit } from './auditStore.js';
import type { WDb } from './tables.js';

/** Longest a relaxed (NORMAL) audit commit waits for a WAL fsync on SQLite. */
const SYNC_WITHIN_MS = 1000;
/** Entries recorded within this window share a batch (a C-STORE stream: one transaction per ~10 instances). */
const GATHER_MS = 25;

/**
 * G-2.11 for image accesses (DICOMweb, DIMSE): entries are gathered for up to GATHER_MS and chained in one
 * transaction per batch, so a busy retrieve or C-STORE stream costs one commit per batch rather than one per
 * request. The entry is written after the answer left (onResponse); a crash in that window can lose the last
 * batch — the consult accesses, which carry the clinical data, are written inside their own transaction instead.
 *
 * On SQLite (WAL) a batch commits without its own WAL fsync (synchronous = NORMAL for that transaction): a
 * process crash loses no committed batch (the frames are in the OS), and the next FULL commit on the connection
 * (any store or consult write) makes it durable, else a WAL fsync on the thread pool within SYNC_WITHIN_MS.
 * A C-STORE over one association would otherwise pay a second fsync per instance on the event loop, just as
 * the next instance arrives.
 */
export class AccessLog {
  private queue: AuditEntryFields[] = [];
  private running: Promise<void> | null = null;
  private failures = 0;
  private syncTimer: NodeJS.Timeout | null = null;
  private gathering: Promise<void> | null = null;
  private pragmas: { normal: BetterSqlite3.Statement; full: BetterSqlite3.Statement } | null = null;

  constructor(
    private readonly db: WDb,
    private readonly dialect: Dialect,
    // A lost audit batch must not pass silently (the gateway keeps serving; `failed` counts the entries).
    private readonly onError: (err: Error) => void = (err) => process.emitWarning(`audit: an access batch could not be written: ${err.message}`, 'HoichanAuditWarning'),
    /** The SQLite handle behind `db` (null on PostgreSQL): batches then commit without their own fsync. */
    private readonly sqlite: BetterSqlite3.Database | null = null,
  ) {}

  /** Queues entries; resolves once they are committed (`flush` does not wait for the gathering window). */
  record(fields: AuditEntryFields): Promise<void> {
    this.queue.push(fields);
    this.gathering ??= new Promise<void>((resolve) => setTimeout(() => {
      this.gathering = null;
      resolve(this.kick());
    }, GATHER_MS));
    return this.gathering;
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
    this.running = this.write(batch)
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

  private async write(batch: AuditEntryFields[]): Promise<void> {
    const sqlite = this.sqlite;
    if (!sqlite) {
      await this.db.transaction().execute((trx) => appendAudit(trx, this.dialect, batch));
      return;
    }
    // Kysely's lock on the single connection: nothing else commits while synchronous is NORMAL.
    this.pragmas ??= { normal: sqlite.prepare('PRAGMA synchronous = NORMAL'), full: sqlite.prepare('PRAGMA synchronous = FULL') };
    const { normal, full } = this.pragmas;
    await this.db.connection().execute(async (conn) => {
      normal.run();
      try {
        await conn.transaction().execute((trx) => appendAudit(trx, this.dialect, batch));
      } finally {
        full.run();
      }
    });
    this.syncSoon(sqlite);
  }

  /** A WAL fsync on the pool within SYNC_WITHIN_MS (a FULL commit meanwhile would have covered it too). */
  private syncSoon(sqlite: BetterSqlite3.Database): void {
    if (this.syncTimer || sqlite.memory) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      fs.open(`${sqlite.name}-wal`, 'r', (err, fd) => {
        if (err) return; // no WAL: checkpointed and removed at close, which synced it
        fs.fsync(fd, () => fs.close(fd, () => undefined));
      });
    }, SYNC_WITHIN_MS);
    this.syncTimer.unref();
  }
}

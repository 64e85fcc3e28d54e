import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import { jobKind } from './registry.js';
import { assertRetriable, backoffDelay, emptyProgress, partialReport, runAttempt } from './attempt.js';
import { FINAL_STATES, JobCancelled, JobInterrupted, type EnqueueOptions, type Job, type JobEvent, type JobFilter, type JobQueue, type JobServices, type JobState } from './types.js';

/** Row of the `jobs` table (migration 3). Times the queue compares are epoch ms; shown times are ISO text. */
export interface JobTable {
  id: string;
  kind: string;
  params: string;
  state: string;
  progress: string;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  error: string | null;
  report: string | null;
  checkpoint: string | null;
  created_by: string | null;
  cancel_requested: number;
  run_at: number;
  lease_until: number | null;
  owner: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

type Db = Kysely<Database & { jobs: JobTable }>;

export interface EmbeddedQueueOptions {
  services: JobServices;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** How often the table is polled for due jobs (enqueue and retry also wake the loop). */
  pollMs?: number;
  /**
   * A running job's lease, renewed every third of it. A job whose lease ran out (its process died) is
   * taken over and resumed by any queue on the same index.
   */
  leaseMs?: number;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 2000;
const iso = (ms = Date.now()): string => new Date(ms).toISOString();

export function jobFromRow(r: JobTable): Job {
  return {
    id: r.id, kind: r.kind, params: JSON.parse(r.params), state: r.state as JobState, progress: JSON.parse(r.progress),
    attempts: Number(r.attempts), maxAttempts: Number(r.max_attempts), error: r.error, report: r.report ? JSON.parse(r.report) : null,
    createdBy: r.created_by, cancelRequested: !!r.cancel_requested, createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
    runAt: r.state === 'retrying' ? iso(Number(r.run_at)) : null,
  };
}

/** The job queue kept in the index (SQLite or PostgreSQL): survives restarts, no extra service needed. */
export class EmbeddedQueue implements JobQueue {
  readonly backend = 'embedded' as const;
  private readonly db: Db;
  private readonly owner = randomUUID();
  private readonly events = new EventEmitter();
  private readonly running = new Map<string, AbortController>();
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private again = false;
  private closing = false;
  private readonly settled = new Set<Promise<void>>();

  constructor(db: Kysely<Database>, private readonly opts: EmbeddedQueueOptions) {
    this.db = db.withTables<{ jobs: JobTable }>();
    this.pollMs = opts.pollMs ?? 1000;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.events.setMaxListeners(0);
  }

  async enqueue<K extends string>(kind: K, params: unknown, opts: EnqueueOptions = {}): Promise<Job<K>> {
    const def = jobKind(kind);
    const parsed = await def.parse(params, this.opts.services);
    const row: JobTable = {
      id: randomUUID(), kind, params: JSON.stringify(parsed), state: 'queued', progress: JSON.stringify(emptyProgress()), attempts: 0,
      max_attempts: Math.max(1, opts.maxAttempts ?? def.maxAttempts ?? DEFAULT_ATTEMPTS), backoff_ms: Math.max(0, opts.backoffMs ?? def.backoffMs ?? DEFAULT_BACKOFF_MS),
      error: null, report: null, checkpoint: null, created_by: opts.createdBy ?? null, cancel_requested: 0, run_at: Date.now(), lease_until: null, owner: null,
      created_at: iso(), started_at: null, finished_at: null,
    };
    await this.db.insertInto('jobs').values(row).execute();
    const job = jobFromRow(row) as Job<K>;
    this.emit('created', job);
    this.kick();
    return job;
  }

  async get(id: string): Promise<Job | null> {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? jobFromRow(r) : null;
  }

  async list(f: JobFilter = {}): Promise<Job[]> {
    let q = this.db.selectFrom('jobs').selectAll();
    const states = f.state === undefined ? [] : Array.isArray(f.state) ? f.state : [f.state];
    if (states.length) q = q.where('state', 'in', states);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.createdBy) q = q.where('created_by', '=', f.createdBy);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(Math.min(Math.max(1, f.limit ?? 100), 1000)).execute();
    return rows.map(jobFromRow);
  }

  async cancel(id: string): Promise<Job | null> {
    const job = await this.get(id);
    if (!job || FINAL_STATES.has(job.state)) return job;
    const t = iso();
    // Not started (or between attempts): cancelled at once.
    const r = await this.db.updateTable('jobs')
      .set({ state: 'cancelled', cancel_requested: 1, finished_at: t, error: 'cancelled', report: JSON.stringify(partialReport('cancelled before it ran', job.progress)) })
      .where('id', '=', id).where('state', 'in', ['queued', 'retrying']).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      // Running here or in another process: flag it (the owner's heartbeat sees the flag), abort it if it runs here.
      await this.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
      this.running.get(id)?.abort(new JobCancelled());
    }
    return this.publish(id, 'updated');
  }

  async retry(id: string): Promise<Job | null> {
    const job = await this.get(id);
    if (!job) return null;
    assertRetriable(job);
    await this.db.updateTable('jobs')
      .set({ state: 'queued', attempts: 0, error: null, report: null, cancel_requested: 0, run_at: Date.now(), finished_at: null, owner: null, lease_until: null })
      .where('id', '=', id).where('state', 'in', ['failed', 'cancelled']).execute();
    const out = await this.publish(id, 'updated');
    this.kick();
    return out;
  }

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.events.on('job', listener);
    return () => this.events.off('job', listener);
  }

  async start(): Promise<void> {
    this.closing = false;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops polling; running jobs are aborted and put back to queued, so the next start resumes them. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const ac of this.running.values()) ac.abort(new JobInterrupted('queue closing'));
    await this.polling;
    await Promise.all(this.settled);
  }

  private emit(type: JobEvent['type'], job: Job): void {
    this.events.emit('job', { type, job } satisfies JobEvent);
  }

  private async publish(id: string, type: JobEvent['type']): Promise<Job | null> {
    const job = await this.get(id);
    if (job) this.emit(type, job);
    return job;
  }

  /** Runs a poll now (or right after the current one). */
  private kick(): void {
    if (this.closing) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        try {
          await this.claimDue();
        } catch {
          // The index may be briefly unavailable; the next tick tries again.
        }
      } while (this.again && !this.closing);
    })().finally(() => {
      this.polling = null;
    });
  }

  private async claimDue(): Promise<void> {
    while (!this.closing && this.running.size < this.opts.concurrency) {
      const now = Date.now();
      const due = await this.db.selectFrom('jobs').select('id')
        .where((eb) => eb.or([
          eb.and([eb('state', 'in', ['queued', 'retrying']), eb('run_at', '<=', now)]),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)]),
        ]))
        .orderBy('run_at').limit(this.opts.concurrency).execute();
      if (!due.length) return;
      let claimed = 0;
      for (const { id } of due) {
        if (this.running.size >= this.opts.concurrency || this.closing) break;
        // Our own job whose lease looks lapsed (the event loop stalled): it is still running here.
        if (this.running.has(id)) continue;
        if (await this.claim(id, now)) claimed++;
      }
      if (!claimed) return;
    }
  }

  /** Takes a due job atomically (another queue on the same index may race for it). */
  private async claim(id: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('jobs')
      .set((eb) => ({ state: 'running', owner: this.owner, lease_until: now + this.leaseMs, attempts: eb('attempts', '+', 1), started_at: iso(now), error: null }))
      .where('id', '=', id)
      .where((eb) => eb.or([
        eb.and([eb('state', 'in', ['queued', 'retrying']), eb('run_at', '<=', now)]),
        eb.and([eb('state', '=', 'running'), eb('lease_until', '<', now)]),
      ]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    const ac = new AbortController();
    this.running.set(id, ac);
    const p = this.execute(id, ac).catch(() => undefined).finally(() => {
      this.running.delete(id);
      this.settled.delete(p);
      this.kick();
    });
    this.settled.add(p);
    return true;
  }

  private async execute(id: string, ac: AbortController): Promise<void> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const own = () => this.db.updateTable('jobs').where('id', '=', id).where('owner', '=', this.owner);
    if (row.cancel_requested) ac.abort(new JobCancelled());
    const heartbeat = setInterval(() => {
      void (async () => {
        const r = await own().set({ lease_until: Date.now() + this.leaseMs }).executeTakeFirst();
        // Another process took the job over (our lease had lapsed): stop; our writes no longer count.
        if (Number(r.numUpdatedRows) === 0) ac.abort(new JobInterrupted('lease lost'));
        const c = await this.db.selectFrom('jobs').select('cancel_requested').where('id', '=', id).executeTakeFirst();
        if (c?.cancel_requested) ac.abort(new JobCancelled());
      })().catch(() => undefined);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.emit('updated', jobFromRow(row));

    let def;
    try {
      def = jobKind(row.kind);
    } catch (err) {
      clearInterval(heartbeat);
      await own().set({ state: 'failed', error: (err as Error).message, finished_at: iso(), report: JSON.stringify({ summary: (err as Error).message }) }).execute();
      await this.publish(id, 'finished');
      return;
    }
    const out = await runAttempt({
      def, jobId: id, params: JSON.parse(row.params), attempt: Number(row.attempts), progress: JSON.parse(row.progress),
      resumeFrom: row.checkpoint ? JSON.parse(row.checkpoint) : null, services: this.opts.services, signal: ac.signal,
      onProgress: async (p) => {
        await own().set({ progress: JSON.stringify(p) }).execute();
        const job = await this.get(id);
        if (job && job.state === 'running') this.emit('progress', job);
      },
      onCheckpoint: async (data) => {
        await own().set({ checkpoint: JSON.stringify(data) }).execute();
      },
    });
    clearInterval(heartbeat);
    const t = iso();
    const progress = JSON.stringify(out.progress);
    if (out.ok) {
      await own().set({ state: 'succeeded', progress, report: JSON.stringify(out.report), finished_at: t, owner: null, lease_until: null }).execute();
    } else if (out.cancelled) {
      await own().set({ state: 'cancelled', progress, error: 'cancelled', report: JSON.stringify(out.report), finished_at: t, owner: null, lease_until: null }).execute();
    } else if (this.closing && ac.signal.aborted) {
      // Shutting down: hand the job back (the attempt does not count) so the next start resumes it.
      await own().set((eb) => ({ state: 'queued', progress, run_at: Date.now(), owner: null, lease_until: null, attempts: eb('attempts', '-', 1) })).execute();
    } else if (out.transient && Number(row.attempts) < Number(row.max_attempts)) {
      await own().set({ state: 'retrying', progress, error: out.error, run_at: Date.now() + backoffDelay(Number(row.backoff_ms), Number(row.attempts)), owner: null, lease_until: null }).execute();
    } else {
      await own().set({ state: 'failed', progress, error: out.error, report: JSON.stringify(out.report), finished_at: t, owner: null, lease_until: null }).execute();
    }
    const job = await this.get(id);
    if (job) this.emit(FINAL_STATES.has(job.state) ? 'finished' : 'updated', job);
  }
}

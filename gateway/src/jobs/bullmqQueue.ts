import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Queue, QueueEvents, Worker, DelayedError, UnrecoverableError, type Job as BullJob, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { HoiError } from '../errors.js';
import { jobKind } from './registry.js';
import { assertRetriable, emptyProgress, runAttempt } from './attempt.js';
import { FINAL_STATES, JobCancelled, JobInterrupted, type EnqueueOptions, type Job, type JobEvent, type JobFilter, type JobProgress, type JobQueue, type JobReport, type JobServices, type JobState } from './types.js';

/** What we keep in a bullmq job's data besides the params. */
interface JobData {
  params: unknown;
  createdBy: string | null;
  checkpoint: unknown;
  cancelRequested: boolean;
  /** Set when the job ended cancelled (bullmq records it as failed). */
  cancelled: boolean;
  /** Report of a failed or cancelled job (a completed one has it as its return value). */
  report: JobReport | null;
}
type BJob = BullJob<JobData, JobReport, string>;

export interface BullmqQueueOptions {
  services: JobServices;
  redisUrl: string;
  /** Key prefix in Redis (tests use a unique one per run). */
  prefix?: string;
  concurrency: number;
  /** Lock duration: a job whose worker died is taken back (stalled) after about this long. */
  leaseMs?: number;
}

const QUEUE = 'jobs';
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 2000;
const STATE_TYPES: Record<JobState, JobType[]> = {
  queued: ['waiting', 'prioritized', 'delayed'],
  running: ['active'],
  retrying: ['delayed'],
  succeeded: ['completed'],
  failed: ['failed'],
  cancelled: ['failed'],
};
const ALL_TYPES: JobType[] = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'];

const NOT_STARTED = new Set(['waiting', 'prioritized', 'delayed', 'wait']);

function stateOf(j: BJob, type: string): JobState {
  // Cancelled while waiting: final for the API at once; the worker drops it without running it.
  if (j.data.cancelRequested && NOT_STARTED.has(type)) return 'cancelled';
  switch (type) {
    case 'completed': return 'succeeded';
    case 'failed': return j.data.cancelled ? 'cancelled' : 'failed';
    case 'active': return 'running';
    case 'delayed': return j.attemptsMade > 0 ? 'retrying' : 'queued';
    default: return 'queued';
  }
}

function toJob(j: BJob, type: string): Job {
  const state = stateOf(j, type);
  const progress = typeof j.progress === 'object' && j.progress ? { ...emptyProgress(), ...(j.progress as Partial<JobProgress>) } : emptyProgress();
  return {
    id: j.id!, kind: j.name, params: j.data.params, state, progress,
    attempts: j.attemptsStarted ?? j.attemptsMade, maxAttempts: j.opts.attempts ?? 1,
    error: state === 'succeeded' || state === 'queued' ? null : (j.failedReason || null),
    report: state === 'succeeded' ? (j.returnvalue ?? null) : FINAL_STATES.has(state) ? j.data.report : null,
    createdBy: j.data.createdBy, cancelRequested: j.data.cancelRequested, createdAt: new Date(j.timestamp).toISOString(),
    startedAt: j.processedOn ? new Date(j.processedOn).toISOString() : null, finishedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
    runAt: state === 'retrying' && j.delay ? new Date(j.timestamp + j.delay).toISOString() : null,
  };
}

/**
 * Jobs on bullmq (Redis): retries with exponential backoff, stalled-job recovery and events come from
 * bullmq; cancellation of a running job reaches every gateway on the same Redis through a pub/sub channel.
 */
export class BullmqQueue implements JobQueue {
  readonly backend = 'bullmq' as const;
  private readonly queue: Queue<JobData, JobReport, string>;
  private readonly prefix: string;
  private readonly conn: Redis;
  private readonly sub: Redis;
  /** Blocking connections of the worker and the event reader (bullmq does not close connections it was given). */
  private readonly extra: Redis[] = [];
  private worker: Worker<JobData, JobReport, string> | null = null;
  private queueEvents: QueueEvents | null = null;
  private readonly events = new EventEmitter();
  private readonly running = new Map<string, AbortController>();
  private closing = false;
  private readonly cancelChannel: string;

  constructor(private readonly opts: BullmqQueueOptions) {
    this.prefix = opts.prefix ?? 'hoichan';
    this.conn = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.sub = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(QUEUE, { connection: this.conn, prefix: this.prefix });
    this.cancelChannel = `${this.prefix}:${QUEUE}:cancel`;
    this.events.setMaxListeners(0);
  }

  async enqueue<K extends string>(kind: K, params: unknown, opts: EnqueueOptions = {}): Promise<Job<K>> {
    const def = jobKind(kind);
    const parsed = await def.parse(params, this.opts.services);
    const data: JobData = { params: parsed, createdBy: opts.createdBy ?? null, checkpoint: null, cancelRequested: false, cancelled: false, report: null };
    const j = await this.queue.add(kind, data, {
      jobId: randomUUID(),
      attempts: Math.max(1, opts.maxAttempts ?? def.maxAttempts ?? DEFAULT_ATTEMPTS),
      backoff: { type: 'exponential', delay: Math.max(0, opts.backoffMs ?? def.backoffMs ?? DEFAULT_BACKOFF_MS) },
      removeOnComplete: { age: 30 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
    });
    return toJob(j as BJob, 'waiting') as Job<K>;
  }

  /** The job and its state, read consistently (a job can finish between the two reads: then read again). */
  private async fetch(id: string): Promise<{ j: BJob; type: string } | null> {
    for (let i = 0; ; i++) {
      const before = await this.queue.getJobState(id);
      const j = (await this.queue.getJob(id)) as BJob | undefined;
      if (!j) return null;
      const after = await j.getState();
      if (before === after || i === 3) return { j, type: after };
    }
  }

  async get(id: string): Promise<Job | null> {
    const f = await this.fetch(id);
    return f ? toJob(f.j, f.type) : null;
  }

  async list(f: JobFilter = {}): Promise<Job[]> {
    const limit = Math.min(Math.max(1, f.limit ?? 100), 1000);
    const states = f.state === undefined ? null : new Set(Array.isArray(f.state) ? f.state : [f.state]);
    const types = states ? [...new Set([...states].flatMap((s) => STATE_TYPES[s]))] : ALL_TYPES;
    const out: Job[] = [];
    for (const type of types) {
      // Kind/creator filters apply after fetching: fetch generously so a page is still full.
      const jobs = (await this.queue.getJobs([type], 0, f.kind || f.createdBy ? 4 * limit : limit - 1)) as BJob[];
      for (const j of jobs) {
        if (!j?.id) continue;
        const job = toJob(j, type);
        if (states && !states.has(job.state)) continue;
        if (f.kind && job.kind !== f.kind) continue;
        if (f.createdBy && job.createdBy !== f.createdBy) continue;
        out.push(job);
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id))).slice(0, limit);
  }

  async cancel(id: string): Promise<Job | null> {
    const f = await this.fetch(id);
    if (!f) return null;
    const job = toJob(f.j, f.type);
    if (FINAL_STATES.has(job.state)) return job;
    const report = f.type === 'active' ? null : { summary: 'cancelled before it ran' };
    await f.j.updateData({ ...f.j.data, cancelRequested: true, ...(report ? { cancelled: true, report } : {}) });
    // Every gateway on this Redis hears it: the one running the job aborts it, each relays the change.
    await this.conn.publish(this.cancelChannel, id);
    return this.get(id);
  }

  async retry(id: string): Promise<Job | null> {
    const f = await this.fetch(id);
    if (!f) return null;
    const job = toJob(f.j, f.type);
    assertRetriable(job);
    await f.j.updateData({ ...f.j.data, cancelRequested: false, cancelled: false, report: null });
    // A job cancelled before it ran is still in the wait list: clearing the flag is enough.
    if (f.type === 'failed') await f.j.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    const out = await this.get(id);
    if (out) this.events.emit('job', { type: 'updated', job: out } satisfies JobEvent);
    return out;
  }

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.events.on('job', listener);
    return () => this.events.off('job', listener);
  }

  async start(): Promise<void> {
    this.closing = false;
    const leaseMs = this.opts.leaseMs ?? 30_000;
    const conn = () => {
      const r = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
      this.extra.push(r);
      return r;
    };
    this.queueEvents = new QueueEvents(QUEUE, { connection: conn(), prefix: this.prefix });
    // Each event re-reads its job; the reads of one job are chained so that their answers are emitted in the
    // order the events came (a slow read of a progress event must not land after 'finished').
    const chains = new Map<string, Promise<void>>();
    const relay = (type: JobEvent['type']) => ({ jobId }: { jobId: string }) => {
      const next = (chains.get(jobId) ?? Promise.resolve()).then(() => this.get(jobId)).then((job) => {
        if (!job) return;
        this.events.emit('job', { type: FINAL_STATES.has(job.state) ? 'finished' : type, job } satisfies JobEvent);
      }).catch(() => undefined);
      chains.set(jobId, next);
      void next.then(() => { if (chains.get(jobId) === next) chains.delete(jobId); });
    };
    this.queueEvents.on('added', relay('created'));
    for (const ev of ['active', 'delayed', 'waiting', 'stalled', 'completed', 'failed'] as const) this.queueEvents.on(ev, relay('updated'));
    this.queueEvents.on('progress', relay('progress'));
    await this.sub.subscribe(this.cancelChannel);
    this.sub.on('message', (_ch: string, id: string) => {
      this.running.get(id)?.abort(new JobCancelled());
      relay('updated')({ jobId: id });
    });
    await this.queueEvents.waitUntilReady();
    this.worker = new Worker<JobData, JobReport, string>(QUEUE, (j, token) => this.process(j, token), {
      connection: conn(), prefix: this.prefix, concurrency: this.opts.concurrency,
      lockDuration: leaseMs, stalledInterval: leaseMs, maxStalledCount: 2,
    });
    this.worker.on('error', () => undefined);
    await this.worker.waitUntilReady();
  }

  private async process(j: BJob, token: string | undefined): Promise<JobReport> {
    const id = j.id!;
    const ac = new AbortController();
    this.running.set(id, ac);
    try {
      // Cancelled while it waited: its report is already there.
      if (j.data.cancelRequested) throw new UnrecoverableError('cancelled');
      const def = jobKind(j.name);
      const out = await runAttempt({
        def, jobId: id, params: j.data.params, attempt: j.attemptsMade + 1,
        progress: typeof j.progress === 'object' && j.progress ? { ...emptyProgress(), ...(j.progress as Partial<JobProgress>) } : emptyProgress(),
        resumeFrom: j.data.checkpoint ?? null, services: this.opts.services, signal: ac.signal,
        onProgress: (p) => j.updateProgress(p as unknown as object),
        onCheckpoint: async (data) => {
          const fresh = ((await this.queue.getJob(id)) as BJob | undefined)?.data ?? j.data;
          await j.updateData({ ...fresh, checkpoint: data });
        },
      });
      if (out.ok) return out.report;
      if (this.closing && !out.cancelled) {
        // Shutting down: back to waiting without using up an attempt; the next worker resumes it.
        await j.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const fresh = ((await this.queue.getJob(id)) as BJob | undefined)?.data ?? j.data;
      await j.updateData({ ...fresh, cancelled: out.cancelled, report: out.report });
      if (out.cancelled || !out.transient) throw new UnrecoverableError(out.error);
      throw new Error(out.error);
    } catch (err) {
      if (err instanceof HoiError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      this.running.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const ac of this.running.values()) ac.abort(new JobInterrupted('queue closing'));
    await this.worker?.close();
    await this.queueEvents?.close();
    await this.queue.close();
    this.sub.disconnect();
    this.conn.disconnect();
    for (const r of this.extra) r.disconnect();
  }

  /** Removes every key of this queue (tests). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}

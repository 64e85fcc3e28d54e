/**
 * The job interface: long-running work (imports, forwards, case packs…) run by a queue with progress,
 * retries, cancellation and a final report. Two queues implement `JobQueue`: the embedded one (state in
 * the index, `embeddedQueue.ts`) and bullmq on Redis (`bullmqQueue.ts`, when REDIS_URL is set).
 *
 * Adding a job kind (other modules do this):
 *   1. declare its params and report types and add them to `JobKindMap` by declaration merging:
 *        declare module '../jobs/types.js' { interface JobKindMap { 'casepack.build': { params: P; report: R } } }
 *   2. `registerJobKind({ kind: 'casepack.build', parse, run })` (from `jobs/registry.ts`) at module load;
 *   3. import that module once where the gateway is built (app.ts imports `jobs/kinds/index.ts`).
 * `run` gets a `JobContext`: the validated params, an AbortSignal (cancel), `progress()`, `checkpoint()`, and
 * the gateway's services. Throw `JobError` (transient or not) to fail an attempt; return the report.
 */
import type { Archive } from '../archive/Archive.js';
import type { IndexDb } from '../archive/index/openIndex.js';
import type { Config } from '../config/config.js';

/** Kind name → its params and report. Extended by declaration merging in the module that adds a kind. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface JobKindMap {}

/** Every registered kind name (falls back to string until kinds are declared). */
export type JobKind = keyof JobKindMap extends never ? string : Extract<keyof JobKindMap, string>;
export type ParamsOf<K extends string> = K extends keyof JobKindMap ? (JobKindMap[K] extends { params: infer P } ? P : unknown) : unknown;
export type ReportOf<K extends string> = K extends keyof JobKindMap ? (JobKindMap[K] extends { report: infer R } ? R : JobReport) : JobReport;

/**
 * queued → running → succeeded | failed | cancelled; running → retrying (waiting for its backoff) → running.
 * `failed`, `succeeded` and `cancelled` are final; `retry()` puts a failed or cancelled job back to queued.
 */
export type JobState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

/** Done of total; totals are null until the handler knows them (e.g. before a C-FIND counted the instances). */
export interface JobProgress {
  instancesDone: number;
  instancesTotal: number | null;
  /** Instances that could not be transferred (they stay out of instancesDone). */
  instancesFailed: number;
  bytesDone: number;
  bytesTotal: number | null;
  /** Short human text of the current step ("C-MOVE from PACS1", "sending 12/40"). */
  message: string | null;
}

/** What every finished job reports; kinds add their own fields. */
export interface JobReport {
  /** One line for lists and UIs. */
  summary: string;
  instances?: { done: number; failed: number; total: number | null };
  bytes?: number;
  /** Items that failed, with why (capped by the handler, e.g. first 100). */
  failures?: { item: string; reason: string }[];
  [extra: string]: unknown;
}

/** A job as the API shows it. */
export interface Job<K extends string = string> {
  id: string;
  kind: K;
  params: ParamsOf<K>;
  state: JobState;
  progress: JobProgress;
  /** Attempts started so far (1 while the first runs). */
  attempts: number;
  maxAttempts: number;
  /** Why the last attempt failed (kept on a retried job until it succeeds). */
  error: string | null;
  /** Set once the job is final (a failed job reports what was done before it failed). */
  report: ReportOf<K> | null;
  /** Account that created it (username), null for system jobs. */
  createdBy: string | null;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When a retrying job runs next. */
  runAt: string | null;
}

export interface EnqueueOptions {
  /** Attempts in all (default: the kind's, else 3). */
  maxAttempts?: number;
  /** First backoff; doubles each attempt (default: the kind's, else 2000 ms). */
  backoffMs?: number;
  createdBy?: string | null;
}

export interface JobFilter {
  state?: JobState | JobState[];
  kind?: string;
  createdBy?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/** What subscribers see: the job after each change (state, progress, report). */
export interface JobEvent {
  type: 'created' | 'updated' | 'progress' | 'finished';
  job: Job;
}

/** Services a handler may use (extend by declaration merging if a kind needs more). */
export interface JobServices {
  config: Config;
  index: IndexDb;
  archive: Archive;
  /** The gateway's DICOM side (peers, our AE title and SCP port), when built with one. */
  dimse: import('../dimse/scp.js').Dimse;
  /** DICOMweb peers. */
  webPeers: import('../scu/webPeers.js').WebPeerRegistry;
}

export interface JobContext<P = unknown> {
  readonly jobId: string;
  readonly params: P;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** Aborted when the job is cancelled (or the queue closes): stop promptly and throw `signal.reason`. */
  readonly signal: AbortSignal;
  /** What `checkpoint()` saved in an earlier attempt (a resumed or retried job), else null. */
  readonly resumeFrom: unknown;
  readonly services: JobServices;
  /** Merges into the progress; cheap to call often (persisted and published at most a few times a second). */
  progress(p: Partial<JobProgress>): void;
  /** Persists handler state so a retried/resumed attempt can skip finished work. */
  checkpoint(data: unknown): Promise<void>;
}

export interface JobKindDefinition<K extends string = string> {
  kind: K;
  /** Validates and normalizes API input; throws HoiError('HOI_ERR_BAD_REQUEST', …) on bad input. */
  parse(params: unknown, services: JobServices): ParamsOf<K> | Promise<ParamsOf<K>>;
  /** One attempt. Returns the report; throws JobError (or any error: classified by `isTransient`). */
  run(ctx: JobContext<ParamsOf<K>>): Promise<ReportOf<K>>;
  maxAttempts?: number;
  backoffMs?: number;
  /** Roles (besides admin) that may create this kind through the API; default admin only. */
  allowRoles?: string[];
}

/**
 * A failed attempt. `transient` ones are retried with backoff until maxAttempts; permanent ones end the
 * job at once. `report` is what was done before the failure (shown on the failed job).
 */
export class JobError extends Error {
  constructor(message: string, readonly transient: boolean, readonly report?: JobReport) {
    super(message);
    this.name = 'JobError';
  }
}

/** The cancellation reason put on `signal.reason`. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/**
 * The abort reason when the queue shuts down (or lost the job's lease to another process): the job is not
 * cancelled, it will be resumed; a handler should stop without recording it as cancelled or failed.
 */
export class JobInterrupted extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'JobInterrupted';
  }
}

/** Network errors that are worth retrying (the peer may come back). */
export function isTransient(err: unknown): boolean {
  if (err instanceof JobError) return err.transient;
  const code = (err as { code?: string } | null)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|UND_ERR_.*)$/.test(code);
}

/** The queue, whichever implementation. */
export interface JobQueue {
  readonly backend: 'embedded' | 'bullmq';
  enqueue<K extends string>(kind: K, params: unknown, opts?: EnqueueOptions): Promise<Job<K>>;
  get(id: string): Promise<Job | null>;
  list(filter?: JobFilter): Promise<Job[]>;
  /** Queued/retrying: cancelled at once; running: its signal is aborted and it ends `cancelled`. */
  cancel(id: string): Promise<Job | null>;
  /** A failed or cancelled job runs again from queued (attempts reset). */
  retry(id: string): Promise<Job | null>;
  /** Live changes; returns the unsubscribe function. */
  subscribe(listener: (e: JobEvent) => void): () => void;
  /** Starts running jobs (resumes those left running or queued by a previous process). */
  start(): Promise<void>;
  /** Stops taking jobs; running ones are aborted and left to be resumed by the next start. */
  close(): Promise<void>;
}

import { HoiError } from '../errors.js';
import { JobCancelled, JobError, isTransient, type Job, type JobContext, type JobKindDefinition, type JobProgress, type JobReport, type JobServices } from './types.js';

export const emptyProgress = (): JobProgress => ({ instancesDone: 0, instancesTotal: null, instancesFailed: 0, bytesDone: 0, bytesTotal: null, message: null });

/** How one attempt ended, for the queue to turn into a state. */
export type AttemptOutcome =
  | { ok: true; report: JobReport; progress: JobProgress }
  | { ok: false; cancelled: boolean; transient: boolean; error: string; report: JobReport; progress: JobProgress };

export interface AttemptInput {
  def: JobKindDefinition;
  jobId: string;
  params: unknown;
  attempt: number;
  progress: JobProgress;
  resumeFrom: unknown;
  services: JobServices;
  signal: AbortSignal;
  /** Persist/publish progress (called throttled, and once at the end). */
  onProgress(p: JobProgress): Promise<void> | void;
  onCheckpoint(data: unknown): Promise<void>;
}

/** Progress writes are throttled: a handler may report every instance. */
const PROGRESS_EVERY_MS = 250;

/** What a job that stopped early did, from its progress. */
export function partialReport(summary: string, p: JobProgress): JobReport {
  return { summary, instances: { done: p.instancesDone, failed: p.instancesFailed, total: p.instancesTotal }, bytes: p.bytesDone };
}

/** Runs one attempt of a handler: context, throttled progress, error classification. Never throws. */
export async function runAttempt(a: AttemptInput): Promise<AttemptOutcome> {
  const progress = { ...a.progress };
  let last = 0;
  let pending: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pending) clearTimeout(pending);
    pending = null;
    last = Date.now();
    const snapshot = { ...progress };
    writing = writing.then(() => a.onProgress(snapshot)).catch(() => undefined);
    return writing;
  };
  const ctx: JobContext = {
    jobId: a.jobId,
    params: a.params,
    attempt: a.attempt,
    signal: a.signal,
    resumeFrom: a.resumeFrom,
    services: a.services,
    progress(p) {
      Object.assign(progress, p);
      const wait = PROGRESS_EVERY_MS - (Date.now() - last);
      if (wait <= 0) void flush();
      else if (!pending) pending = setTimeout(() => void flush(), wait);
    },
    checkpoint: (data) => a.onCheckpoint(data),
  };
  try {
    a.signal.throwIfAborted();
    const report = await a.def.run(ctx);
    await flush();
    return { ok: true, report, progress };
  } catch (err) {
    await flush();
    const cancelled = a.signal.aborted && a.signal.reason instanceof JobCancelled;
    const error = cancelled ? 'cancelled' : (err as Error)?.message || String(err);
    const report = err instanceof JobError && err.report ? err.report : partialReport(cancelled ? 'cancelled' : `failed: ${error}`, progress);
    return { ok: false, cancelled, transient: !cancelled && !a.signal.aborted && isTransient(err), error, report, progress };
  }
}

/** Backoff before attempt n+1 (n ≥ 1): base × 2^(n-1), capped at 10 minutes. */
export const backoffDelay = (baseMs: number, attemptsMade: number): number => Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), 600_000);

/** Both queues retry only jobs that ended failed or cancelled; anything else is a 409. */
export function assertRetriable(job: Job): void {
  if (job.state !== 'failed' && job.state !== 'cancelled') throw new HoiError('HOI_ERR_CONFLICT', `job ${job.id} is ${job.state}; only failed or cancelled jobs can be retried`);
}

import type { ApiHttp } from '../http/ApiHttp';

/** A job as /api/jobs shows it (gateway/src/jobs/types.ts), the parts the UI reads. */
export interface JobSnapshot {
  id: string;
  kind: string;
  state: 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  progress: { instancesDone: number; instancesTotal: number | null; instancesFailed: number; message: string | null };
  error: string | null;
  report: { summary: string } | null;
}

export const FINAL_JOB_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** Share done of a job's progress in [0, 1], or null while the total is unknown. */
export function jobFraction(p: JobSnapshot['progress']): number | null {
  if (!p.instancesTotal) return null;
  return Math.min(1, (p.instancesDone + p.instancesFailed) / p.instancesTotal);
}

/** Long-running work on the gateway (imports from a peer, pack builds): start one, follow its progress. */
export class JobsClient {
  constructor(private readonly http: ApiHttp) {}

  start(kind: string, params: Record<string, unknown>): Promise<JobSnapshot> {
    return this.http.request('POST', '/jobs', { kind, params });
  }

  get(id: string, signal?: AbortSignal): Promise<JobSnapshot> {
    return this.http.request('GET', `/jobs/${encodeURIComponent(id)}`, undefined, signal);
  }

  /** The peers one may import from (GET /api/dicom/sources). */
  async peers(signal?: AbortSignal): Promise<{ aeTitle: string; description?: string }[]> {
    // Names only: hosts and permissions stay with the admin API (/dicom/peers).
    const body = await this.http.request<unknown>('GET', '/dicom/sources', undefined, signal);
    const list = (body as { sources?: unknown[] }).sources ?? [];
    return list.filter((p): p is { aeTitle: string } => !!p && typeof (p as { aeTitle?: unknown }).aeTitle === 'string');
  }

  /**
   * Calls `onJob` with every change of job `id` until it is final (GET /api/jobs/:id/events), and resolves
   * with the final job. When the stream fails, polls once a second instead.
   */
  async follow(id: string, onJob: (j: JobSnapshot) => void, signal: AbortSignal): Promise<JobSnapshot | null> {
    let last: JobSnapshot | null = null;
    try {
      await this.http.streamOnce(`/jobs/${encodeURIComponent(id)}/events`, (m) => {
        try {
          const e = JSON.parse(m.data) as { job?: JobSnapshot };
          if (e.job) onJob((last = e.job));
        } catch { /* a comment or a malformed line */ }
      }, signal);
    } catch { /* fall back to polling */ }
    while (!signal.aborted && (!last || !FINAL_JOB_STATES.has(last.state))) {
      try {
        onJob((last = await this.get(id, signal)));
      } catch {
        if (signal.aborted) break;
      }
      if (!FINAL_JOB_STATES.has(last?.state ?? '')) await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }
}

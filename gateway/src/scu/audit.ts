import type { AuditEntryFields } from '@hoichan/worklist';
import type { JobQueue } from '../jobs/types.js';

/** Job kinds that move images to or from another facility. */
const SCU_KIND = /^(dimse|dicomweb)\.(import|push)$/;

/**
 * G-2.11: images leaving for or coming from a peer are logged. Each finished import/push job becomes an
 * audit entry `scu.<kind>` on the study, with who started it, the peer, the outcome and the counts.
 */
export function auditScuJobs(jobs: JobQueue, record: (e: AuditEntryFields) => Promise<void>): () => void {
  return jobs.subscribe((e) => {
    if (e.type !== 'finished' || !SCU_KIND.test(e.job.kind)) return;
    const j = e.job;
    const p = (j.params ?? {}) as { peer?: string; studyUid?: string; seriesUid?: string | null; method?: string };
    void record({
      at: new Date().toISOString(), userId: j.createdBy ?? 'system', facilityId: '', role: j.createdBy ? 'admin' : 'system',
      action: `scu.${j.kind}`, objectType: p.seriesUid ? 'series' : 'study', objectId: String(p.seriesUid ?? p.studyUid ?? ''),
      outcome: j.state === 'succeeded' ? 'ok' : 'error',
      detail: {
        jobId: j.id, peer: p.peer ?? null, method: p.method ?? null, state: j.state,
        instances: j.progress.instancesDone, failed: j.progress.instancesFailed, bytes: j.progress.bytesDone, error: j.error ? j.error.slice(0, 300) : null,
      },
    }).catch(() => undefined);
  });
}

import type { Archive } from '../archive/Archive.js';
import { HoiError } from '../errors.js';
import { registerJobKind } from '../jobs/registry.js';
import { JobCancelled, JobError, JobInterrupted, type JobReport } from '../jobs/types.js';
import type { AuditPort } from './access.js';
import { buildPack, type PackBuildDeps } from './build.js';

export const PACK_BUILD_KIND = 'casepack.build';

export interface PackBuildParams {
  packId: string;
}

export interface PackBuildReport extends JobReport {
  packId: string;
}

declare module '../jobs/types.js' {
  interface JobKindMap {
    'casepack.build': { params: PackBuildParams; report: PackBuildReport };
  }
}

/** Per-gateway services of the pack job, found from the job's archive (kinds are process-wide, gateways are not). */
const depsByArchive = new WeakMap<Archive, PackBuildDeps & { audit: AuditPort }>();

export function bindPackJob(archive: Archive, deps: PackBuildDeps & { audit: AuditPort }): void {
  depsByArchive.set(archive, deps);
}

registerJobKind({
  kind: PACK_BUILD_KIND,
  maxAttempts: 3,
  backoffMs: 2000,
  parse(params) {
    const p = params as Partial<PackBuildParams> | null;
    if (!p || typeof p.packId !== 'string' || !/^pk[0-9a-f]{20}$/.test(p.packId)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'casepack.build needs { packId }');
    return { packId: p.packId };
  },
  async run(ctx) {
    const deps = depsByArchive.get(ctx.services.archive);
    if (!deps) throw new Error('case packs are not set up on this gateway');
    const { packId } = ctx.params;
    const pack = await deps.store.get(packId);
    if (!pack) throw new HoiError('HOI_ERR_NOT_FOUND', `pack ${packId} does not exist`);
    ctx.progress({ message: 'anonymizing', instancesDone: 0, instancesFailed: 0 });
    try {
      const report = await buildPack(deps, packId, ctx.signal, (c) => ctx.progress({
        instancesTotal: c.total, instancesDone: c.released + c.skipped, instancesFailed: c.quarantined + c.failed,
        message: `${c.released} released, ${c.quarantined} quarantined`,
      }));
      await deps.audit.record({ action: 'pack.build.finished', actor: pack.createdBy, packId, consultId: pack.consultId, outcome: 'ok', detail: { ...report.counts } });
      return {
        packId, summary: report.summary,
        instances: { done: report.counts.released, failed: report.counts.quarantined + report.counts.failed, total: report.counts.released + report.counts.quarantined + report.counts.failed },
      };
    } catch (err) {
      // Interrupted (the gateway is stopping): the job will be resumed, the pack is still being built.
      const reason: unknown = ctx.signal.aborted ? ctx.signal.reason : err;
      if (reason instanceof JobInterrupted || err instanceof JobInterrupted) throw err;
      const cancelled = err instanceof JobCancelled || ctx.signal.aborted;
      await deps.store.setState(packId, cancelled ? 'cancelled' : 'failed');
      await deps.audit.record({ action: 'pack.build.finished', actor: pack.createdBy, packId, consultId: pack.consultId, outcome: 'failed', detail: { error: (err as Error).message, cancelled } });
      // A crashed worker or a storage/database error may pass on the next attempt (settled instances are skipped).
      if (cancelled || err instanceof JobError || err instanceof HoiError) throw err;
      throw new JobError((err as Error).message, true);
    }
  },
});

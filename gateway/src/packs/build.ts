import type { Archive } from '../archive/Archive.js';
import { anonymizeStudies, type StageCounts } from '../pipeline/anonymizeStudies.js';
import type { AnonymizerPool } from '../pipeline/anonymizerPool.js';
import { consultDateShift, packUidKey } from './keys.js';
import type { PackReport, PackStore } from './PackStore.js';

export interface PackBuildDeps {
  store: PackStore;
  archive: Archive;
  siteSecret: Uint8Array;
  pool: AnonymizerPool;
}

/**
 * Builds (or continues building) one pack: its source studies through the anonymizer stage, then
 * `ready` with a report. The caller (the job) owns retries and cancellation.
 */
export async function buildPack(deps: PackBuildDeps, packId: string, signal: AbortSignal, onProgress: (c: StageCounts) => void): Promise<PackReport> {
  signal.throwIfAborted();
  const pack = await deps.store.get(packId);
  if (!pack) throw new Error(`pack ${packId} does not exist`);
  await deps.store.setState(packId, 'building');
  const counts = await anonymizeStudies({
    archive: deps.archive,
    studies: pack.sourceStudies,
    deid: {
      uidKey: packUidKey(deps.siteSecret, pack.id),
      pseudonym: pack.pseudonym,
      profile: pack.options.profile,
      dateShiftDays: consultDateShift(deps.siteSecret, pack.consultId),
    },
    pool: deps.pool,
    ledger: deps.store.ledger(pack.id),
    signal,
    onProgress,
  });
  const c = await deps.store.counts(packId);
  const report: PackReport = {
    summary: `${c.released} released, ${c.quarantined} quarantined, ${c.failed} failed of ${counts.total} source instance(s)`,
    counts: c,
    finishedAt: new Date().toISOString(),
  };
  await deps.store.setState(packId, 'ready', report);
  return report;
}

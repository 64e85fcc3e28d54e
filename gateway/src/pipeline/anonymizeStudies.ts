import type { Archive } from '../archive/Archive.js';
import { parseInstance } from '../dicom/index.js';
import { anonymizeInstance } from './anonymizeInstance.js';
import type { AnonymizerPool } from './anonymizerPool.js';
import { storeBytes } from './storeBytes.js';
import type { DeidStageOptions, InstanceVerdict, QuarantineReason } from './types.js';

/** Where the stage records each source's fate (the packs index implements it). */
export interface PipelineLedger {
  /** Sources already released or quarantined by an earlier attempt: skipped. */
  settled(): Promise<Set<string>>;
  /** Called before the copies are stored, with their new UIDs, so that they are hidden from the main root at once. */
  reserve(items: { source: string; studyUid: string; seriesUid: string; sopUid: string }[]): Promise<void>;
  settle(items: { source: string; state: 'released' | 'quarantined' | 'failed'; reasons?: QuarantineReason[] }[]): Promise<void>;
}

export interface StageCounts {
  total: number;
  released: number;
  quarantined: number;
  failed: number;
  /** Settled by an earlier attempt and skipped now. */
  skipped: number;
}

export interface StageRun {
  archive: Archive;
  studies: string[];
  deid: DeidStageOptions;
  pool: AnonymizerPool;
  ledger: PipelineLedger;
  signal?: AbortSignal;
  onProgress?: (c: StageCounts) => void;
}

/** Copies are stored in small batches: one index transaction per batch, little memory held. */
const BATCH = 16;

/**
 * The gateway's anonymizer stage: every instance of the source studies (read from the archive) is
 * anonymized, gated, and its copy stored in the same archive under its new UIDs. Quarantined copies are
 * never stored. Re-running after a crash or a retry continues where it stopped (outputs are deterministic,
 * so a copy stored twice is a duplicate, not a conflict).
 */
export async function anonymizeStudies(run: StageRun): Promise<StageCounts> {
  const { archive, ledger } = run;
  const locs = (await Promise.all(run.studies.map((s) => archive.locate(s)))).flat();
  const done = await ledger.settled();
  const todo = locs.filter((l) => !done.has(l.sopUid));
  const counts: StageCounts = { total: locs.length, released: 0, quarantined: 0, failed: 0, skipped: locs.length - todo.length };
  const report = () => run.onProgress?.({ ...counts });
  report();

  let batch: { source: string; bytes: Buffer; parsed: ReturnType<typeof parseInstance> }[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const items = batch;
    batch = [];
    await ledger.reserve(items.map((b) => ({ source: b.source, studyUid: b.parsed.fields.studyInstanceUid, seriesUid: b.parsed.fields.seriesInstanceUid, sopUid: b.parsed.fields.sopInstanceUid })));
    const outcomes = await storeBytes(archive, items);
    await ledger.settle(outcomes.map((o, i) => (o.status === 'failed'
      ? { source: items[i]!.source, state: 'failed' as const, reasons: [{ code: 'not-deidentifiable' as const, detail: `could not store the copy: ${o.error.message}` }] }
      : { source: items[i]!.source, state: 'released' as const })));
    for (const o of outcomes) if (o.status === 'failed') counts.failed++; else counts.released++;
    report();
  };

  // A small window keeps the worker busy while this thread parses and stores the previous copies.
  const window = run.pool.size + 1;
  const started: Promise<InstanceVerdict>[] = [];
  const start = (i: number) => {
    const p = archive.blobs.read(todo[i]!.blobKey).then((source) => anonymizeInstance(run.pool, source, run.deid));
    p.catch(() => undefined); // awaited in order below; avoids an unhandled rejection meanwhile
    started[i] = p;
  };
  for (let i = 0; i < Math.min(window, todo.length); i++) start(i);
  for (let i = 0; i < todo.length; i++) {
    run.signal?.throwIfAborted();
    const loc = todo[i]!;
    const verdict = await started[i]!;
    delete started[i];
    if (i + window < todo.length) start(i + window);
    if (verdict.status === 'quarantined') {
      await ledger.settle([{ source: loc.sopUid, state: 'quarantined', reasons: verdict.reasons }]);
      counts.quarantined++;
      report();
      continue;
    }
    let parsed;
    try {
      parsed = parseInstance(verdict.part10);
    } catch (err) {
      await ledger.settle([{ source: loc.sopUid, state: 'quarantined', reasons: [{ code: 'not-deidentifiable', detail: `the anonymized copy does not parse: ${(err as Error).message}` }] }]);
      counts.quarantined++;
      continue;
    }
    batch.push({ source: loc.sopUid, bytes: verdict.part10, parsed });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return counts;
}

import type { Archive, StoreCandidate, StoreOutcome } from '../archive/Archive.js';
import type { TempBlob } from '../archive/blob/BlobStore.js';
import type { ParsedInstance } from '../dicom/types.js';
import { HoiError } from '../errors.js';

export type Durability = 'instance' | 'batch';

export type Finished = { size: number; sha256: string };

/** Commits received instances to the archive; answers only once they are durable. */
export interface Committer {
  /** `finished` is the temp's finish() when the caller already started it. */
  commit(temp: TempBlob, parsed: ParsedInstance, finished?: Promise<Finished>): Promise<StoreOutcome>;
  /** `source` (an association) started (+1) or stopped (-1) receiving a dataset to commit: lets group commit wait for it. */
  receiving?(source: object, delta: number): void;
}

const asFailure = (parsed: ParsedInstance, err: unknown): StoreOutcome => ({
  status: 'failed', sopClassUid: parsed.fields.sopClassUid, sopInstanceUid: parsed.fields.sopInstanceUid,
  error: err instanceof HoiError ? err : new HoiError('HOI_ERR_STORAGE', (err as Error).message),
});

/** `instance`: each instance is fsynced and indexed on its own before its answer. */
export function instanceCommitter(archive: Archive): Committer {
  return {
    async commit(temp, parsed, finished) {
      try {
        const { size, sha256 } = await (finished ?? temp.finish());
        const [outcome] = await archive.store([{ temp, parsed, size, sha256 }]);
        return outcome!;
      } catch (err) {
        temp.discard();
        return asFailure(parsed, err);
      }
    },
  };
}

/**
 * `batch` (group commit): instances committed while a batch is being stored, on any association, wait for
 * the next one. Before a batch is taken, it waits (up to `maxWaitMs`) until every association that stored
 * recently has an instance queued, so that parallel senders fall into lockstep and share batches. Temp fsyncs run in parallel (one filesystem journal commit) and
 * one archive batch (one journal fsync, one directory fsync, one index transaction) covers them all. Each
 * answer still waits for its own instance to be durable.
 */
export function batchCommitter(archive: Archive, opts: { maxBatch?: number; maxWaitMs?: number } = {}): Committer {
  const maxBatch = opts.maxBatch ?? 64;
  const maxWaitMs = opts.maxWaitMs ?? 10;
  interface Waiting { temp: TempBlob; parsed: ParsedInstance; finished: Promise<{ size: number; sha256: string }>; done: (o: StoreOutcome) => void }
  let queue: Waiting[] = [];
  let running = false;
  let wake: (() => void) | null = null;
  /** Associations that received a dataset lately, and when. */
  const senders = new Map<object, number>();

  /** Associations with an instance on its way or sent within the last 100 ms (their next one is coming). */
  const active = (): number => {
    const now = Date.now();
    for (const [s, t] of senders) if (t !== Infinity && now - t > 100) senders.delete(s);
    return senders.size;
  };

  const gather = async (): Promise<void> => {
    const deadline = Date.now() + maxWaitMs;
    while (queue.length < Math.min(active(), maxBatch)) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, left);
      });
      wake = null;
    }
  };

  const run = async (): Promise<void> => {
    running = true;
    try {
      while (queue.length) {
        await gather();
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        const ready: { w: Waiting; cand: StoreCandidate }[] = [];
        for (const w of batch) {
          try {
            const { size, sha256 } = await w.finished;
            ready.push({ w, cand: { temp: w.temp, parsed: w.parsed, size, sha256 } });
          } catch (err) {
            w.temp.discard();
            w.done(asFailure(w.parsed, err));
          }
        }
        if (!ready.length) continue;
        try {
          const outcomes = await archive.store(ready.map((r) => r.cand));
          ready.forEach((r, i) => r.w.done(outcomes[i]!));
        } catch (err) {
          for (const r of ready) {
            r.w.temp.discard();
            r.w.done(asFailure(r.w.parsed, err));
          }
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    receiving(source, delta) {
      // Infinity while receiving: an association in the middle of a dataset never expires.
      senders.set(source, delta > 0 ? Infinity : Date.now());
      wake?.();
    },
    commit(temp, parsed, started) {
      return new Promise<StoreOutcome>((done) => {
        // The fsync runs on the pool, overlapping with the batch being stored.
        const finished = started ?? temp.finish();
        finished.catch(() => undefined);
        queue.push({ temp, parsed, finished, done });
        wake?.();
        if (!running) void run();
      });
    },
  };
}

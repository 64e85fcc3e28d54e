import type { Archive, StoreCandidate, StoreOutcome } from '../archive/Archive.js';
import type { BlobStore, TempBlob } from '../archive/blob/BlobStore.js';
import type { ParsedInstance } from '../dicom/types.js';
import { DicomParseError } from '../dicom/types.js';
import { HoiError } from '../errors.js';
import { STATUS } from './command.js';
import { fileMetaPrefix } from './part10.js';

export type Durability = 'instance' | 'batch';

/** What a C-STORE comes to: a status and, on failure, a comment for (0000,0902). */
export interface StoreResult {
  status: number;
  comment?: string;
}

/** Commits received instances to the archive; answers only once they are durable. */
export interface Committer {
  commit(temp: TempBlob, parsed: ParsedInstance): Promise<StoreOutcome>;
}

const asFailure = (parsed: ParsedInstance, err: unknown): StoreOutcome => ({
  status: 'failed', sopClassUid: parsed.fields.sopClassUid, sopInstanceUid: parsed.fields.sopInstanceUid,
  error: err instanceof HoiError ? err : new HoiError('HOI_ERR_STORAGE', (err as Error).message),
});

/** `instance`: each instance is fsynced and indexed on its own before its answer. */
export function instanceCommitter(archive: Archive): Committer {
  return {
    async commit(temp, parsed) {
      try {
        const { size, sha256 } = await temp.finish();
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
 * `batch` (group commit): instances that arrive while a commit is running, on any association, wait for
 * the next one; their temp fsyncs run in parallel (one filesystem journal commit) and one archive batch
 * (one journal fsync, one directory fsync, one index transaction) covers them all. Each answer still waits
 * for its own instance to be durable.
 */
export function batchCommitter(archive: Archive, opts: { maxBatch?: number; windowMs?: number } = {}): Committer {
  const maxBatch = opts.maxBatch ?? 64;
  const windowMs = opts.windowMs ?? 0;
  interface Waiting { temp: TempBlob; parsed: ParsedInstance; finished: Promise<{ size: number; sha256: string }>; done: (o: StoreOutcome) => void }
  let queue: Waiting[] = [];
  let running = false;

  const run = async (): Promise<void> => {
    running = true;
    try {
      while (queue.length) {
        if (windowMs > 0 && queue.length < maxBatch) await new Promise((r) => setTimeout(r, windowMs));
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
    commit(temp, parsed) {
      return new Promise<StoreOutcome>((done) => {
        // The fsync starts now, overlapping with the commit in progress.
        const finished = temp.finish();
        finished.catch(() => undefined);
        queue.push({ temp, parsed, finished, done });
        if (!running) void run();
      });
    },
  };
}

export interface StoreDeps {
  blobs: BlobStore;
  parse: (bytes: Buffer) => ParsedInstance;
  committer: Committer;
  maxInstanceBytes: number;
}

/** Writes are gathered up to this size: one write syscall per instance for typical images. */
const FLUSH_BYTES = 1 << 20;
/** parseInstance only needs the header; a huge instance is parsed from its first bytes. */
const HEADER_WINDOW = 64 * 1024 * 1024;

/**
 * One C-STORE being received: the dataset's PDV pieces go to a temp blob behind our file meta, untouched.
 * Created with a refusal status when the instance must not be stored (its bytes are then dropped).
 */
export class StoreReceiver {
  private temp: TempBlob | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private received = 0;
  private failure: StoreResult | null;

  constructor(private readonly deps: StoreDeps, private readonly sopClassUid: string, private readonly sopInstanceUid: string, transferSyntax: string, callingAe: string, refusal: StoreResult | null) {
    this.failure = refusal;
    if (refusal) return;
    if (!sopClassUid || !sopInstanceUid) {
      this.failure = { status: STATUS.cannotUnderstand, comment: 'C-STORE-RQ without Affected SOP Class/Instance UID' };
      return;
    }
    try {
      this.temp = deps.blobs.createTemp();
    } catch (err) {
      this.failure = { status: STATUS.outOfResources, comment: `cannot store: ${(err as Error).message}` };
      return;
    }
    const prefix = fileMetaPrefix(sopClassUid, sopInstanceUid, transferSyntax, callingAe);
    this.pending.push(prefix);
    this.pendingBytes = prefix.length;
  }

  /** Hot path: keeps a reference to the piece (a view of the socket chunk) until the next flush. */
  write(piece: Buffer): void {
    if (this.failure) return;
    this.received += piece.length;
    if (this.received > this.deps.maxInstanceBytes) {
      this.fail({ status: STATUS.outOfResources, comment: `instance larger than ${this.deps.maxInstanceBytes} bytes` });
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (!this.temp || !this.pending.length) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.temp.write(buf);
    } catch (err) {
      this.fail({ status: STATUS.outOfResources, comment: `cannot store: ${(err as Error).message}` });
    }
  }

  private fail(r: StoreResult): void {
    this.failure = r;
    this.pending = [];
    this.temp?.discard();
    this.temp = null;
  }

  /** The dataset is complete: parse its header, check it against the command, commit it durably. */
  async end(): Promise<StoreResult> {
    this.flush();
    if (this.failure) return this.failure;
    const temp = this.temp!;
    this.temp = null;
    if (this.received === 0) {
      temp.discard();
      return { status: STATUS.cannotUnderstand, comment: 'empty dataset' };
    }
    let parsed: ParsedInstance;
    try {
      parsed = this.deps.parse(temp.memory ?? temp.head(HEADER_WINDOW));
    } catch (err) {
      temp.discard();
      const why = err instanceof DicomParseError ? `${err.reason}: ${err.message}` : (err as Error).message;
      return { status: STATUS.cannotUnderstand, comment: `cannot read the dataset (${why})`.slice(0, 64) };
    }
    const f = parsed.fields;
    if (f.sopInstanceUid !== this.sopInstanceUid || f.sopClassUid !== this.sopClassUid) {
      temp.discard();
      return { status: STATUS.datasetMismatch, comment: 'SOP Class/Instance UID differ from the command'.slice(0, 64) };
    }
    const outcome = await this.deps.committer.commit(temp, parsed);
    if (outcome.status === 'failed') return { status: outcome.error.dimse, comment: outcome.error.message.slice(0, 64) };
    return { status: STATUS.success };
  }

  /** The association ended before the dataset did. */
  discard(): void {
    this.pending = [];
    this.temp?.discard();
    this.temp = null;
    this.failure ??= { status: STATUS.cannotUnderstand, comment: 'aborted' };
  }
}

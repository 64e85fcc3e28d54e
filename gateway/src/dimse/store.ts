import type { BlobStore, TempBlob } from '../archive/blob/BlobStore.js';
import type { ParsedInstance } from '../dicom/types.js';
import { DicomParseError } from '../dicom/types.js';
import { parseTemp, type ParseFn } from '../archive/parseTemp.js';
import { STATUS } from './command.js';
import type { Committer, Finished } from './commit.js';
import { fileMetaPrefix } from './part10.js';
import { DatasetWalker } from './complete.js';

/** Associations whose last instance was one we held already, byte for byte: their next ones are looked up first. */
const resending = new WeakSet<object>();

/** What a C-STORE comes to: a status and, on failure, a comment for (0000,0902). */
export interface StoreResult {
  status: number;
  comment?: string;
}

export interface StoreDeps {
  blobs: BlobStore;
  /** True when this instance is stored already: these very bytes, or its dataset in another file wrapper (`bytes`: the received file). */
  alreadyStored?: (sopInstanceUid: string, sha256: string, bytes: () => Buffer) => Promise<boolean>;
  parse: ParseFn;
  committer: Committer;
  /** Names each temp after its blob key (`Archive.keyFor`), so the commit needs no journal or directory fsync. */
  keyFor?: (parsed: ParsedInstance) => (sha256: string) => string;
  /** True when the temp should be written and fsynced synchronously (a lone association: see FinishOptions.sync). */
  syncWrite?: () => boolean;
  maxInstanceBytes: number;
}

/**
 * One C-STORE being received: the dataset's PDV pieces go to a temp blob behind our file meta, untouched.
 * Created with a refusal status when the instance must not be stored (its bytes are then dropped).
 */
export class StoreReceiver {
  private temp: TempBlob | null = null;
  private readonly walker: DatasetWalker;
  private received = 0;
  private failure: StoreResult | null;
  /** Counted in the committer's `receiving` until committed or dropped. */
  private arriving = false;

  constructor(private readonly deps: StoreDeps, private readonly source: object, private readonly sopClassUid: string, private readonly sopInstanceUid: string, transferSyntax: string, callingAe: string, refusal: StoreResult | null) {
    this.failure = refusal;
    this.walker = new DatasetWalker(transferSyntax);
    if (refusal) return;
    if (!sopClassUid || !sopInstanceUid) {
      this.failure = { status: STATUS.cannotUnderstand, comment: 'C-STORE-RQ without Affected SOP Class/Instance UID' };
      return;
    }
    const prefix = fileMetaPrefix(sopClassUid, sopInstanceUid, transferSyntax, callingAe);
    try {
      this.temp = deps.blobs.createTemp();
      this.temp.write(prefix);
    } catch (err) {
      this.fail({ status: STATUS.outOfResources, comment: `cannot store: ${(err as Error).message}` });
      return;
    }
    this.arriving = true;
    deps.committer.receiving?.(source, 1);
  }

  private notArriving(): void {
    if (!this.arriving) return;
    this.arriving = false;
    this.deps.committer.receiving?.(this.source, -1);
  }

  /**
   * Hot path. The piece is a view of a socket chunk, which Node never reuses: the temp blob may keep it
   * (small bodies stay in memory until their single write at commit time).
   */
  write(piece: Buffer): void {
    if (this.failure) return;
    this.received += piece.length;
    if (this.received > this.deps.maxInstanceBytes) {
      this.fail({ status: STATUS.outOfResources, comment: `instance larger than ${this.deps.maxInstanceBytes} bytes` });
      return;
    }
    this.walker.push(piece);
    try {
      this.temp!.write(piece);
    } catch (err) {
      this.fail({ status: STATUS.outOfResources, comment: `cannot store: ${(err as Error).message}` });
    }
  }

  private fail(r: StoreResult): void {
    this.notArriving();
    this.failure = r;
    this.temp?.discard();
    this.temp = null;
  }

  /** The dataset is complete: parse its header, check it against the command, commit it durably. */
  async end(): Promise<StoreResult> {
    try {
      return await this.finishStore();
    } finally {
      this.notArriving();
    }
  }

  private async finishStore(): Promise<StoreResult> {
    if (this.failure) return this.failure;
    const temp = this.temp!;
    this.temp = null;
    if (this.received === 0) {
      temp.discard();
      return { status: STATUS.cannotUnderstand, comment: 'empty dataset' };
    }
    // A cut dataset is refused even where the header parser would not notice (e.g. inside pixel data).
    if (!this.walker.complete) {
      temp.discard();
      return { status: STATUS.cannotUnderstand, comment: 'truncated or malformed dataset' };
    }
    let parsed: ParsedInstance;
    try {
      // The header only, from a view of the first chunks (the body is never copied).
      parsed = parseTemp(temp, this.deps.parse);
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
    this.notArriving();
    // An association re-sending what we hold (a modality retrying a study): each instance is looked up before
    // it is written, and an identical one is answered without writing it again (a re-sent study goes ~2× faster).
    // Only once a re-send is seen: the lookup would cost a first send ~4 %.
    if (resending.has(this.source) && this.deps.alreadyStored) {
      if (await this.deps.alreadyStored(f.sopInstanceUid, temp.digest().sha256, () => temp.head(temp.size))) {
        temp.discard();
        return { status: parsed.coerced.length ? STATUS.coercion : STATUS.success };
      }
      resending.delete(this.source);
    }
    // Write + fsync start now on the thread pool; the committer waits for them.
    const finished: Promise<Finished> = temp.finish(this.deps.keyFor?.(parsed), { sync: this.deps.syncWrite?.() ?? false });
    finished.catch(() => undefined);
    const outcome = await this.deps.committer.commit(temp, parsed, finished);
    if (outcome.status === 'duplicate') resending.add(this.source);
    // (The same dataset sent again from another AE, whose file meta differs, is a duplicate too: Archive.store.)
    if (outcome.status === 'failed') return { status: outcome.error.dimse, comment: outcome.error.message.slice(0, 64) };
    // Stored under Study/Series UIDs derived by the parser (the dataset lacks them): "coercion of data elements".
    if (parsed.coerced.length) return { status: STATUS.coercion, comment: `derived ${parsed.coerced.join(', ')}` };
    return { status: STATUS.success };
  }

  /** The association ended before the dataset did. */
  discard(): void {
    this.notArriving();
    this.temp?.discard();
    this.temp = null;
    this.failure ??= { status: STATUS.cannotUnderstand, comment: 'aborted' };
  }
}

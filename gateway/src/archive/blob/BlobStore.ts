import type { Readable } from 'node:stream';
import type { ParsedInstance } from '../../dicom/types.js';

/** A parse failure as it crosses threads (a DicomParseError's reason, or another error's name). */
export interface ParseErrorInfo { name: string; reason?: string; message: string }

/** SHA-256 of a finished body and its DICOM header parsed off the event loop (or why not; `parsed: null`: parse it yourself). */
export type DigestAndParse = { sha256: string } & ({ parsed: ParsedInstance | null } | { parseError: ParseErrorInfo });

export interface FinishOptions {
  /**
   * Write, fsync and close on this thread, in one go (in-memory bodies only; a named temp's directory fsync
   * runs on the pool meanwhile). Faster for a lone sender (one association): each call handed to the thread
   * pool costs 0.1–1.5 ms more on these VMs. It blocks the event loop for the fsync, so concurrent senders
   * should leave it off and share fsyncs.
   */
  sync?: boolean;
  /**
   * Drop the in-memory copy once it is written (`memory` is then null and `head` reads the file). For callers
   * holding many temps at once (a STOW request holds all its parts until its index commit): bytes freed right
   * after their write die young instead of being promoted and held until a full GC (STOW bench, 527 KB parts:
   * ~0.3 ms less gateway CPU per instance, fewer mark-compacts).
   */
  release?: boolean;
}

/** A body being received: bytes are kept as they arrive (in memory, or in a temp file when large), hashed on the way. */
export interface TempBlob {
  write(chunk: Uint8Array): void;
  /**
   * Ends writing: size and SHA-256 (hex) of what was written. Cheap (the hash ran during write); idempotent.
   */
  digest(): { size: number; sha256: string };
  /**
   * Writes the temp file out and fsyncs it; resolves with its size and SHA-256. With `keyFor`, the temp is
   * tied to the key it will be placed under (given its SHA-256) — named after it, or written into a spare
   * file whose content names it —, so that after a crash the placement can be finished from the file alone
   * (see `BlobStore.pendingTemps`): the archive then needs no intent journal and no directory fsync for it.
   */
  finish(keyFor?: (sha256: string) => string, opts?: FinishOptions): Promise<{ size: number; sha256: string }>;
  /**
   * Pooled temps (STOW): once the body is complete, it is written (durably) into a spare, and its SHA-256 and
   * header parse come from the hashing worker; `finish` then only ties it to its key. Without a spare ready, it
   * is hashed on this thread (`parsed: null`) and written at `finish`. Other temps have no such method.
   */
  digestAndParse?(): Promise<DigestAndParse>;
  /** The key the finished temp is tied to (`finish(keyFor)`), if any. */
  readonly key: string | null;
  /** The bytes, when the blob was small enough to keep in memory as well (else null). Copies on first use: not for hot paths. */
  readonly memory: Buffer | null;
  /** The first `n` bytes (header parsing); without a copy when the first received chunk holds them. */
  head(n: number): Buffer;
  /** True while the bytes are (also) held in memory; false once the body spilled to the temp file. */
  readonly inMemory: boolean;
  /** Bytes written so far. */
  readonly size: number;
  /** Drops the temp file. Safe to call twice. */
  discard(): void;
}

export interface CreateTempOptions {
  /**
   * For receivers of many bodies at once (STOW-RS): once complete, `digestAndParse` writes the body into a spare
   * file and a worker thread hashes and parses it from there; this thread neither copies nor hashes it.
   */
  pooled?: boolean;
}

/** Where instance bytes live. Keys are relative paths chosen by the archive. */
export interface BlobStore {
  createTemp(opts?: CreateTempOptions): TempBlob;
  /** Moves finished temps into place under their keys, durably (rename + directory fsync). */
  commit(items: { temp: TempBlob; key: string }[]): Promise<void>;
  /**
   * Moves finished temps named after their keys into place (rename, no fsync: until the rename is on disk,
   * the named temp is there for `pendingTemps` to finish the move after a crash). Synchronous, so the caller
   * can do it right after the index commit, before anyone reads the new rows.
   */
  place(items: { temp: TempBlob; key: string }[]): void;
  /**
   * Temps left by a crash that may hold an indexed instance: named ones with the key each was meant for, and
   * written spares (`key: null`: the key follows from the content, see `readTemp`).
   */
  pendingTemps(): { name: string; key: string | null }[];
  /** The bytes of one of `pendingTemps()`. */
  readTemp(name: string): Buffer;
  /** Finishes (durably) or drops one of `pendingTemps()`. */
  settleTemp(name: string, placeUnder: string | null): Promise<void>;
  read(key: string): Promise<Buffer>;
  readSync(key: string): Buffer;
  /** Reads the blob into `into`, which must be exactly its size (else it throws: the index and the file disagree). */
  readInto(key: string, into: Buffer): void;
  stream(key: string, range?: { start: number; end: number }): Readable;
  remove(key: string): Promise<void>;
  exists(key: string): boolean;
}

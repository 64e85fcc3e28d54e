import type { Readable } from 'node:stream';

/** A body being received: bytes go to a temp file as they arrive, hashed on the way. */
export interface TempBlob {
  write(chunk: Uint8Array): void;
  /** Flushes and fsyncs the temp file; resolves with its size and SHA-256 (hex). */
  finish(): Promise<{ size: number; sha256: string }>;
  /** The bytes, when the blob was small enough to keep in memory as well (else null). */
  readonly memory: Buffer | null;
  /** Reads the first `n` bytes (for header parsing of large bodies). */
  head(n: number): Buffer;
  /** Drops the temp file. Safe to call twice. */
  discard(): void;
}

/** Where instance bytes live. Keys are relative paths chosen by the archive. */
export interface BlobStore {
  createTemp(): TempBlob;
  /** Moves finished temps into place under their keys, durably (rename + directory fsync). */
  commit(items: { temp: TempBlob; key: string }[]): Promise<void>;
  read(key: string): Promise<Buffer>;
  readSync(key: string): Buffer;
  stream(key: string, range?: { start: number; end: number }): Readable;
  remove(key: string): Promise<void>;
  exists(key: string): boolean;
}

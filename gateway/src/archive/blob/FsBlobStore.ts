import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, TempBlob } from './BlobStore.js';

/** Bodies up to this size are also kept in memory, so parsing needs no second read; larger ones are read back. */
const MEMORY_LIMIT = 16 * 1024 * 1024;

let tempCounter = 0;

class FsTempBlob implements TempBlob {
  readonly path: string;
  /** Open only once a body outgrows memory: opening a file waits on the filesystem journal, which busy fsyncs hold. */
  private fd: number | null = null;
  private hash = crypto.createHash('sha256');
  private size = 0;
  private chunks: Buffer[] | null = [];
  private buffered: Buffer | null = null;
  private done = false;
  private discarded = false;

  constructor(dir: string, private readonly fsync: boolean) {
    this.path = path.join(dir, `${process.pid}-${Date.now()}-${tempCounter++}.part`);
  }

  write(chunk: Uint8Array): void {
    if (this.done || this.discarded) throw new Error('temp blob closed');
    // No copy: chunks are fresh socket (or parser-concatenated) buffers that nobody rewrites.
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.hash.update(b);
    this.size += b.length;
    if (this.chunks && this.size <= MEMORY_LIMIT) {
      this.chunks.push(b);
      return;
    }
    if (this.chunks) {
      // Spill: from here on the body streams to disk and memory holds nothing.
      this.fd = fs.openSync(this.path, 'wx+', 0o640); // read back too: head() parses its start
      if (this.chunks.length) writeAll(this.fd, Buffer.concat(this.chunks));
      this.chunks = null;
      this.buffered = null;
    }
    writeAll(this.fd!, b);
  }

  get memory(): Buffer | null {
    if (!this.chunks) return null;
    if (!this.buffered) this.buffered = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    return this.buffered;
  }

  head(n: number): Buffer {
    const mem = this.memory;
    if (mem) return mem.subarray(0, n);
    const out = Buffer.alloc(Math.min(n, this.size));
    fs.readSync(this.fd!, out, 0, out.length, 0);
    return out;
  }

  async finish(): Promise<{ size: number; sha256: string }> {
    if (this.done || this.discarded) throw new Error('temp blob closed');
    this.done = true;
    // Open, write, fsync and close on the libuv pool: the other core does the copying while this one
    // parses the next part, and several fsyncs in flight share one journal commit.
    const fd = this.fd ?? (await new Promise<number>((res, rej) => fs.open(this.path, 'wx', 0o640, (e, f) => (e ? rej(e) : res(f)))));
    this.fd = fd;
    try {
      if (this.chunks?.length) await writevAll(fd, this.memory ? [this.memory] : this.chunks);
      if (this.fsync) await new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
    } finally {
      await new Promise<void>((res) => fs.close(fd, () => res()));
      this.fd = null;
    }
    if (this.discarded) fs.rmSync(this.path, { force: true });
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  discard(): void {
    this.discarded = true;
    if (this.fd !== null && !this.done) {
      try { fs.closeSync(this.fd); } catch { /* already closed */ }
      this.fd = null;
    }
    fs.rmSync(this.path, { force: true });
    this.chunks = null;
    this.buffered = null;
  }
}

/** Local filesystem blobs: temp file + fsync + rename + directory fsync, so a key either has all its bytes or none. */
export class FsBlobStore implements BlobStore {
  readonly tmpDir: string;
  constructor(readonly root: string, private readonly fsync = true) {
    this.tmpDir = path.join(root, '.tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Removes temp files left by a crash (called once at startup, before serving). */
  sweepTemps(): number {
    let n = 0;
    for (const f of fs.readdirSync(this.tmpDir)) {
      fs.rmSync(path.join(this.tmpDir, f), { force: true });
      n++;
    }
    return n;
  }

  createTemp(): TempBlob {
    return new FsTempBlob(this.tmpDir, this.fsync);
  }

  private abs(key: string): string {
    if (key.includes('..') || path.isAbsolute(key)) throw new Error(`bad blob key ${key}`);
    return path.join(this.root, key);
  }

  async commit(items: { temp: TempBlob; key: string }[]): Promise<void> {
    const dirs = new Set(items.map(({ key }) => path.dirname(this.abs(key))));
    await Promise.all([...dirs].map((d) => fs.promises.mkdir(d, { recursive: true })));
    // Renames and directory syncs on the pool, in parallel: they wait on the journal, not on this thread.
    await Promise.all(items.map(({ temp, key }) => fs.promises.rename((temp as FsTempBlob).path, this.abs(key))));
    if (this.fsync) await Promise.all([...dirs].map((d) => fsyncDir(d)));
  }

  read(key: string): Promise<Buffer> {
    return fs.promises.readFile(this.abs(key));
  }

  readSync(key: string): Buffer {
    return fs.readFileSync(this.abs(key));
  }

  stream(key: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.abs(key), range ? { start: range.start, end: range.end } : {});
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.abs(key), { force: true });
  }

  exists(key: string): boolean {
    return fs.existsSync(this.abs(key));
  }
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

async function writevAll(fd: number, chunks: Buffer[]): Promise<void> {
  let list = chunks;
  while (list.length) {
    const written = await new Promise<number>((res, rej) => fs.writev(fd, list, (e, n) => (e ? rej(e) : res(n))));
    // Partial writes are rare on regular files; drop what went out and go on with the rest.
    let left = written;
    const rest: Buffer[] = [];
    for (const c of list) {
      if (left >= c.length) left -= c.length;
      else {
        rest.push(left > 0 ? c.subarray(left) : c);
        left = 0;
      }
    }
    list = rest;
  }
}

function fsyncDir(dir: string): Promise<void> {
  return new Promise((res, rej) => {
    fs.open(dir, 'r', (err, fd) => {
      if (err) return rej(err);
      fs.fsync(fd, (e) => fs.close(fd, () => (e ? rej(e) : res())));
    });
  });
}

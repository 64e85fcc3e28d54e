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
  private fd: number | null;
  private hash = crypto.createHash('sha256');
  private size = 0;
  private chunks: Buffer[] | null = [];
  private buffered: Buffer | null = null;
  private done = false;

  constructor(dir: string, private readonly fsync: boolean) {
    this.path = path.join(dir, `${process.pid}-${Date.now()}-${tempCounter++}.part`);
    this.fd = fs.openSync(this.path, 'wx', 0o640);
  }

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error('temp blob closed');
    // No copy: chunks are fresh socket (or parser-concatenated) buffers that nobody rewrites.
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.hash.update(b);
    this.size += b.length;
    if (this.chunks && this.size <= MEMORY_LIMIT) {
      // Small bodies are written once, at finish(): one writev instead of a syscall per socket chunk.
      this.chunks.push(b);
      return;
    }
    if (this.chunks) {
      this.flushChunks();
      this.chunks = null;
    }
    writeAll(this.fd, b);
  }

  private flushChunks(): void {
    if (!this.chunks?.length || this.fd === null) return;
    writeAll(this.fd, this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
  }

  get memory(): Buffer | null {
    if (!this.chunks) return null;
    if (!this.buffered) this.buffered = Buffer.concat(this.chunks);
    return this.buffered;
  }

  head(n: number): Buffer {
    const mem = this.memory;
    if (mem) return mem.subarray(0, n);
    const out = Buffer.alloc(Math.min(n, this.size));
    const fd = fs.openSync(this.path, 'r');
    try {
      fs.readSync(fd, out, 0, out.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  async finish(): Promise<{ size: number; sha256: string }> {
    if (this.fd === null) throw new Error('temp blob closed');
    const fd = this.fd;
    if (!this.done) {
      this.done = true;
      if (this.chunks) {
        const whole = this.memory!;
        writeAll(fd, whole);
      }
      // fsync on the libuv pool: several in flight share one journal commit of the filesystem.
      if (this.fsync) await new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
      fs.closeSync(fd);
      this.fd = null;
    }
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  discard(): void {
    if (this.fd !== null) {
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
    const dirs = new Set<string>();
    for (const { temp, key } of items) {
      const dest = this.abs(key);
      const dir = path.dirname(dest);
      if (!dirs.has(dir)) fs.mkdirSync(dir, { recursive: true });
      dirs.add(dir);
      fs.renameSync((temp as FsTempBlob).path, dest);
    }
    if (!this.fsync) return;
    // The renames are durable only once their directories are synced.
    await Promise.all([...dirs].map((d) => fsyncDir(d)));
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

function fsyncDir(dir: string): Promise<void> {
  return new Promise((res, rej) => {
    fs.open(dir, 'r', (err, fd) => {
      if (err) return rej(err);
      fs.fsync(fd, (e) => fs.close(fd, () => (e ? rej(e) : res())));
    });
  });
}

import fs from 'node:fs';
import path from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, CreateTempOptions, DigestAndParse, FinishOptions, TempBlob } from './BlobStore.js';
import { HashWorker } from './hashWorker.js';
import { AlignedBuffers, gather, writeDirect, writeDirectSync } from './directWrite.js';

/** Bodies up to this size are also kept in memory, so parsing needs no second read; larger ones are read back. */
const MEMORY_LIMIT = 16 * 1024 * 1024;
/** Suffix of a temp named after its key (see `tempNameFor`). */
const PENDING = '.pend';
/** Suffix of a spare file (`SpareFiles`). */
const SPARE = '.spare';

let tempCounter = 0;
const unique = (): string => `${process.pid}-${Date.now().toString(36)}-${(tempCounter++).toString(36)}`;

/** A temp file name that says which key it is for (`/` → `~`), unique among temps for the same key. */
export function tempNameFor(key: string): string {
  if (key.includes('~') || key.includes('..') || path.isAbsolute(key)) throw new Error(`bad blob key ${key}`);
  return `${key.replaceAll('/', '~')}~${unique()}${PENDING}`;
}

/** The key a temp file was named after, or null for an anonymous temp. */
export function keyOfTempName(name: string): string | null {
  if (!name.endsWith(PENDING)) return null;
  const parts = name.slice(0, -PENDING.length).split('~');
  if (parts.length < 2) return null;
  parts.pop();
  const key = parts.join('/');
  return key && !key.includes('..') && !path.isAbsolute(key) ? key : null;
}

const p = <T>(f: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> =>
  new Promise((res, rej) => f((e, v) => (e ? rej(e) : res(v))));

/**
 * Group commit of directory fsyncs: a caller is covered by the first fsync of the directory that starts after
 * its call, and callers arriving while one runs share the next. The directory stays open.
 */
class DirSyncer {
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.once().finally(() => { this.running = null; });
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.sync();
    });
    return this.queued;
  }

  private async once(): Promise<void> {
    this.fd ??= fs.openSync(this.dir, 'r');
    const fd = this.fd;
    await p<void>((cb) => fs.fsync(fd, (e) => cb(e, undefined)));
  }
}

/** A spare file, open for writing: with O_DIRECT when `direct` (`directWrite.ts`), else with O_DSYNC (when fsyncing). */
interface Spare { path: string; fd: number; direct: boolean }

/**
 * A spare's descriptor for a buffered write (unaligned chunks): an O_DIRECT one is swapped for a new one
 * (O_DSYNC when fsyncing), so the write is durable when it returns either way.
 */
function bufferedFd(spare: Spare, fsync: boolean): number {
  if (!spare.direct) return spare.fd;
  const fd = fs.openSync(spare.path, fs.constants.O_RDWR | (fsync ? fs.constants.O_DSYNC : 0));
  fs.closeSync(spare.fd);
  spare.fd = fd;
  spare.direct = false;
  return fd;
}

/**
 * Spares for the next burst are made only while the gateway is idle: IDLE_STEP of them at a time, each after a
 * step of IDLE_MS in which no temp was asked for and the event loop was under IDLE_LOAD busy (a C-MOVE or a WADO
 * right after a C-STORE burst is not idle: 500 files made at once while it ran cost it half its speed after a
 * bulk delete, when each file costs ~0.7 ms of kernel CPU). 500 spares take ~1 s of idle time.
 */
const IDLE_MS = 100;
const IDLE_STEP = 64;
const IDLE_LOAD = 0.1;

/**
 * Empty files created ahead, on the thread pool, for in-memory temps to be written into at finish. Creating a
 * file is the costly step of a small commit here: ext4 without a journal (this VM) skips every inode freed in
 * the last minutes when it allocates one, ~0.3–0.5 ms of kernel CPU after a bulk delete, and a C-STORE would
 * wait for it after its last byte.
 *
 * A spare is handed out only once its directory entry is on disk (one group-committed fsync of `.spare`), and
 * it is opened with O_DIRECT where the filesystem takes it (the body goes through a reused aligned buffer:
 * written padded, cut to its length, one fdatasync; `directWrite.ts`), else with O_DSYNC (durable when its one
 * write returns): no rename, fsync or directory fsync after it (four associations: ~2 ms less from last byte to
 * answer than a new temp's four calls). A spare is not named after its key, so after a crash recovery tells which
 * key a written one was for from its content (`pendingTemps` lists it with `key: null`; one cut off before its
 * length was set has the wrong hash for any committed key, and goes); empty ones go.
 *
 * While temps are asked for, spares are kept up to `want`; once none has been asked for a moment, they are made
 * up to the largest burst seen (at most `burstMax`), so the next study of that size takes no file made while
 * it arrives: each file made during a burst cost the receiving thread ~0.15 ms on two busy cores (the pool
 * thread woken for it runs in its place). How and when: IDLE_MS above.
 */
class SpareFiles {
  private readonly ready: Spare[] = [];
  private making = 0;
  private readonly dirSync: DirSyncer;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Temps asked for since the last idle moment, and the most asked for in one such burst. */
  private burst = 0;
  private largestBurst = 0;
  /** Whether a temp was asked for since the refill's last step (the burst goes on). */
  private asked = false;
  private idle: NodeJS.Timeout | null = null;

  constructor(readonly dir: string, private readonly want: number, private readonly fsync: boolean, private readonly direct: boolean, private readonly burstMax = 0) {
    this.dirSync = new DirSyncer(dir);
  }

  /**
   * A temp is being made: keeps `want` spares coming and counts it in the current burst. Per temp only a count
   * and a flag: the refill's timer, once started, looks at them every IDLE_MS.
   */
  used(): void {
    this.fill();
    if (this.burstMax <= this.want || this.closed) return;
    this.burst++;
    this.asked = true;
    if (!this.idle) this.step(performance.eventLoopUtilization());
  }

  /**
   * The refill's next look, IDLE_MS from now: while temps are asked for, the burst goes on; once a whole step
   * passed without any, the burst is counted and, if the event loop was calm since `since`, spares are made.
   */
  private step(since: EventLoopUtilization): void {
    this.idle = setTimeout(() => {
      this.idle = null;
      if (this.closed) return;
      const now = performance.eventLoopUtilization();
      if (this.asked) {
        this.asked = false;
        return this.step(now);
      }
      if (this.burst) {
        this.largestBurst = Math.min(this.burstMax, Math.max(this.largestBurst, this.burst));
        this.burst = 0;
      }
      const have = this.ready.length + this.making;
      if (have >= this.largestBurst) return;
      if (performance.eventLoopUtilization(now, since).utilization < IDLE_LOAD) this.fill(Math.min(this.largestBurst, have + IDLE_STEP));
      this.step(now);
    }, IDLE_MS);
    this.idle.unref();
  }

  /** Starts creating spares up to `upTo` (cheap when there are enough). */
  fill(upTo = this.want): void {
    while (!this.closed && this.ready.length + this.making < upTo) {
      this.making++;
      const file = path.join(this.dir, `${unique()}${SPARE}`);
      const flags = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | (this.direct ? fs.constants.O_DIRECT : this.fsync ? fs.constants.O_DSYNC : 0);
      fs.open(file, flags, 0o640, (err, fd) => {
        if (err) return void this.made(null);
        if (!this.fsync) return void this.made({ path: file, fd, direct: this.direct });
        this.dirSync.sync().then(() => this.made({ path: file, fd, direct: this.direct }), () => {
          fs.close(fd, () => fs.rm(file, { force: true }, () => undefined));
          this.made(null);
        });
      });
    }
  }

  private made(s: Spare | null): void {
    this.making--;
    if (s) this.ready.push(s); // a store closed meanwhile drops it once settled
    if (!this.making) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once no spare is being made (tests). */
  settled(): Promise<void> {
    return this.making ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  /** Closes and removes the ready spares (new ones are made on the next fill); resolves once they are gone. */
  drop(): Promise<void> {
    const gone = this.ready.splice(0).map((s) => new Promise<void>((done) => fs.close(s.fd, () => fs.rm(s.path, { force: true }, () => done()))));
    return Promise.all(gone).then(() => undefined);
  }

  /** No more spares: the ready ones are removed, those being made once they are. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    await this.settled();
    await this.drop();
  }

  /** A spare, open for writing, or null when none is ready (the caller makes its own file). */
  take(): Spare | null {
    return this.ready.pop() ?? null;
  }
}

class FsTempBlob implements TempBlob {
  path: string;
  key: string | null = null;
  /** Open only once a body outgrows memory: opening a file waits on the filesystem journal, which busy fsyncs hold. */
  private fd: number | null = null;
  /** Made on first use (a pooled temp in memory is hashed on the worker instead, see `digestAndParse`). */
  private hash: crypto.Hash | null = null;
  private digested: { size: number; sha256: string } | null = null;
  size = 0;
  private chunks: Buffer[] | null = [];
  private done = false;
  private discarded = false;
  /** Counted once in the store's `bodiesWritten` when its bytes first go to a file. */
  private counted = false;
  /** Pooled mode: the spare the body was written into before its key was known (`digestAndParse`). */
  private early: { fd: number; busy: boolean; written: Promise<Error | null> } | null = null;

  constructor(
    private readonly dir: string, private readonly fsync: boolean, private readonly dirSync: DirSyncer, private readonly spares: SpareFiles | null = null,
    private readonly pooled: { hasher: HashWorker } | null = null,
    private readonly counter: { written: number } = { written: 0 },
    private readonly aligned: AlignedBuffers | null = null,
  ) {
    this.path = path.join(dir, `${unique()}.part`);
  }

  write(chunk: Uint8Array): void {
    if (this.done || this.discarded || this.digested) throw new Error('temp blob closed');
    // No copy: chunks are fresh socket (or parser-concatenated) buffers that nobody rewrites. Copying them
    // would cost more than it seems: fresh memory is page-faulted in, ~1 ms per 500 KB on these VMs.
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.size += b.length;
    if (this.chunks && this.size <= MEMORY_LIMIT) {
      if (!this.pooled) (this.hash ??= crypto.createHash('sha256')).update(b);
      this.chunks.push(b);
      return;
    }
    if (this.chunks) {
      if (this.pooled) this.hash = hashOf(this.chunks);
      // Spill: from here on the body streams to disk and memory holds nothing.
      this.wrote();
      this.fd = fs.openSync(this.path, 'wx+', 0o640); // read back too: head() parses its start
      for (const c of this.chunks) writeAll(this.fd, c);
      this.chunks = null;
    }
    (this.hash ??= crypto.createHash('sha256')).update(b);
    writeAll(this.fd!, b);
  }

  /**
   * Pooled temps (STOW): the body goes into a spare at once: copied into an aligned buffer that a hashing worker
   * hashes, parses and writes out (O_DIRECT), or, without O_DIRECT, written from the socket's chunks (O_DSYNC:
   * durable when the write returns; one writev on the pool) and read back by a worker from the page cache to be
   * hashed and parsed. The event loop only receives. Without a spare ready (or past the memory limit) it is
   * hashed here and the caller parses.
   */
  digestAndParse(): Promise<DigestAndParse> {
    if (this.done || this.discarded) return Promise.reject(new Error('temp blob closed'));
    const spare = this.pooled && !this.digested && !this.early && this.chunks && this.fd === null ? this.spares?.take() : null;
    if (!spare) return Promise.resolve({ sha256: this.digest().sha256, parsed: null });
    this.path = spare.path;
    this.wrote();
    const size = this.size;
    const hasher = this.pooled!.hasher;
    // Past the page cache (directWrite.ts): the chunks are copied into an aligned buffer in shared memory; a worker
    // hashes and parses it there and writes it out; the socket's chunks go at once.
    const body = this.gatheredFor(spare);
    let written: Promise<DigestAndParse>;
    if (body) {
      this.drop();
      const aligned = this.aligned!;
      written = hasher.writeDigestAndParse(spare.fd, body, size, this.fsync).finally(() => aligned.give(body));
    } else {
      const fd = bufferedFd(spare, this.fsync);
      written = writevAll(fd, this.chunks!).then(() => hasher.digestAndParse(fd, size));
    }
    const work = written.then((r) => {
      this.digested = { size, sha256: r.sha256 };
      return r;
    });
    const early = { fd: spare.fd, busy: true, written: work.then(() => null, (e: Error) => e) };
    this.early = early;
    // A temp discarded while its write ran closes the spare now (the file is gone already).
    void early.written.then(() => {
      early.busy = false;
      if (this.discarded && this.early === early) this.closeEarly();
    });
    return work;
  }

  private wrote(): void {
    if (this.counted) return;
    this.counted = true;
    this.counter.written++;
  }

  private closeEarly(): void {
    const e = this.early;
    this.early = null;
    if (!e) return;
    try {
      fs.closeSync(e.fd);
    } catch { /* closed already: nothing to release */ }
  }

  get inMemory(): boolean {
    return this.chunks !== null;
  }

  digest(): { size: number; sha256: string } {
    if (!this.digested) {
      const sha256 = (this.hash ?? hashOf(this.chunks ?? [])).digest('hex');
      this.digested = { size: this.size, sha256 };
      this.hash = null;
    }
    return this.digested;
  }

  get memory(): Buffer | null {
    if (!this.chunks) return null;
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  head(n: number): Buffer {
    const chunks = this.chunks;
    if (chunks) {
      if (!chunks.length) return Buffer.alloc(0);
      if (chunks[0]!.length >= n || chunks.length === 1) return chunks[0]!.subarray(0, n);
      const parts: Buffer[] = [];
      let got = 0;
      for (const c of chunks) {
        if (got >= n) break;
        const take = Math.min(c.length, n - got);
        parts.push(take === c.length ? c : c.subarray(0, take));
        got += take;
      }
      return Buffer.concat(parts, got);
    }
    const out = Buffer.alloc(Math.min(n, this.size));
    const fd = this.fd ?? fs.openSync(this.path, 'r');
    try {
      fs.readSync(fd, out, 0, out.length, 0);
    } finally {
      if (fd !== this.fd) fs.closeSync(fd);
    }
    return out;
  }

  async finish(keyFor?: (sha256: string) => string, opts: FinishOptions = {}): Promise<{ size: number; sha256: string }> {
    if (this.done || this.discarded) throw new Error('temp blob closed');
    this.done = true;
    // Written into a spare already (digestAndParse): durable, only its key to record.
    if (this.early) {
      const failed = await this.early.written;
      if (failed) {
        this.closeEarly();
        throw failed;
      }
      const d = this.digest();
      this.key = keyFor?.(d.sha256) ?? null;
      this.closeEarly();
      if (opts.release) this.drop();
      if (this.discarded) fs.rm(this.path, { force: true }, () => undefined);
      return d;
    }
    const d = this.digest();
    const key = keyFor?.(d.sha256) ?? null;
    // In memory, keyed, and a spare ready: one durable write into it (see SpareFiles), nothing else.
    const spare = key && this.fd === null && this.chunks ? this.spares?.take() : null;
    if (spare) return this.finishInSpare(spare, key!, d, opts);
    if (opts.sync && this.fd === null && this.chunks) {
      const dirSynced = this.finishSync(key);
      if (opts.release) this.drop();
      await dirSynced;
      return d;
    }
    if (key) {
      const named = path.join(this.dir, tempNameFor(key));
      if (this.fd !== null) await p<void>((cb) => fs.rename(this.path, named, (e) => cb(e, undefined)));
      this.path = named;
      this.key = key;
    }
    // Open, write, fsync and close on the libuv pool: the other core does the copying while this one
    // parses the next part, and several fsyncs in flight share one journal commit.
    this.wrote();
    const fd = this.fd ?? (await p<number>((cb) => fs.open(this.path, 'wx', 0o640, cb)));
    this.fd = fd;
    try {
      if (this.chunks?.length) await writevAll(fd, this.chunks);
      if (opts.release) this.drop();
      // A named temp is what recovery finishes from: its directory entry must be on disk too.
      if (this.fsync) await Promise.all([p<void>((cb) => fs.fsync(fd, (e) => cb(e, undefined))), this.key ? this.dirSync.sync() : null]);
    } finally {
      await new Promise<void>((res) => fs.close(fd, () => res()));
      this.fd = null;
    }
    if (this.discarded) fs.rm(this.path, { force: true }, () => undefined);
    return d;
  }

  /**
   * Writes the body into a spare (opened with O_DSYNC, its directory entry already on disk): durable when the
   * write returns. On this thread with `sync`, else on the pool. The temp is then the spare, placed from there.
   */
  private async finishInSpare(spare: Spare, key: string, d: { size: number; sha256: string }, opts: FinishOptions): Promise<{ size: number; sha256: string }> {
    this.wrote();
    this.path = spare.path;
    this.key = key;
    // Past the page cache when the spare takes it (directWrite.ts), through a reused aligned buffer.
    const body = this.gatheredFor(spare);
    try {
      if (body) {
        if (opts.sync) writeDirectSync(spare.fd, body, this.size, this.fsync);
        else await writeDirect(spare.fd, body, this.size, this.fsync);
      } else {
        const fd = bufferedFd(spare, this.fsync);
        if (opts.sync) writevAllSync(fd, this.chunks!);
        else await writevAll(fd, this.chunks!);
      }
    } finally {
      if (body) this.aligned!.give(body);
      fs.closeSync(spare.fd);
    }
    if (opts.release) this.drop();
    if (this.discarded) fs.rm(this.path, { force: true }, () => undefined);
    return d;
  }

  /** The body copied into an aligned buffer (give it back once written), when `spare` is O_DIRECT and one can be had; else null. */
  private gatheredFor(spare: Spare): Buffer | null {
    const body = spare.direct ? this.aligned?.take(this.size) : null;
    if (body) gather(this.chunks!, body);
    return body ?? null;
  }

  /** The bytes are on disk: memory lets them go. */
  private drop(): void {
    this.chunks = null;
  }

  /**
   * A file opened + write + fsync + close on this thread (no spare was ready); resolves (the promise it returns,
   * for a named temp) once the directory's fsync is done too.
   */
  private finishSync(key: string | null): Promise<void> | null {
    this.wrote();
    if (key) {
      this.path = path.join(this.dir, tempNameFor(key));
      this.key = key;
    }
    const fd = fs.openSync(this.path, 'wx', 0o640);
    let dirSynced: Promise<void> | null = null;
    try {
      writevAllSync(fd, this.chunks!);
      if (this.fsync) {
        // A named temp is what recovery finishes from: its directory entry must be on disk too. That fsync
        // runs on the pool while this thread waits for the file's: one wait on the disk instead of two in a
        // row (each costs a wake-up, milliseconds when the CPUs are busy).
        if (key) dirSynced = this.dirSync.sync();
        fs.fsyncSync(fd);
      }
    } catch (err) {
      dirSynced?.catch(() => undefined);
      throw err;
    } finally {
      fs.closeSync(fd);
    }
    return dirSynced;
  }

  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    // A spare written early: closed now, or once its write (still running) returns.
    if (this.early && !this.early.busy) this.closeEarly();
    if (this.fd !== null && !this.done) {
      try { fs.closeSync(this.fd); } catch { /* already closed */ }
      this.fd = null;
    }
    // While finish() runs it removes the file itself when done. Otherwise the file goes before the refusal is
    // answered, so a refused store leaves nothing behind (refusals are rare: the unlink's wait is no cost).
    if (!this.done || this.fd === null) fs.rmSync(this.path, { force: true });
  }
}

let hasher: HashWorker | null = null;
/**
 * The process's hashing workers (one per core, up to 4), started on first use. (While the thread pool did every
 * step of each write, a second worker was slower: it took the receive's core; see hashWorker.ts.)
 */
const sharedHasher = (): HashWorker => (hasher ??= new HashWorker());

/**
 * Local filesystem blobs. A key either has all its bytes or none: temps are written and fsynced, then renamed.
 * Temps tied to their key (`finish(keyFor)`: named after it, or written into a spare) are placed after the
 * index commit without a directory fsync; after a crash, `pendingTemps()` / `settleTemp()` finish or drop them.
 */
export class FsBlobStore implements BlobStore {
  readonly tmpDir: string;
  private readonly tmpSync: DirSyncer;
  private readonly knownDirs = new Set<string>();
  private readonly spares: SpareFiles;
  private readonly counter = { written: 0 };
  private readonly aligned: AlignedBuffers | null;

  /**
   * `spares`: files kept ready (SpareFiles); 32 cover most of a 50-part STOW request arriving faster than they are
   * made. `burstSpares`: at most this many made while idle, for a burst as large as the largest seen (default 0:
   * none beyond `spares`; the gateway's config sets it).
   */
  constructor(readonly root: string, private readonly fsync = true, opts: { spares?: number; burstSpares?: number; direct?: boolean } = {}) {
    this.tmpDir = path.join(root, '.tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
    this.tmpSync = new DirSyncer(this.tmpDir);
    const spareDir = path.join(root, '.spare');
    fs.mkdirSync(spareDir, { recursive: true });
    // O_DIRECT where the filesystem takes it (not tmpfs); `direct: false` keeps every write buffered.
    this.aligned = (opts.direct ?? true) ? AlignedBuffers.open(spareDir) : null;
    this.spares = new SpareFiles(spareDir, opts.spares ?? 32, fsync, this.aligned !== null, opts.burstSpares ?? 0);
    // Once, at start: the entries of `.tmp` and `.spare` themselves, which recovery relies on.
    if (fsync) fsyncDirSync(root);
  }

  /**
   * Makes the spares, starts the hashing worker and makes aligned buffers ahead of the first store (at start:
   * else the first STOW request pays for them, ~150 ms on these VMs).
   */
  prepare(): void {
    this.spares.fill();
    sharedHasher().warm();
    // One per part of a 50-part STOW of CT in flight (made on first touch: untouched, they take no memory).
    this.aligned?.warm(50, 1024 * 1024);
  }

  /** How many received bodies were written to files so far (a re-send that is only looked up writes none). */
  get bodiesWritten(): number {
    return this.counter.written;
  }

  /** Starts making spares and resolves once none is being made (tests; the store fills them on demand). */
  sparesReady(): Promise<void> {
    this.spares.fill();
    return this.spares.settled();
  }

  /** Lets the ready spares go (they are open files), when the disk under them was taken away. */
  dropSpares(): void {
    void this.spares.drop();
  }

  /** At shutdown: closes the spares (the ones still being made too); temps then make their own files. */
  close(): Promise<void> {
    return this.spares.close().finally(() => this.aligned?.close());
  }

  /**
   * Removes anonymous temp files and empty spares left by a crash (called once at startup, before serving;
   * returns how many temps went); named temps and written spares are the archive's to settle.
   */
  sweepTemps(): number {
    for (const f of fs.readdirSync(this.spares.dir)) {
      const file = path.join(this.spares.dir, f);
      if (!f.endsWith(SPARE) || fs.statSync(file).size === 0) fs.rmSync(file, { force: true });
    }
    let n = 0;
    for (const f of fs.readdirSync(this.tmpDir)) {
      if (keyOfTempName(f)) continue;
      fs.rmSync(path.join(this.tmpDir, f), { force: true });
      n++;
    }
    return n;
  }

  pendingTemps(): { name: string; key: string | null }[] {
    const named = fs.readdirSync(this.tmpDir).flatMap((name) => {
      const key = keyOfTempName(name);
      return key ? [{ name: `.tmp/${name}`, key }] : [];
    });
    // Written spares: which key each was for is in its content (the caller reads it with readTemp).
    const spares = fs.readdirSync(this.spares.dir).filter((f) => f.endsWith(SPARE)).map((f) => ({ name: `.spare/${f}`, key: null }));
    return [...named, ...spares];
  }

  readTemp(name: string): Buffer {
    return fs.readFileSync(this.tempPath(name));
  }

  async settleTemp(name: string, placeUnder: string | null): Promise<void> {
    const from = this.tempPath(name);
    if (!placeUnder) return fs.promises.rm(from, { force: true });
    const to = this.abs(placeUnder);
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    await fs.promises.rename(from, to);
    if (this.fsync) await fsyncDir(path.dirname(to));
  }

  /** A `pendingTemps` name: `.tmp/…` or `.spare/…`, nothing else. */
  private tempPath(name: string): string {
    const [dir, file, ...rest] = name.split('/');
    if ((dir !== '.tmp' && dir !== '.spare') || !file || rest.length || file.includes('..')) throw new Error(`bad temp name ${name}`);
    return path.join(this.root, dir, file);
  }

  createTemp(opts: CreateTempOptions = {}): TempBlob {
    // Spares are made while the body arrives, ready for its finish (and, after the burst, for the next one).
    this.spares.used();
    return new FsTempBlob(this.tmpDir, this.fsync, this.tmpSync, this.spares, opts.pooled ? { hasher: sharedHasher() } : null, this.counter, this.aligned);
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

  place(items: { temp: TempBlob; key: string }[]): void {
    for (const { temp, key } of items) {
      const to = this.abs(key);
      const dir = path.dirname(to);
      if (!this.knownDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        this.knownDirs.add(dir);
      }
      try {
        fs.renameSync((temp as FsTempBlob).path, to);
      } catch (err) {
        // The directory may have been removed under us (a study deleted meanwhile): make it again once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync((temp as FsTempBlob).path)) throw err;
        fs.mkdirSync(dir, { recursive: true });
        fs.renameSync((temp as FsTempBlob).path, to);
      }
    }
  }

  read(key: string): Promise<Buffer> {
    return fs.promises.readFile(this.abs(key));
  }

  readSync(key: string): Buffer {
    return fs.readFileSync(this.abs(key));
  }

  readInto(key: string, into: Buffer): void {
    const fd = fs.openSync(this.abs(key), 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size !== into.length) throw new Error(`blob ${key} has ${size} bytes, ${into.length} expected`);
      for (let off = 0; off < size; ) {
        const n = fs.readSync(fd, into, off, size - off, off);
        if (n === 0) throw new Error(`blob ${key} ended at ${off} of ${size} bytes`);
        off += n;
      }
    } finally {
      fs.closeSync(fd);
    }
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

/** What is left of `list` after `written` bytes of it went out (partial writes are rare on regular files). */
function unwritten(list: Buffer[], written: number): Buffer[] {
  let left = written;
  const rest: Buffer[] = [];
  for (const c of list) {
    if (left >= c.length) left -= c.length;
    else {
      rest.push(left > 0 ? c.subarray(left) : c);
      left = 0;
    }
  }
  return rest;
}

function writevAllSync(fd: number, chunks: Buffer[]): void {
  for (let list = chunks; list.length; ) list = unwritten(list, fs.writevSync(fd, list));
}

/** A SHA-256 fed with these chunks (not yet digested). */
function hashOf(chunks: Buffer[]): crypto.Hash {
  const h = crypto.createHash('sha256');
  for (const c of chunks) h.update(c);
  return h;
}

async function writevAll(fd: number, chunks: Buffer[]): Promise<void> {
  for (let list = chunks; list.length; ) {
    const written = await new Promise<number>((res, rej) => fs.writev(fd, list, (e, n) => (e ? rej(e) : res(n))));
    list = unwritten(list, written);
  }
}

function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
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

import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedInstance } from '../../dicom/types.js';
import type { DigestAndParse, ParseErrorInfo } from './BlobStore.js';

/**
 * Support for pooled temps (`FsBlobStore.createTemp({ pooled: true })`, STOW-RS): a received body is copied
 * into a reused shared buffer, then hashed and written to its temp file by a worker thread. With one sender,
 * STOW is bound by the event loop, which receives and parses every part: this takes the SHA-256 (~0.4 ms per
 * 527 KB part) and four fs dispatches off it, and the HTTP parser's chunks die young instead of being held until
 * the request's commit (no full GC during the STOW bench, 4–6 before), for one copy into memory that is already
 * paged in (~0.05–0.25 ms). STOW bench, 2 shared cores: event loop 1.59 → 1.32 ms per instance.
 * The worker also parses the header (`digestAndParse`, ~0.3 ms per part more off the event loop, which is
 * 100 % busy while a large STOW arrives): 6 interleaved pairs, 373–407 vs 310–397 inst/s, every pair ahead.
 */

/** A reusable buffer of one of the size classes; `buf` views all of `sab`. */
export interface Slot {
  readonly sab: SharedArrayBuffer;
  readonly buf: Buffer;
}

const MiB = 1024 * 1024;
const CLASSES = [1, 2, 4, 8, 16].map((m) => m * MiB);

/** Free slots by size class, up to `keepBytes` in all (more are left to the GC). */
export class SlotPool {
  private readonly free = new Map<number, Slot[]>();
  private freeBytes = 0;

  constructor(private readonly keepBytes = 64 * MiB) {}

  /** A slot of at least `n` bytes (null above 16 MiB); its contents are whatever the last user left. */
  get(n: number): Slot | null {
    const cap = CLASSES.find((c) => c >= n);
    if (cap === undefined) return null;
    const s = this.free.get(cap)?.pop();
    if (s) {
      this.freeBytes -= cap;
      return s;
    }
    const sab = new SharedArrayBuffer(cap);
    return { sab, buf: Buffer.from(sab) };
  }

  put(s: Slot): void {
    const cap = s.sab.byteLength;
    if (this.freeBytes + cap > this.keepBytes) return;
    let list = this.free.get(cap);
    if (!list) this.free.set(cap, (list = []));
    list.push(s);
    this.freeBytes += cap;
  }
}

/**
 * CommonJS (an eval worker): the same under tsx, tests and dist. 'hash' answers the SHA-256; 'parse' the SHA-256
 * and the header parse (by the built parser `builtParser()` finds, when there is one); 'write' creates the file (wx), writes, fsyncs (if asked) and closes it, with the pool's async calls, so the
 * worker hashes the next part meanwhile and the event loop dispatches one message instead of four fs calls.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const fail = (id, e) => parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
const parser = workerData && workerData.parseUrls
  ? Promise.all([import(workerData.parseUrls.parseTemp), import(workerData.parseUrls.parseInstance)]).then(([t, i]) => (b) => t.parseBody(b, i.parseInstance), () => null)
  : Promise.resolve(null);
parentPort.on('message', (m) => {
  const bytes = new Uint8Array(m.sab, 0, m.len);
  if (m.op === 'hash') return parentPort.postMessage({ id: m.id, hex: createHash('sha256').update(bytes).digest('hex') });
  if (m.op === 'parse') {
    return void parser.then((parse) => {
      const hex = createHash('sha256').update(bytes).digest('hex');
      if (!parse) return parentPort.postMessage({ id: m.id, hex, noParser: true });
      try {
        parentPort.postMessage({ id: m.id, hex, parsed: parse(Buffer.from(m.sab, 0, m.len)) });
      } catch (e) {
        parentPort.postMessage({ id: m.id, hex, parseError: { name: e.name, reason: e.reason, message: e.message } });
      }
    });
  }
  fs.open(m.path, 'wx', 0o640, (err, fd) => {
    if (err) return fail(m.id, err);
    const done = (e) => fs.close(fd, (ce) => (e || ce ? fail(m.id, e || ce) : parentPort.postMessage({ id: m.id })));
    const rest = (off) => {
      if (off >= bytes.length) return m.fsync ? fs.fsync(fd, done) : done(null);
      fs.write(fd, bytes, off, bytes.length - off, null, (e, n) => (e ? done(e) : rest(off + n)));
    };
    rest(0);
  });
});`;

const hashHere = (sab: SharedArrayBuffer, len: number): string => crypto.createHash('sha256').update(new Uint8Array(sab, 0, len)).digest('hex');

/** A job done on this thread (no worker). A write that the worker may have begun fails on 'wx': never a double write. */
async function here(msg: Job['msg']): Promise<Reply> {
  if (msg.op === 'hash') return { id: -1, hex: hashHere(msg.sab, msg.len) };
  if (msg.op === 'parse') return { id: -1, hex: hashHere(msg.sab, msg.len), noParser: true };
  try {
    const fh = await fs.promises.open(msg.path!, 'wx', 0o640);
    try {
      await fh.writeFile(new Uint8Array(msg.sab, 0, msg.len));
      if (msg.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    return { id: -1 };
  } catch (e) {
    return { id: -1, error: { message: (e as Error).message, code: (e as NodeJS.ErrnoException).code } };
  }
}

type Reply = {
  id: number; hex?: string; error?: { message: string; code?: string };
  parsed?: ParsedInstance; parseError?: ParseErrorInfo; noParser?: boolean;
};

/**
 * The built parser for the worker: the gateway's compiled `archive/parseTemp.js` and `dicom/parseInstance.js`,
 * found beside this module in dist, or from src (tsx, tests) in the package's dist when it has been built.
 * Without them the worker only hashes and the caller parses. (As with the anonymizer pool, the worker runs
 * built JS: it starts without the test runner's or tsx's loaders.)
 */
function builtParser(): { parseTemp: string; parseInstance: string } | null {
  const at = (rel: string): string | null => {
    let u = new URL(rel, import.meta.url);
    if (import.meta.url.endsWith('.ts')) u = new URL(u.href.replace('/gateway/src/', '/gateway/dist/'));
    return fs.existsSync(fileURLToPath(u)) ? u.href : null;
  };
  const parseTemp = at('../parseTemp.js');
  const parseInstance = at('../../dicom/parseInstance.js');
  return parseTemp && parseInstance ? { parseTemp, parseInstance } : null;
}
interface Job {
  msg: { op: 'hash' | 'parse' | 'write'; sab: SharedArrayBuffer; len: number; path?: string; fsync?: boolean };
  resolve: (r: Reply) => void;
}

/**
 * SHA-256 of the start of a shared buffer (with the DICOM header parse, `digestAndParse`), and its write to a
 * new file, on one worker thread (a part hashes and parses in well under a millisecond, so one keeps up with
 * any network). The worker holds the process open only while a job is pending. Should it fail to start or
 * die, jobs run on the calling thread: slower, never wrong.
 */
export class HashWorker {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<number, Job>();

  constructor(private readonly parseUrls: { parseTemp: string; parseInstance: string } | null = builtParser()) {}

  digest(sab: SharedArrayBuffer, len: number): Promise<string> {
    return this.send({ op: 'hash', sab, len }).then((r) => r.hex!);
  }

  /**
   * SHA-256 and the DICOM header parse (`parseBody`) in one job: STOW's event loop then only copies each part
   * and dispatches it. `parsed: null` when the worker has no parser: parse on the calling thread.
   */
  digestAndParse(sab: SharedArrayBuffer, len: number): Promise<DigestAndParse> {
    return this.send({ op: 'parse', sab, len }).then((r) => {
      if (r.parseError) return { sha256: r.hex!, parseError: r.parseError };
      return { sha256: r.hex!, parsed: r.noParser ? null : r.parsed! };
    });
  }

  /** Creates `file` (it must not exist) with the first `len` bytes of `sab`, fsynced if asked, and closes it. */
  write(sab: SharedArrayBuffer, len: number, file: string, fsync: boolean): Promise<void> {
    return this.send({ op: 'write', sab, len, path: file, fsync }).then((r) => {
      if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    });
  }

  private send(msg: Job['msg']): Promise<Reply> {
    const w = this.start();
    if (!w) return here(msg);
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.pending.size) w.ref();
      this.pending.set(id, { msg, resolve });
      w.postMessage({ id, ...msg });
    });
  }

  private start(): Worker | null {
    if (this.worker || this.broken) return this.worker;
    let w: Worker;
    try {
      // No inherited loaders (tsx, test runners): the source is plain CommonJS and starts in a few ms.
      w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { parseUrls: this.parseUrls } });
    } catch {
      this.broken = true;
      return null;
    }
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) w.unref();
      p.resolve(m);
    });
    const fail = (): void => {
      this.broken = true;
      this.worker = null;
      for (const p of this.pending.values()) void here(p.msg).then(p.resolve);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.worker = w;
    return w;
  }
}

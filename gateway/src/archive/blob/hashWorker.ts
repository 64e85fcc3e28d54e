import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedInstance } from '../../dicom/types.js';
import type { DigestAndParse, ParseErrorInfo } from './BlobStore.js';
import { isAligned, padded, rewrap, writeDirectSync } from './directWrite.js';

/**
 * The hashing worker behind pooled temps (`FsBlobStore.createTemp({ pooled: true })`, STOW-RS). With one
 * sender, STOW is bound by the event loop, which receives every part. A finished part is copied from the
 * socket's chunks into a reused aligned buffer, moved to the worker (`directWrite.ts`), which writes it out with O_DIRECT
 * on the thread pool while it hashes it (SHA-256, ~0.3 ms per 527 KB part) and parses its header (~0.3 ms),
 * and answers once the write is durable. Where O_DIRECT is not to be had, the part goes from the chunks into a
 * spare (O_DSYNC) and the worker reads it back from the page cache.
 * History (2026-11-26/27): a copy into a SharedArrayBuffer, then a read-back from the page cache, then the aligned
 * copy written past the page cache, whose fresh pages cost the most on these VMs (see directWrite.ts), first in
 * shared memory (0.16 ms per part on the event loop: V8 copies into shared memory the relaxed, slower way), now
 * in plain memory moved to the worker and back (0.03 ms): 9 requests' receive went from 440–507 ms to 312–357.
 */

/**
 * CommonJS (an eval worker): the same under tsx, tests and dist. A job either brings its body's memory
 * (write it, hash and parse it, give the memory back) or names an open file whose first `len` bytes it reads into the worker's own
 * reused buffer. The header parse runs the built parser (`builtParser()`), when there is one.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const parser = workerData && workerData.parseUrls
  ? Promise.all([import(workerData.parseUrls.parseTemp), import(workerData.parseUrls.parseInstance)]).then(([t, i]) => (b) => t.parseBody(b, i.parseInstance), () => null)
  : Promise.resolve(null);
let buf = Buffer.alloc(0);
// An aligned body moved here: written (O_DIRECT, padded, cut back, fdatasync) on the thread pool while this
// thread hashes and parses it. Resolves to the write's error, or null. The same steps as directWrite.ts's
// writeDirect, written again here because this source loads without TypeScript or the built dist.
const writeDirect = (m, view) => new Promise((done) => {
  const step = (off) => {
    if (off < m.total) return fs.write(m.fd, view, off, m.total - off, off, (err, n) => {
      if (err) return done(err);
      if (n <= 0 || n % 512) return done(new Error('direct write stopped at ' + (off + n) + ' of ' + m.total + ' bytes'));
      step(off + n);
    });
    fs.ftruncate(m.fd, m.len, (err) => {
      if (err || !m.sync) return done(err || null);
      fs.fdatasync(m.fd, (e) => done(e || null));
    });
  };
  step(0);
});
const answer = (m, parse, bytes) => {
  const hex = createHash('sha256').update(bytes).digest('hex');
  if (!parse) return { id: m.id, hex, noParser: true };
  try {
    return { id: m.id, hex, parsed: parse(bytes) };
  } catch (e) {
    return { id: m.id, hex, parseError: { name: e.name, reason: e.reason, message: e.message } };
  }
};
const failed = (m, e) => ({ id: m.id, error: { message: e.message, code: e.code } });
parentPort.on('message', (m) => void parser.then((parse) => {
  if (m.body) {
    const view = Buffer.from(m.body, m.offset, m.total);
    const written = writeDirect(m, view);
    const a = answer(m, parse, view.subarray(0, m.len));
    // The memory goes back with the answer, for the next body.
    return void written.then((e) => parentPort.postMessage({ ...(e ? failed(m, e) : a), body: m.body }, [m.body]));
  }
  let bytes;
  try {
    if (buf.length < m.len) buf = Buffer.allocUnsafe(Math.max(m.len, 2 * buf.length));
    let off = 0;
    while (off < m.len) {
      const n = fs.readSync(m.fd, buf, off, m.len - off, off);
      if (n === 0) throw new Error('the file ended at ' + off + ' of ' + m.len + ' bytes');
      off += n;
    }
    bytes = buf.subarray(0, m.len);
  } catch (e) {
    return parentPort.postMessage(failed(m, e));
  }
  parentPort.postMessage(answer(m, parse, bytes));
}));`;

/** A job done on this thread (no worker): read and hash; the caller parses. */
function here(msg: Job['msg']): Promise<Reply> {
  try {
    if (msg.body) {
      // (memory moved to a worker that then died is gone: the view cannot be made, the job fails)
      const view = Buffer.from(msg.body, msg.offset!, msg.total!);
      writeDirectSync(msg.fd, view, msg.len, msg.sync ?? true);
      return Promise.resolve({ id: -1, hex: crypto.createHash('sha256').update(view.subarray(0, msg.len)).digest('hex'), noParser: true, body: msg.body });
    }
    const bytes = Buffer.allocUnsafe(msg.len);
    for (let off = 0; off < msg.len; ) {
      const n = fs.readSync(msg.fd, bytes, off, msg.len - off, off);
      if (n === 0) throw new Error(`the file ended at ${off} of ${msg.len} bytes`);
      off += n;
    }
    return Promise.resolve({ id: -1, hex: crypto.createHash('sha256').update(bytes).digest('hex'), noParser: true });
  } catch (e) {
    return Promise.resolve({ id: -1, error: { message: (e as Error).message, code: (e as NodeJS.ErrnoException).code } });
  }
}

/** A reply as the caller takes it: a failed read or write throws. */
function result(r: Reply): DigestAndParse {
  if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  if (r.parseError) return { sha256: r.hex!, parseError: r.parseError };
  return { sha256: r.hex!, parsed: r.noParser ? null : r.parsed! };
}

type Reply = {
  id: number; hex?: string; error?: { message: string; code?: string }; body?: ArrayBuffer;
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
  /** `body`: the aligned memory holding the body at `offset` (`total` bytes with its padding), written into `fd` first. */
  msg: { fd: number; len: number; body?: ArrayBuffer; offset?: number; total?: number; sync?: boolean };
  resolve: (r: Reply) => void;
}

/**
 * SHA-256 and DICOM header parse of a written file, on one worker thread (a part reads, hashes and parses in
 * well under a millisecond, so one keeps up with any network). The worker holds the process open only while a
 * job is pending. Should it fail to start or die, jobs run on the calling thread: slower, never wrong.
 */
export class HashWorker {
  private worker: Worker | null = null;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<number, Job>();

  constructor(private readonly parseUrls: { parseTemp: string; parseInstance: string } | null = builtParser()) {}

  /** Starts the worker ahead of its first job (its parser's modules take a while to load). */
  warm(): void {
    this.start();
  }

  /**
   * SHA-256 and the header parse (`parseBody`) of the first `len` bytes of the open file `fd` (readable, its
   * bytes written). `parsed: null` when the worker has no parser: parse on the calling thread.
   */
  digestAndParse(fd: number, len: number): Promise<DigestAndParse> {
    return this.send({ fd, len }).then(result);
  }

  /**
   * The same for a body held in the aligned buffer `body` (`alignedBuffer`; its first `len` bytes, padding
   * zeroed: `gather`): its memory is moved to the worker, which writes it into the O_DIRECT file `fd`
   * (`writeDirect`; fdatasync with `sync`) on the thread pool while it hashes and parses, and answers once the
   * write is done. `body` is unusable from the call on; the memory comes back to `giveBack`, as a new view like
   * `body` (not if the worker died meanwhile).
   */
  writeDigestAndParse(fd: number, body: Buffer, len: number, sync: boolean, giveBack: (b: Buffer) => void): Promise<DigestAndParse> {
    if (!isAligned(body)) return Promise.reject(new Error('writeDigestAndParse takes a buffer from alignedBuffer'));
    const memory = body.buffer as ArrayBuffer;
    const offset = body.byteOffset;
    const capacity = body.length;
    return this.send({ fd, len, body: memory, offset, total: padded(len), sync }, [memory]).then((r) => {
      if (r.body) giveBack(rewrap(r.body, offset, capacity));
      return result(r);
    });
  }

  private send(msg: Job['msg'], transfer: ArrayBuffer[] = []): Promise<Reply> {
    const w = this.start();
    if (!w) return here(msg);
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.pending.size) w.ref();
      this.pending.set(id, { msg, resolve });
      w.postMessage({ id, ...msg }, transfer);
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

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedInstance } from '../../dicom/types.js';
import type { DigestAndParse, ParseErrorInfo } from './BlobStore.js';
import { isAligned, padded, writeDirectSync } from './directWrite.js';

/**
 * The hashing workers behind pooled temps (`FsBlobStore.createTemp({ pooled: true })`, STOW-RS). With one
 * sender, STOW is bound by the event loop, which receives every part. A finished part is copied from the
 * socket's chunks into a reused aligned buffer in shared memory (`directWrite.ts`); a worker writes it out with
 * O_DIRECT on the thread pool while it hashes it (SHA-256, ~0.3 ms per 527 KB part) and parses its header
 * (~0.15 ms), then cuts the file to length and fdatasyncs it, and answers once the write is durable. Where
 * O_DIRECT is not to be had, the part goes from the chunks into a spare (O_DSYNC) and a worker reads it back
 * from the page cache.
 * History (2026-11-26/27): a copy into a SharedArrayBuffer, then a read-back from the page cache, then the aligned
 * copy written past the page cache, whose fresh pages cost the most on these VMs (see directWrite.ts), first in
 * shared memory (0.16 ms per part on the event loop: V8 copies into shared memory the relaxed, slower way), now
 * in plain memory moved to the worker and back (0.03 ms): 9 requests' receive went from 440–507 ms to 312–357.
 * Back in shared memory since (2026-11-27), filled with native copies (`gather`): the moves left detached
 * buffers that only full GCs reclaim (see `alignedBuffer`).
 * Then (eighth VM, 2026-11-27) the worker became a pool of them, one per core, and only the write itself stays
 * on the thread pool: the pool's write, truncate and fdatasync each woke a thread (moving all three onto the
 * worker: gateway kernel CPU per 500 parts 370 → 230 ms, receive 45 → 28 ms per 50-part request), but a worker
 * doing all three in a row after hashing left the write's wait unoverlapped and fell behind (16–25 ms of backlog
 * after each request's last byte; with the write overlapping the hash, 10–12 ms, and 593–689 inst/s against
 * 526–603 over four alternating rounds of two 500-part STOWs).
 */

/**
 * CommonJS (an eval worker): the same under tsx, tests and dist. A job either brings its body in shared memory
 * (hash and parse it, write it out) or names an open file whose first `len` bytes it reads into the worker's own
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
// An aligned body (shared memory): written padded with O_DIRECT on the thread pool while this thread hashes
// and parses it, then cut back to its length and fdatasync'd on this thread. The same steps as directWrite.ts's
// writeDirect, written again here because this source loads without TypeScript or the built dist.
const writeDirect = (m, view, done) => {
  const step = (off) => {
    if (off >= m.total) return done(null);
    fs.write(m.fd, view, off, m.total - off, off, (err, n) => {
      if (err) return done(err);
      if (n <= 0 || n % 512) return done(new Error('direct write stopped at ' + (off + n) + ' of ' + m.total + ' bytes'));
      step(off + n);
    });
  };
  step(0);
};
const cutAndSync = (m) => {
  try {
    fs.ftruncateSync(m.fd, m.len);
    if (m.sync) fs.fdatasyncSync(m.fd);
    return null;
  } catch (e) {
    return e;
  }
};
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
    // The write goes to the thread pool first; its callback comes after the hash and parse below.
    let a;
    writeDirect(m, view, (err) => {
      const e = err || cutAndSync(m);
      parentPort.postMessage(e ? failed(m, e) : a);
    });
    a = answer(m, parse, view.subarray(0, m.len));
    return;
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
      const view = Buffer.from(msg.body, msg.offset!, msg.total!);
      writeDirectSync(msg.fd, view, msg.len, msg.sync ?? true);
      return Promise.resolve({ id: -1, hex: crypto.createHash('sha256').update(view.subarray(0, msg.len)).digest('hex'), noParser: true });
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
  /** `body`: the aligned shared memory holding the body at `offset` (`total` bytes with its padding), to be written into `fd`. */
  msg: { fd: number; len: number; body?: SharedArrayBuffer; offset?: number; total?: number; sync?: boolean };
  resolve: (r: Reply) => void;
}

/** The default number of worker threads: one per core, at most 4 (two keep a 2-core VM's STOW busy, see above). */
export const autoThreads = (): number => Math.max(1, Math.min(4, os.availableParallelism()));

interface Slot { worker: Worker | null; broken: boolean; inFlight: number }

/**
 * SHA-256, DICOM header parse and (for aligned bodies) the durable write of received bodies, on a few worker
 * threads; each job goes to the least busy one. The workers hold the process open only while a job is pending.
 * Should a worker fail to start or die, the others take the later jobs, and without any they run on the calling
 * thread: slower, never wrong.
 */
export class HashWorker {
  private readonly slots: Slot[];
  private nextId = 0;
  private readonly pending = new Map<number, Job & { slot: Slot }>();

  constructor(
    private readonly parseUrls: { parseTemp: string; parseInstance: string } | null = builtParser(),
    threads: number = autoThreads(),
  ) {
    this.slots = Array.from({ length: Math.max(1, threads) }, () => ({ worker: null, broken: false, inFlight: 0 }));
  }

  /** Starts the workers ahead of their first jobs (their parser's modules take a while to load). */
  warm(): void {
    for (const slot of this.slots) this.start(slot);
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
   * zeroed: `gather`): a worker hashes and parses it and writes it into the O_DIRECT file `fd` (as
   * `writeDirectSync` does; fdatasync with `sync`), and answers once the write is done. Leave `body` alone until
   * then (the worker reads it where it is). Should the worker die meanwhile, the job fails; later jobs go to the
   * other workers, or run here when none is left.
   */
  writeDigestAndParse(fd: number, body: Buffer, len: number, sync: boolean): Promise<DigestAndParse> {
    if (!isAligned(body)) return Promise.reject(new Error('writeDigestAndParse takes a buffer from alignedBuffer'));
    return this.send({ fd, len, body: body.buffer as SharedArrayBuffer, offset: body.byteOffset, total: padded(len), sync }).then(result);
  }

  private send(msg: Job['msg']): Promise<Reply> {
    let slot: Slot | null = null;
    for (const c of this.slots) if (!c.broken && (!slot || c.inFlight < slot.inFlight)) slot = c;
    const w = slot && this.start(slot);
    if (!slot || !w) return here(msg);
    const id = this.nextId++;
    const s = slot;
    return new Promise((resolve) => {
      if (!s.inFlight++) w.ref();
      this.pending.set(id, { msg, resolve, slot: s });
      w.postMessage({ id, ...msg });
    });
  }

  private start(slot: Slot): Worker | null {
    if (slot.worker || slot.broken) return slot.worker;
    let w: Worker;
    try {
      // No inherited loaders (tsx, test runners): the source is plain CommonJS and starts in a few ms.
      w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { parseUrls: this.parseUrls } });
    } catch {
      slot.broken = true;
      return null;
    }
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!--slot.inFlight) w.unref();
      p.resolve(m);
    });
    // No new jobs once it fails; its pending ones are settled at 'exit', once its thread has stopped (Node closes
    // a worker's event loop only when its thread-pool requests are done): no write of its lands after the caller
    // has closed the file and its descriptor may have been reused.
    w.on('error', () => {
      slot.broken = true;
    });
    w.on('exit', () => {
      slot.broken = true;
      slot.worker = null;
      slot.inFlight = 0;
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        // A body's job fails (its part is reported failed and the caller drops the file) rather than being redone
        // here: whether the worker's write landed is not known.
        if (p.msg.body) p.resolve({ id, error: { message: 'the hashing worker stopped while writing this body' } });
        else void here(p.msg).then(p.resolve);
      }
    });
    slot.worker = w;
    return w;
  }
}

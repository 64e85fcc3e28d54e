import crypto from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedInstance } from '../../dicom/types.js';
import type { DigestAndParse, ParseErrorInfo } from './BlobStore.js';

/**
 * The hashing worker behind pooled temps (`FsBlobStore.createTemp({ pooled: true })`, STOW-RS). With one
 * sender, STOW is bound by the event loop, which receives every part: a finished part goes from the socket's
 * chunks straight into a spare file (one writev on the thread pool), and the worker reads it back from the page cache,
 * hashes it (SHA-256, ~0.4 ms per 527 KB part) and parses its header (~0.3 ms), off the event loop.
 * Before (2026-11-26): each part was copied into a reused SharedArrayBuffer for the worker, and that copy,
 * 0.06 ms alone, took 0.35 ms per part inside a busy STOW (a fifth of the event loop's time while receiving);
 * STOW bench, 5 interleaved pairs: 234–283 vs 197–225 inst/s, every pair ahead.
 */

/**
 * CommonJS (an eval worker): the same under tsx, tests and dist. Each job reads the first `len` bytes of an
 * open file (a spare the event loop just wrote a received body into, so from the page cache) into the
 * worker's own reused buffer, and answers their SHA-256 and the header parse (by the built parser
 * `builtParser()` finds, when there is one). Read, hash and parse run in one callback: the buffer is never
 * shared between two jobs.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const parser = workerData && workerData.parseUrls
  ? Promise.all([import(workerData.parseUrls.parseTemp), import(workerData.parseUrls.parseInstance)]).then(([t, i]) => (b) => t.parseBody(b, i.parseInstance), () => null)
  : Promise.resolve(null);
let buf = Buffer.alloc(0);
parentPort.on('message', (m) => void parser.then((parse) => {
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
    return parentPort.postMessage({ id: m.id, error: { message: e.message, code: e.code } });
  }
  const hex = createHash('sha256').update(bytes).digest('hex');
  if (!parse) return parentPort.postMessage({ id: m.id, hex, noParser: true });
  try {
    parentPort.postMessage({ id: m.id, hex, parsed: parse(bytes) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, hex, parseError: { name: e.name, reason: e.reason, message: e.message } });
  }
}));`;

/** A job done on this thread (no worker): read and hash; the caller parses. */
function here(msg: Job['msg']): Promise<Reply> {
  try {
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
  msg: { fd: number; len: number };
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
    return this.send({ fd, len }).then((r) => {
      if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      if (r.parseError) return { sha256: r.hex!, parseError: r.parseError };
      return { sha256: r.hex!, parsed: r.noParser ? null : r.parsed! };
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

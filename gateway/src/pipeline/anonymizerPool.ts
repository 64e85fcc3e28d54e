import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AttachmentTarget, DeidentifyInstanceOptions } from '@hoichan/anonymizer';

/** What a worker answers for one instance (the parts of `InstanceOutcome` the stage uses; never a value of the source). */
export type WorkerOutcome =
  | { status: 'released'; part10: Uint8Array; sopInstanceUid: string }
  | { status: 'quarantined'; code: string; reason: string; hits: string[] }
  | { status: 'error'; name: string; code: string | null; message: string };

// The worker runs the anonymizer's built JS (dist), so the same code works under tsx/vitest and from gateway/dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const lib = import(workerData.anonymizerUrl);
parentPort.on('message', async ({ id, kind, source, opts }) => {
  try {
    const { deidentifyInstance, wrapAttachment } = await lib;
    const out = kind === 'attachment' ? await wrapAttachment(source, opts) : await deidentifyInstance(source, opts);
    if (out.status === 'released') {
      const part10 = new Uint8Array(out.part10.buffer, out.part10.byteOffset, out.part10.byteLength);
      parentPort.postMessage({ id, outcome: { status: 'released', part10, sopInstanceUid: out.sopInstanceUid } });
    } else {
      const hits = ((out.report && out.report.leakHits) || []).slice(0, 10).map((h) => h.kind + ' at ' + (h.path || ('byte ' + h.offset)));
      parentPort.postMessage({ id, outcome: { status: 'quarantined', code: out.code || 'QUARANTINED', reason: out.reason, hits } });
    }
  } catch (err) {
    parentPort.postMessage({ id, outcome: { status: 'error', name: (err && err.name) || 'Error', code: (err && err.code) || null, message: String((err && err.message) || err) } });
  }
});
`;

interface Task {
  id: number;
  kind: 'instance' | 'attachment';
  source: Uint8Array;
  opts: DeidentifyInstanceOptions | AttachmentTarget;
  resolve: (o: WorkerOutcome) => void;
  reject: (e: Error) => void;
}

/**
 * `deidentifyInstance` on worker threads. Pixel cleaning (decoding, text and face detection) costs up to seconds
 * of CPU per image; on the main thread it would stall every DICOMweb request and DIMSE association meanwhile.
 * Workers start on first use and stay (they keep the codecs and the face model loaded); `close()` ends them.
 */
export class AnonymizerPool {
  private readonly workers: { worker: Worker; busy: Task | null }[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private readonly anonymizerUrl = pathToFileURL(createRequire(import.meta.url).resolve('@hoichan/anonymizer')).href;

  constructor(readonly size = 1) {}

  /** `deidentifyInstance` of one Part 10 file. */
  run(source: Uint8Array, opts: DeidentifyInstanceOptions): Promise<WorkerOutcome> {
    return this.submit('instance', source, opts);
  }

  /** `wrapAttachment` of one JPEG/PNG/PDF (metadata stripped, faces covered, wrapped, gated). */
  wrap(file: Uint8Array, target: AttachmentTarget): Promise<WorkerOutcome> {
    return this.submit('attachment', file, target);
  }

  private submit(kind: Task['kind'], source: Uint8Array, opts: Task['opts']): Promise<WorkerOutcome> {
    if (this.closed) return Promise.reject(new Error('the anonymizer pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, kind, source, opts, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.workers.find((w) => !w.busy);
      if (!slot && this.workers.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.busy = task;
      // Copied, not transferred: the source buffer may be a view into a larger pooled Buffer.
      slot.worker.postMessage({ id: task.id, kind: task.kind, source: task.source, opts: task.opts });
    }
  }

  private spawn(): { worker: Worker; busy: Task | null } {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { anonymizerUrl: this.anonymizerUrl } });
    const slot: { worker: Worker; busy: Task | null } = { worker, busy: null };
    worker.on('message', (m: { id: number; outcome: WorkerOutcome }) => {
      const task = slot.busy;
      slot.busy = null;
      if (task && task.id === m.id) task.resolve(m.outcome);
      this.pump();
    });
    const fail = (err: Error) => {
      const i = this.workers.indexOf(slot);
      if (i >= 0) this.workers.splice(i, 1);
      slot.busy?.reject(err);
      slot.busy = null;
      if (!this.closed) this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`anonymizer worker exited (${code})`)));
    worker.unref();
    this.workers.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the anonymizer pool is closed'));
    await Promise.all(this.workers.splice(0).map((w) => w.worker.terminate()));
  }
}

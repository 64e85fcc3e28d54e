import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { AlignedBuffers, MAX_DIRECT, directSupported, gather, padded, writeDirect, writeDirectSync } from './directWrite.js';
import { HashWorker } from './hashWorker.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-direct-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const directFile = (): { fd: number; file: string } => {
  const file = path.join(dir, `f${n++}`);
  return { file, fd: fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_DIRECT, 0o640) };
};
/** A body as the socket hands it: uneven chunks. */
const chunked = (bytes: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let o = 0, k = 1; o < bytes.length; k++) {
    const len = Math.min(bytes.length - o, 1000 * k + 13);
    out.push(bytes.subarray(o, o + len));
    o += len;
  }
  return out;
};

// The archive's data directory in these tests is under os.tmpdir(), on the machine's disk (ext4), which takes
// O_DIRECT: the tests below need it. Where it does not, the store writes buffered (FsBlobStore tests).
const supported = directSupported(dir);

describe('directWrite (bodies written past the page cache)', () => {
  it('is found where the filesystem takes O_DIRECT (a disk here; tmpfs too since Linux 6.6)', () => {
    let canOpen = true;
    try {
      fs.closeSync(fs.openSync(path.join(dir, 'probe'), fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_DIRECT));
    } catch {
      canOpen = false;
    }
    expect(supported).toBe(canOpen);
    expect(supported, 'os.tmpdir() is on a disk filesystem here').toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.direct-probe'))).toEqual([]);
  });

  it('writes any length exactly, padding cut off, synchronously and on the pool', async () => {
    const buffers = AlignedBuffers.open(dir)!;
    for (const len of [1, 511, 512, 4095, 4096, 4097, 527_040, 3 * 1024 * 1024 + 5]) {
      const bytes = crypto.randomBytes(len);
      for (const mode of ['sync', 'pool'] as const) {
        const body = buffers.take(len)!;
        expect(body.length).toBeGreaterThanOrEqual(padded(len));
        body.fill(0xee); // what a reused buffer holds from before: the padding must not reach the file
        expect(gather(chunked(bytes), body)).toBe(len);
        const { fd, file } = directFile();
        if (mode === 'sync') writeDirectSync(fd, body, len, true);
        else await writeDirect(fd, body, len, true);
        fs.closeSync(fd);
        buffers.give(body);
        expect(fs.statSync(file).size, `${len} ${mode}`).toBe(len);
        expect(fs.readFileSync(file).equals(bytes), `${len} ${mode}`).toBe(true);
      }
    }
  });

  it('hands out aligned buffers by size class, reuses given ones and keeps no more than asked', () => {
    const buffers = AlignedBuffers.open(dir, 3 * 1024 * 1024)!;
    const a = buffers.take(527_040)!;
    const b = buffers.take(2 * 1024 * 1024 + 1)!;
    expect(a.length).toBe(1024 * 1024);
    expect(b.length).toBe(4 * 1024 * 1024); // just over 2 MB: the next class
    expect(a.buffer, "shared with the hashing workers").toBeInstanceOf(SharedArrayBuffer);
    expect(buffers.made).toBe(2);
    buffers.give(a);
    buffers.give(b); // over the 3 MB kept: dropped
    // (identity compared by hand: a failed toBe would diff megabytes)
    expect(buffers.take(10) === a).toBe(true);
    expect(buffers.take(3 * 1024 * 1024) === b).toBe(false);
    expect(buffers.made).toBe(3);
    expect(buffers.take(MAX_DIRECT + 1)).toBeNull();
  });

  it('a failed write is reported, not taken as durable', async () => {
    const buffers = AlignedBuffers.open(dir)!;
    const body = buffers.take(1000)!;
    gather([crypto.randomBytes(1000)], body);
    const { fd, file } = directFile();
    fs.closeSync(fd);
    const readOnly = fs.openSync(file, 'r');
    expect(() => writeDirectSync(readOnly, body, 1000, true)).toThrow(/EBADF|bad file/i);
    await expect(writeDirect(readOnly, body, 1000, true)).rejects.toThrow(/EBADF|bad file/i);
    fs.closeSync(readOnly);
  });
});

describe('HashWorker.writeDigestAndParse (STOW: a worker hashes, parses and writes the aligned body where it is)', () => {
  const REAL = path.join(process.env.HOICHAN_SHARED ?? path.join(import.meta.dirname, '../../../../../shared'), 'fixtures/real');
  const worker = new HashWorker();
  const buffers = AlignedBuffers.open(dir)!;

  it('writes the body, answers its SHA-256 and header, and refuses a buffer not made aligned', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm'));
    const body = buffers.take(bytes.length)!;
    expect(body.buffer, 'shared: the worker reads it where it is').toBeInstanceOf(SharedArrayBuffer);
    gather(chunked(bytes), body);
    const { fd, file } = directFile();
    const r = await worker.writeDigestAndParse(fd, body, bytes.length, true);
    fs.closeSync(fd);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(r.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect('parsed' in r && r.parsed?.fields.modality).toBe('CT');
    // The memory is still ours, whole: it writes again.
    const again = directFile();
    gather([bytes], body);
    writeDirectSync(again.fd, body, bytes.length, true);
    fs.closeSync(again.fd);
    expect(fs.readFileSync(again.file).equals(bytes)).toBe(true);
    // Memory not made aligned (a slice of Node's shared pool, say, or part of an aligned buffer) is refused.
    await expect(worker.writeDigestAndParse(fd, Buffer.alloc(10), 10, true)).rejects.toThrow(/alignedBuffer/);
    await expect(worker.writeDigestAndParse(fd, body.subarray(4096), 10, true)).rejects.toThrow(/alignedBuffer/);
    await expect(worker.writeDigestAndParse(fd, Buffer.from(new SharedArrayBuffer(8192)), 10, true)).rejects.toThrow(/alignedBuffer/);
    buffers.give(body);
  });

  it('a worker that dies with a body in hand fails that job, and later jobs run on this thread', async () => {
    const dying = new HashWorker(undefined, 1);
    dying.warm();
    const bytes = crypto.randomBytes(3 * 1024 * 1024);
    const body = buffers.take(bytes.length)!;
    gather([bytes], body);
    const { fd, file } = directFile();
    const pending = dying.writeDigestAndParse(fd, body, bytes.length, true);
    await (dying as unknown as { slots: { worker: Worker }[] }).slots[0]!.worker.terminate();
    // Failed, not redone here: the dead worker's write may still land on the thread pool.
    await expect(pending).rejects.toThrow(/stopped/);
    fs.closeSync(fd);
    expect(fs.statSync(file).size === 0 || fs.statSync(file).size >= bytes.length).toBe(true);
    // From then on, here: written and hashed on this thread (the caller parses: `parsed: null`).
    const small = crypto.randomBytes(1000);
    gather([small], body);
    const again = directFile();
    const r = await dying.writeDigestAndParse(again.fd, body, small.length, true);
    fs.closeSync(again.fd);
    expect(r).toEqual({ sha256: crypto.createHash('sha256').update(small).digest('hex'), parsed: null });
    expect(fs.readFileSync(again.file).equals(small)).toBe(true);
    buffers.give(body);
  });

  it('spreads jobs over its workers, and when one dies the others take the later jobs', async () => {
    const two = new HashWorker(undefined, 2);
    two.warm();
    const slots = (two as unknown as { slots: { worker: Worker | null; inFlight: number }[] }).slots;
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm'));
    const job = (): { done: Promise<unknown>; fd: number; body: Buffer } => {
      const body = buffers.take(bytes.length)!;
      gather([bytes], body);
      const { fd } = directFile();
      return { done: two.writeDigestAndParse(fd, body, bytes.length, true), fd, body };
    };
    const a = job();
    const b = job();
    expect(slots.map((s) => s.inFlight), 'one job on each worker').toEqual([1, 1]);
    await Promise.all([a.done, b.done]);
    expect(slots.map((s) => s.inFlight)).toEqual([0, 0]);
    await slots[0]!.worker!.terminate();
    await new Promise((r) => setTimeout(r, 20));
    const c = job();
    const r = (await c.done) as { parsed: { fields: { modality: string } } | null };
    // Parsed: a worker answered (on this thread the caller would parse, `parsed: null`).
    expect(r.parsed?.fields.modality).toBe('CT');
    for (const j of [a, b, c]) {
      fs.closeSync(j.fd);
      buffers.give(j.body);
    }
  });

  it('fails when the write fails (a file open for reading only), whatever the hash', async () => {
    const body = buffers.take(100)!;
    gather([crypto.randomBytes(100)], body);
    const { fd, file } = directFile();
    fs.closeSync(fd);
    const readOnly = fs.openSync(file, 'r');
    await expect(worker.writeDigestAndParse(readOnly, body, 100, true)).rejects.toThrow(/EBADF|bad file/i);
    fs.closeSync(readOnly);
    buffers.give(body);
  });
});

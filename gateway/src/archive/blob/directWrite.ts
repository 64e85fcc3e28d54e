import fs from 'node:fs';
import path from 'node:path';

/**
 * Bodies written with O_DIRECT, past the page cache: copied (by the caller) into an aligned buffer, written
 * padded to whole blocks, cut back to their length, then one fdatasync.
 *
 * Why: a buffered write copies every byte into the page cache, and on these VMs each page the cache takes
 * that the guest never touched before costs the host a fault: 1.0 GB/s for a first write against 5.3 GB/s for a
 * rewrite of the same size (dd, 2026-11-26). An archive only grows, so its writes always land on fresh pages:
 * 527 KB took 0.74–1.6 ms and 0.54–1.35 ms of kernel CPU with O_DSYNC, 0.46 ms and 0.17–0.21 ms with O_DIRECT
 * (500 files in a row, `dio.mjs` in the notes). The aligned buffers are reused, so the one copy left lands on
 * warm memory. The bodies are not in the page cache afterwards: a WADO right after a STOW reads them from disk.
 */

/** Padding unit: the page size covers every logical block size we meet (512 or 4096). */
const BLOCK = 4096;
/** Memory alignment O_DIRECT asks of a buffer (the logical block size; 4096 covers it). */
const ALIGN = 4096;
/** Bodies up to this size go through an aligned buffer; larger ones are written buffered (O_DSYNC). */
export const MAX_DIRECT = 16 * 1024 * 1024;

export const padded = (len: number): number => Math.ceil(len / BLOCK) * BLOCK;

/**
 * Whether files in `dir` can be opened with O_DIRECT and take an aligned write (some network filesystems
 * refuse it; tmpfs too before Linux 6.6).
 */
export function directSupported(dir: string): boolean {
  const buffers = AlignedBuffers.open(dir);
  buffers?.close();
  return buffers !== null;
}

/** The memory `alignedBuffer` made. */
const ours = new WeakSet<SharedArrayBuffer>();
/** The offset into a new allocation that was aligned last time (-1: none yet). */
let lastOffset = -1;

/**
 * A view of `capacity` bytes of new shared memory whose address O_DIRECT accepts. JavaScript cannot see an
 * address, so the offset is found by trying an aligned-length write at each candidate offset into the O_DIRECT
 * file `probeFd` (a misaligned buffer gets EINVAL at once).
 * Shared, so a hashing worker reads it where it is: memory moved to a worker and back left, at each move, a
 * detached ArrayBuffer on this thread whose external bytes only a full GC gives back; once those objects were
 * old (after an idle minute), every STOW request of 50 parts ran a mark-compact (2026-11-27: gateway CPU per
 * 500 instances 0.5 s before an idle pause, 1.1–1.3 s after). `gather` fills it with native copies.
 */
export function alignedBuffer(capacity: number, probeFd: number): Buffer | null {
  const sab = new SharedArrayBuffer(capacity + ALIGN);
  // Large allocations come from mmap at the same offset into a page: the last offset that worked goes first.
  for (const off of [lastOffset, ...Array.from({ length: ALIGN / 16 }, (_, i) => i * 16)]) {
    if (off < 0) continue;
    try {
      fs.writeSync(probeFd, new Uint8Array(sab, off, BLOCK), 0, BLOCK, 0);
      lastOffset = off;
      ours.add(sab);
      return Buffer.from(sab, off, capacity);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    }
  }
  return null;
}

/** Whether `b` is a whole buffer `alignedBuffer` made: a worker may write it out (`HashWorker.writeDigestAndParse`). */
export function isAligned(b: Buffer): boolean {
  return b.buffer instanceof SharedArrayBuffer && ours.has(b.buffer) && b.byteOffset + b.length <= b.buffer.byteLength && b.byteOffset < ALIGN;
}

/**
 * Copies `chunks` into `into` and zeroes the padding after them; returns their length. With `fill`, whose
 * copy is a memcpy: `copy` into shared memory goes through V8's relaxed element copy, 2–5× slower.
 */
export function gather(chunks: readonly Buffer[], into: Buffer): number {
  let off = 0;
  for (const c of chunks) {
    if (!c.length) continue;
    into.fill(c, off, off + c.length);
    off += c.length;
  }
  into.fill(0, off, padded(off));
  return off;
}

/**
 * Writes `len` bytes of the aligned `buf` (its padding zeroed: `gather`) at the start of the O_DIRECT file
 * `fd`, cuts the file to `len` and, with `sync`, fdatasyncs it: the data and the length are then on disk.
 */
export function writeDirectSync(fd: number, buf: Buffer, len: number, sync: boolean): void {
  const total = padded(len);
  for (let off = 0; off < total; ) {
    const n = fs.writeSync(fd, buf, off, total - off, off);
    if (n <= 0 || n % 512) throw new Error(`direct write stopped at ${off + n} of ${total} bytes`);
    off += n;
  }
  fs.ftruncateSync(fd, len);
  if (sync) fs.fdatasyncSync(fd);
}

/** `writeDirectSync` on the thread pool. */
export function writeDirect(fd: number, buf: Buffer, len: number, sync: boolean): Promise<void> {
  const total = padded(len);
  return new Promise((resolve, reject) => {
    const step = (off: number): void => {
      if (off < total) {
        return void fs.write(fd, buf, off, total - off, off, (err, n) => {
          if (err) return reject(err);
          if (n <= 0 || n % 512) return reject(new Error(`direct write stopped at ${off + n} of ${total} bytes`));
          step(off + n);
        });
      }
      fs.ftruncate(fd, len, (err) => {
        if (err) return reject(err);
        if (!sync) return resolve();
        fs.fdatasync(fd, (e) => (e ? reject(e) : resolve()));
      });
    };
    step(0);
  });
}

/**
 * Aligned buffers for bodies up to MAX_DIRECT, by powers of two from 1 MB, kept for reuse up to `keepBytes`
 * in all (a hospital PC's memory is modest: 64 MB cover a 50-part STOW of CT in flight).
 */
export class AlignedBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private kept = 0;
  /** Buffers allocated so far (tests, tuning). */
  made = 0;

  /**
   * Buffers for files in `dir`, or null where O_DIRECT is refused there. Alignment is probed into one scratch
   * file opened with O_DIRECT and unlinked at once: nothing is left in `dir`, and no allocation creates or
   * removes a file (each would also cost the next spare's inode allocation, on ext4 without a journal).
   */
  static open(dir: string, keepBytes?: number): AlignedBuffers | null {
    if (process.platform !== 'linux' || !fs.constants.O_DIRECT) return null;
    const file = path.join(dir, `.direct-probe-${process.pid}`);
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_DIRECT, 0o600);
      fs.rmSync(file, { force: true });
      if (alignedBuffer(BLOCK, fd)) return new AlignedBuffers(fd, keepBytes);
    } catch {
      fs.rmSync(file, { force: true });
    }
    if (fd !== null) fs.closeSync(fd);
    return null;
  }

  private constructor(private probeFd: number | null, private readonly keepBytes = 64 * 1024 * 1024) {}

  /** Lets the probe file go; `take` answers null from then on (writes fall back to buffered). */
  close(): void {
    if (this.probeFd !== null) fs.closeSync(this.probeFd);
    this.probeFd = null;
  }

  /** A buffer of at least `len` bytes plus padding, or null when `len` is over MAX_DIRECT (or closed). Give it back with `give`. */
  take(len: number): Buffer | null {
    if (len > MAX_DIRECT || this.probeFd === null) return null;
    let cap = 1024 * 1024;
    while (cap < padded(len)) cap *= 2;
    const list = this.free.get(cap);
    const b = list?.pop();
    if (b) {
      this.kept -= cap;
      return b;
    }
    this.made++;
    return alignedBuffer(cap, this.probeFd);
  }

  /** Makes `count` buffers for bodies of `len` bytes ahead of use (each costs a probe write to the disk). */
  warm(count: number, len: number): void {
    const made = Array.from({ length: count }, () => this.take(len));
    for (const b of made) if (b) this.give(b);
  }

  give(b: Buffer): void {
    if (this.kept + b.length > this.keepBytes) return;
    this.kept += b.length;
    const list = this.free.get(b.length) ?? [];
    list.push(b);
    this.free.set(b.length, list);
  }
}

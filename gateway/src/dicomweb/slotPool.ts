/** A reusable buffer of one of the size classes. */
export interface Slot {
  readonly buf: Buffer;
}

const MiB = 1024 * 1024;
const CLASSES = [1, 2, 4, 8, 16].map((m) => m * MiB);

/**
 * Free read buffers by size class, up to `keepBytes` in all (more are left to the GC). A reused buffer is paged
 * in already; a fresh 0.5 MB one costs about as much in page faults as the copy into it.
 */
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
    return { buf: Buffer.allocUnsafeSlow(cap) };
  }

  put(s: Slot): void {
    const cap = s.buf.length;
    if (this.freeBytes + cap > this.keepBytes) return;
    let list = this.free.get(cap);
    if (!list) this.free.set(cap, (list = []));
    list.push(s);
    this.freeBytes += cap;
  }
}

import fs from 'node:fs';
import { HoiError } from '../errors.js';

/** How often free space is read again: at 500 instances/s of 0.5 MB that is 250 MB between reads. */
const RECHECK_MS = 1000;

/**
 * Refuses new objects while the archive's disk has less than `minFreeBytes` free (HOICHAN_MIN_FREE_MB), so a
 * full disk shows up as a clear refusal (HTTP 507, DIMSE 0xA700) rather than as ENOSPC in the middle of a write,
 * and the index keeps room for its own journal. Reads are always allowed. 0 switches it off.
 */
export class DiskGuard {
  private checkedAt = -Infinity;
  private free = Infinity;

  constructor(
    private readonly dir: string,
    readonly minFreeBytes: number,
    private readonly statfs: (dir: string) => { bavail: number; bsize: number } = fs.statfsSync,
    private readonly now: () => number = Date.now,
  ) {}

  /** Null while there is room; else the error to refuse a new object with. */
  refusal(): HoiError | null {
    if (this.minFreeBytes <= 0) return null;
    const t = this.now();
    if (t - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = t;
      try {
        const s = this.statfs(this.dir);
        this.free = s.bavail * s.bsize;
      } catch {
        this.free = Infinity; // a platform without statfs: the guard cannot tell, so it does not refuse
      }
    }
    if (this.free >= this.minFreeBytes) return null;
    const mb = (n: number) => Math.floor(n / 1024 / 1024);
    return new HoiError('HOI_ERR_DISK_FULL', `only ${mb(this.free)} MB free on the archive's disk, below the ${mb(this.minFreeBytes)} MB kept in reserve (HOICHAN_MIN_FREE_MB): new objects are refused until space is freed`);
  }
}

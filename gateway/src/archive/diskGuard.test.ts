import { describe, expect, it } from 'vitest';
import { DiskGuard } from './diskGuard.js';

describe('DiskGuard', () => {
  it('refuses below the reserve, reads free space at most once a second, and 0 switches it off', () => {
    let free = 10 * 1024 * 1024;
    let now = 0;
    let reads = 0;
    const statfs = () => {
      reads++;
      return { bavail: free / 4096, bsize: 4096 };
    };
    const g = new DiskGuard('/data', 20 * 1024 * 1024, statfs, () => now);
    const e = g.refusal();
    expect(e?.code).toBe('HOI_ERR_DISK_FULL');
    expect(e?.http).toBe(507);
    expect(e?.dimse).toBe(0xa700);
    expect(e?.message).toMatch(/only 10 MB free .* 20 MB/);
    free = 100 * 1024 * 1024;
    now = 500;
    expect(g.refusal()).not.toBeNull(); // not read again yet
    now = 1000;
    expect(g.refusal()).toBeNull();
    expect(reads).toBe(2);
    expect(new DiskGuard('/data', 0, statfs).refusal()).toBeNull();
    expect(new DiskGuard('/data', 1, () => { throw new Error('ENOSYS'); }).refusal()).toBeNull();
  });
});

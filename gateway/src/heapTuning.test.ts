import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEAP_GROWING_PERCENT, tuneHeap } from './heapTuning.js';

describe('tuneHeap (old-generation headroom for STOW bursts after idle spells)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('leaves a --heap-growing-percent the operator gave alone', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneHeap(['--heap-growing-percent=30'])).toBe(false);
    expect(tuneHeap(['--max-old-space-size=512', '--heap_growing_percent=50'])).toBe(false);
    expect(set).not.toHaveBeenCalled();
  });

  it('sets it otherwise (the effect on full GCs is measured by the STOW benchmark, see heapTuning.ts)', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneHeap(['--max-old-space-size=512'])).toBe(true);
    expect(set).toHaveBeenCalledWith(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});

import { describe, expect, it } from 'vitest';
import { presetsFor, quantileRange, voiRangeOf, windowOf, WINDOW_PRESETS } from './presets';

describe('window presets', () => {
  it('offers brain, lung, bone and abdomen for CT only', () => {
    expect(presetsFor(true)).toEqual(['auto', 'brain', 'lung', 'bone', 'abdomen']);
    expect(presetsFor(false)).toEqual(['auto']);
  });

  it('converts windows to VOI ranges and back (DICOM linear function)', () => {
    for (const p of Object.values(WINDOW_PRESETS)) {
      if (!p.window) continue;
      const back = windowOf(voiRangeOf(p.window));
      expect(back.width).toBeCloseTo(p.window.width);
      expect(back.center).toBeCloseTo(p.window.center);
    }
  });

  it('finds a window from the values, ignoring a few hot pixels', () => {
    const px = new Float32Array(10_000).map((_, i) => (i < 9_990 ? i % 100 : 1e6));
    const r = quantileRange(px, 0, 0.99)!;
    expect(r.lower).toBe(0);
    expect(r.upper).toBeLessThan(100);
    expect(quantileRange([], 0, 1)).toBeNull();
  });
});

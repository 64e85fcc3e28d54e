import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjsImaging from 'dcmjs-imaging';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCodecs } from './codecs.js';
import { decodeFrameOf, type DecodedFrame } from './decodeFrame.js';
import { greyWindow } from './greyWindow.js';
import { frameIndex, readImagePixel } from './imagePixel.js';
import { imagingElements } from './imagingElements.js';
import { EXPLICIT_LE, numbers, readDataset } from './readDataset.js';

const { DicomImage, WindowLevel } = dcmjsImaging;
const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const FILES = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.dcm')) : [];

function prepare(file: string): { frame: DecodedFrame; elements: Record<string, unknown>; luts: boolean; integerRescale: boolean } | null {
  const parsed = readDataset(readFileSync(join(DIR, file)));
  if (!parsed.dataSet.elements.x7fe00010?.length) return null;
  const px = readImagePixel(parsed.dataSet);
  const frame = decodeFrameOf(parsed, px, frameIndex(px, 1));
  const slope = numbers(parsed.dataSet, 'x00281053')?.[0] ?? 1;
  return {
    frame,
    elements: imagingElements(parsed, frame, 0),
    luts: !!(parsed.dataSet.elements.x00283000 || parsed.dataSet.elements.x00283010),
    integerRescale: Number.isInteger(slope),
  };
}

describe('greyWindow: the rendered grey frame without dcmjs-imaging, the same pixels', () => {
  beforeAll(() => initCodecs());

  it('matches dcmjs-imaging on every grey fixture it takes (exactly with an integer rescale, else within one grey level)', () => {
    expect(FILES.length).toBeGreaterThan(30);
    let taken = 0;
    // Twice: the second pass renders with the lookup tables the first one left (greyWindow keeps recent ones).
    for (const file of [...FILES, ...FILES]) {
      let p;
      try { p = prepare(file); } catch { continue; } // unreadable objects are renderFrame's tests' business
      if (!p) continue;
      for (const window of [undefined, { center: 40, width: 400 }, { center: 1000, width: 1 }]) {
        const fast = greyWindow(p.frame, p.elements, window, p.luts);
        if (!fast) continue;
        taken++;
        const ref = new DicomImage(p.elements, EXPLICIT_LE).render({ frame: 0, renderOverlays: false, ...(window ? { windowLevel: new WindowLevel(window.width, window.center) } : {}) });
        const rgba = new Uint8Array(ref.pixels);
        expect([fast.width, fast.height], file).toEqual([ref.width, ref.height]);
        let max = 0;
        for (let i = 0; i < fast.pixels.length; i++) max = Math.max(max, Math.abs(fast.pixels[i]! - rgba[i * 4]!));
        expect(max, `${file} ${JSON.stringify(window)}`).toBeLessThanOrEqual(p.integerRescale ? 0 : 1);
      }
    }
    // CT, MR, NM, PT, US, XA, OP and the synthetic charset images: the common case is the fast one.
    expect(taken).toBeGreaterThan(60);
  });

  it('a kept lookup table serves only the same rescale and window: A, B, then A again', () => {
    const tryPrepare = (f: string) => { try { return prepare(f); } catch { return null; } };
    const ct = FILES.map(tryPrepare).find((p) => p && p.frame.photometricInterpretation === 'MONOCHROME2' && greyWindow(p.frame, p.elements, { center: 40, width: 400 }, p.luts))!;
    const a = greyWindow(ct.frame, ct.elements, { center: 40, width: 400 }, ct.luts)!.pixels;
    const b = greyWindow(ct.frame, ct.elements, { center: 300, width: 1500 }, ct.luts)!.pixels;
    const again = greyWindow(ct.frame, ct.elements, { center: 40, width: 400 }, ct.luts)!.pixels;
    expect(Buffer.from(again).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(false);
    const inverted = greyWindow({ ...ct.frame, photometricInterpretation: 'MONOCHROME1' }, ct.elements, { center: 40, width: 400 }, ct.luts)!.pixels;
    expect(inverted[0]).toBe(255 - a[0]!);
  });

  it('leaves colour, LUT sequences, padding values and non-linear windows to dcmjs-imaging', () => {
    const rgb = prepare('SC_rgb_small_odd.dcm')!;
    expect(greyWindow(rgb.frame, rgb.elements, { center: 128, width: 256 }, false)).toBeNull();
    const lutSeq = prepare('CR_MONO1_ModalityLUTSeq_jpegll.dcm')!;
    expect(lutSeq.luts).toBe(true);
    expect(greyWindow(lutSeq.frame, lutSeq.elements, { center: 128, width: 256 }, lutSeq.luts)).toBeNull();
    const mr = prepare('MR_small_implicit.dcm')!;
    expect(greyWindow(mr.frame, mr.elements, { center: 600, width: 1200 }, false)).not.toBeNull();
    expect(greyWindow(mr.frame, { ...mr.elements, VOILUTFunction: 'SIGMOID' }, { center: 600, width: 1200 }, false)).toBeNull();
    expect(greyWindow(mr.frame, { ...mr.elements, PixelPaddingValue: 0 }, { center: 600, width: 1200 }, false)).toBeNull();
    expect(greyWindow(mr.frame, { ...mr.elements, WindowCenter: undefined, WindowWidth: undefined }, undefined, false)).toBeNull();
  });
});

/** Lossless re-encode of cleaned frames (issue 4 §4): decode(encode(cleaned)) equals cleaned, per target syntax. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DicomDataset } from '../dicom/io.js';
import { el } from '../testing/build.js';
import { decodeImage, initCodecs, type PixelImage } from './image.js';
import { reencodeLossless, targetSyntaxes } from './reencode.js';

function image(bits: 8 | 16, spp: 1 | 3, signed = false): PixelImage {
  const [w, h] = [48, 32];
  const frames = [1, 2].map((seed) => {
    const frame = new Uint8Array(w * h * spp * (bits / 8));
    const view = new DataView(frame.buffer);
    for (let p = 0; p < w * h * spp; p++) {
      const v = ((p * 37 * seed) ^ (p >> 3)) & (bits === 8 ? 0xff : 0x0fff);
      if (p % 97 < 20) continue; // a masked-looking run of zeros among texture
      if (bits === 8) frame[p] = v;
      else view.setInt16(p * 2, signed ? v - 2048 : v, true);
    }
    return frame;
  });
  const bitsStored = bits === 8 ? 8 : signed ? 16 : 12;
  return { rows: h, columns: w, samplesPerPixel: spp, bitsAllocated: bits, bitsStored, pixelRepresentation: signed ? 1 : 0, photometric: spp === 3 ? 'RGB' : 'MONOCHROME2', frames };
}

async function redecode(img: PixelImage, ts: string, frames: Uint8Array[], photometric: string): Promise<Uint8Array[]> {
  const ds: DicomDataset = {
    '00280002': el('US', img.samplesPerPixel), '00280004': el('CS', photometric), '00280008': el('IS', String(frames.length)),
    '00280010': el('US', img.rows), '00280011': el('US', img.columns), '00280100': el('US', img.bitsAllocated),
    '00280101': el('US', img.bitsStored), '00280103': el('US', img.pixelRepresentation),
    '7FE00010': { vr: 'OB', Value: frames.map((f) => f.slice().buffer) },
  };
  return (await decodeImage(ds, ts)).frames;
}

describe('reencodeLossless', () => {
  beforeAll(() => initCodecs());

  const cases: [string, string, PixelImage][] = [
    ['RLE 8-bit', '1.2.840.10008.1.2.5', image(8, 1)],
    ['RLE 8-bit RGB', '1.2.840.10008.1.2.5', image(8, 3)],
    ['JPEG-LS lossless 16-bit signed', '1.2.840.10008.1.2.4.80', image(16, 1, true)],
    ['JPEG 2000 lossless 16-bit', '1.2.840.10008.1.2.4.90', image(16, 1)],
    ['JPEG 2000 lossless RGB', '1.2.840.10008.1.2.4.90', image(8, 3)],
    ['HTJ2K lossless 8-bit', '1.2.840.10008.1.2.4.201', image(8, 1)],
    ['JPEG Lossless SV1 12-bit', '1.2.840.10008.1.2.4.70', image(16, 1)],
  ];
  it.for(cases)('%s keeps its syntax and round-trips exactly', async ([, ts, img]) => {
    const r = reencodeLossless(img, ts);
    expect(r?.ts).toBe(ts);
    if (!r) return;
    expect(r.frames.every((f) => f.length % 2 === 0)).toBe(true);
    const back = await redecode(img, r.ts, r.frames, r.photometric);
    expect(back.map((f, i) => Buffer.from(f).equals(Buffer.from(img.frames[i])))).toEqual([true, true]);
  });

  it('never re-encodes lossily: lossy sources go to JPEG-LS Lossless (RLE next), native ones stay native', () => {
    for (const ts of ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91']) {
      expect(targetSyntaxes(ts)).toEqual(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.5']);
    }
    expect(reencodeLossless(image(8, 3), '1.2.840.10008.1.2.4.50')?.ts).toBe('1.2.840.10008.1.2.4.80');
    expect(reencodeLossless(image(8, 1), '1.2.840.10008.1.2.1')).toBeUndefined();
  });

  it('falls back (undefined) when no encoder fits: YBR colour left undecoded', () => {
    expect(reencodeLossless({ ...image(8, 3), photometric: 'YBR_FULL' }, '1.2.840.10008.1.2.5')).toBeUndefined();
  });
});

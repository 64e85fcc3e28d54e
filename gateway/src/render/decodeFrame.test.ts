import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffCodestream } from './codestream.js';
import { encapsulatedFrame } from './extractFrame.js';
import { readImagePixel } from './imagePixel.js';
import { decodeFrame, TranscodeError } from './index.js';
import { readDataset } from './readDataset.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(join(DIR, 'MANIFEST.tsv'));
const load = (file: string): Buffer => readFileSync(join(DIR, file));

const IMAGES: Array<[file: string, frames: number]> = [
  ['CR_MONO1_ModalityLUTSeq_jpegll.dcm', 1], ['CT0012_jpeg_lossless57_frag_nobot.dcm', 2], ['CT1_JLSN.dcm', 1],
  ['CT_brain_synthetic_PHI.dcm', 1], ['CT_small.dcm', 1], ['CT_small_no_meta.dcm', 1], ['HTJ2KLossless_08_RGB.dcm', 1],
  ['JPGExtended.dcm', 1], ['JPGLosslessP14SV1_US_8bit.dcm', 1], ['MR_small_RLE.dcm', 1], ['MR_small_bigendian.dcm', 1],
  ['MR_small_jp2klossless.dcm', 1], ['MR_small_jpeg_ls_lossless.dcm', 1], ['NM-MONO2-16-13x-heart.dcm', 13],
  ['OP_ophthalmic_jpegll.dcm', 1], ['OT-PAL-8-face_nometa.dcm', 1], ['RTDOSE_implicit.dcm', 15], ['SEG_liver.dcm', 3],
  ['US-PAL-8-10x-echo.dcm', 10], ['US1_J2KI.dcm', 1], ['US_multiframe_ybr_burnedin.dcm', 30], ['XA_multiframe96_jpeg.dcm', 96],
  ['XC_jpeg_with_icon.dcm', 1], ['image_dfl.dcm', 1], ['emri_small.dcm', 10],
];

/** Per-pixel absolute differences between two equally long byte arrays. */
function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  let max = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

describe('decodeFrame', () => {
  for (const [file, frames] of IMAGES) {
    it(`${file}: first and last frame decode to Rows x Columns x Samples x Bits`, async () => {
      const buf = load(file);
      for (const n of new Set([1, frames])) {
        const f = await decodeFrame(buf, n);
        const bits = f.rows * f.columns * f.samplesPerPixel * f.bitsAllocated;
        expect(f.pixels.length).toBe(Math.ceil(bits / 8));
      }
      await expect(decodeFrame(buf, frames + 1)).rejects.toBeInstanceOf(RangeError);
    });
  }

  it('big endian pixels come out little endian', async () => {
    const be = await decodeFrame(load('MR_small_bigendian.dcm'), 1);
    const le = await decodeFrame(load('MR_small_implicit.dcm'), 1);
    expect(be.pixels.equals(le.pixels)).toBe(true);
  });

  it('1-bit SEG frames are cut at their bit offsets', async () => {
    const buf = load('SEG_liver.dcm');
    const ds = readDataset(buf).dataSet;
    const el = ds.elements.x7fe00010!;
    const f2 = await decodeFrame(buf, 2);
    expect(f2.bitsAllocated).toBe(1);
    expect(f2.pixels.equals(buf.subarray(el.dataOffset + 32768, el.dataOffset + 65536))).toBe(true);
  });

  it('splits 17 fragments without a Basic Offset Table into 2 frames', async () => {
    const buf = load('CT0012_jpeg_lossless57_frag_nobot.dcm');
    const [a, b] = [await decodeFrame(buf, 1), await decodeFrame(buf, 2)];
    expect(a.pixels.length).toBe(512 * 512 * 2);
    expect(a.pixels.equals(b.pixels)).toBe(false);
  });

  it('baseline JPEG frames decode like libjpeg-turbo (sharp) decodes the same codestream', async () => {
    for (const [file, frame] of [['XA_multiframe96_jpeg.dcm', 7], ['OP_ophthalmic_jpegll.dcm', 1], ['XC_jpeg_with_icon.dcm', 1]] as const) {
      const buf = load(file);
      const parsed = readDataset(buf);
      const codestream = encapsulatedFrame(parsed, readImagePixel(parsed.dataSet), frame - 1);
      const ours = await decodeFrame(buf, frame);
      const { data, info } = await sharp(Buffer.from(codestream)).raw().toBuffer({ resolveWithObject: true });
      // sharp may hand grey out as 3 identical channels.
      const theirs = info.channels === ours.samplesPerPixel ? data : data.filter((_, i) => i % info.channels === 0);
      expect(theirs.length, file).toBe(ours.pixels.length);
      const d = diff(ours.pixels, theirs);
      expect(d.mean, file).toBeLessThan(1); // IDCT / upsampling rounding only
    }
  });

  it('the OP trap: a ".70 lossless" object holding a baseline JPEG is decoded by its markers and flagged lossy', async () => {
    const buf = load('OP_ophthalmic_jpegll.dcm');
    const parsed = readDataset(buf);
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.70');
    const codestream = encapsulatedFrame(parsed, readImagePixel(parsed.dataSet), 0);
    expect(sniffCodestream(codestream)).toEqual({ kind: 'jpeg', process: 'baseline' });
    const f = await decodeFrame(buf, 1);
    expect(f.lossyCodestream).toBe(true);
    const lossless = await decodeFrame(load('CR_MONO1_ModalityLUTSeq_jpegll.dcm'), 1);
    expect(lossless.lossyCodestream).toBe(false);
  });

  it('colour JPEG decodes to interleaved RGB', async () => {
    const f = await decodeFrame(load('US_multiframe_ybr_burnedin.dcm'), 3);
    expect([f.photometricInterpretation, f.planarConfiguration, f.samplesPerPixel]).toEqual(['RGB', 0, 3]);
  });

  it('refuses objects without pixel data', async () => {
    const err = await decodeFrame(load('SR_deep_nesting.dcm'), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TranscodeError);
    expect((err as TranscodeError).reason).toBe('no-pixel-data');
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, initCodecs, renderFrame, renderThumbnail, TranscodeError } from './index.js';
import { readModalityLut, applyModalityLut } from './modalityLut.js';
import { readDataset } from './readDataset.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(join(DIR, 'MANIFEST.tsv'));

interface Fixture { file: string; ts: string; rows: number; cols: number; frames: number; photometric: string }
function manifest(): Fixture[] {
  if (!haveFixtures) return [];
  const [head, ...lines] = readFileSync(join(DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const col = head!.split('\t');
  return lines.map((l) => {
    const c = l.split('\t');
    const v = (name: string) => c[col.indexOf(name)] ?? '';
    return { file: v('file'), ts: v('transfer_syntax_uid'), rows: Number(v('rows')), cols: Number(v('cols')), frames: Number(v('frames')), photometric: v('photometric') };
  });
}
const ALL = manifest();
const load = (file: string): Buffer => readFileSync(join(DIR, file));

/** Header-only objects: no Pixel Data (SR, RTSTRUCT, ECG, nested_priv_SQ) or an empty one (GH1146). */
const NO_PIXELS = new Set(['SR_deep_nesting.dcm', 'RTSTRUCT_nometa.dcm', 'ECG_waveform.dcm', 'nested_priv_SQ.dcm', 'GH1146_private_creator_UN.dcm']);
/** Its own Window Center/Width (30157/54282 BQML) puts almost every pixel below the window: a faithful render is near-black. */
const DARK_BY_DATASET_WINDOW = new Set(['PT_ACRIN-FLT-Breast_029.dcm']);
const IMAGES = ALL.filter((f) => !NO_PIXELS.has(f.file));

async function pixelsOf(body: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function stdevOf(body: Buffer): Promise<number> {
  const s = await sharp(body).stats();
  return Math.max(...s.channels.map((c) => c.stdev));
}

/** Fraction of pixels whose channels differ noticeably (i.e. coloured, not grey). */
async function colourFraction(body: Buffer): Promise<number> {
  const { data, channels } = await pixelsOf(body);
  if (channels < 3) return 0;
  let coloured = 0;
  const n = data.length / channels;
  for (let i = 0; i < data.length; i += channels) {
    const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
    if (Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b)) > 24) coloured++;
  }
  return coloured / n;
}

describe('renderFrame on the real fixtures', () => {
  beforeAll(() => initCodecs());

  it('has the fixtures the tests expect', () => {
    expect(ALL.length).toBe(38);
    expect(IMAGES.length).toBe(33);
  });

  for (const f of IMAGES) {
    it(`renders frame 1 of ${f.file} (${f.ts || 'no meta'}) to JPEG and PNG`, async () => {
      const buf = load(f.file);
      for (const format of ['jpeg', 'png'] as const) {
        const out = await renderFrame(buf, 1, { format });
        expect(out.contentType).toBe(`image/${format}`);
        const meta = await sharp(out.body).metadata();
        expect(meta.format).toBe(format);
        // All fixtures have square pixels, so the output is Columns x Rows.
        expect([meta.width, meta.height]).toEqual([f.cols, f.rows]);
        expect([out.width, out.height]).toEqual([f.cols, f.rows]);
        const sd = await stdevOf(out.body);
        expect(sd).toBeGreaterThan(DARK_BY_DATASET_WINDOW.has(f.file) ? 0.1 : 5);
      }
    });
  }

  it('uses the dataset window by default; an explicit window overrides it (PT)', async () => {
    const buf = load('PT_ACRIN-FLT-Breast_029.dcm');
    const dark = await renderFrame(buf, 1, { format: 'png' });
    const windowed = await renderFrame(buf, 1, { format: 'png', window: { center: 1500, width: 3000 } });
    expect(await stdevOf(dark.body)).toBeLessThan(2);
    expect(await stdevOf(windowed.body)).toBeGreaterThan(10);
  });

  for (const file of NO_PIXELS) {
    it(`refuses ${file}: nothing to render`, async () => {
      const err = await renderFrame(load(file), 1, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TranscodeError);
      expect((err as TranscodeError).reason).toBe(file === 'nested_priv_SQ.dcm' ? 'unreadable' : 'no-pixel-data');
    });
  }

  it('window centre/width and function change the output', async () => {
    const buf = load('CT_small.dcm');
    const base = await renderFrame(buf, 1, { format: 'png' });
    const soft = await renderFrame(buf, 1, { format: 'png', window: { center: 40, width: 400 } });
    const bone = await renderFrame(buf, 1, { format: 'png', window: { center: 500, width: 2000 } });
    const sigmoid = await renderFrame(buf, 1, { format: 'png', window: { center: 40, width: 400, fn: 'sigmoid' } });
    const mean = async (b: Buffer) => (await sharp(b).stats()).channels[0]!.mean;
    expect(soft.body.equals(base.body)).toBe(false);
    expect(soft.body.equals(bone.body)).toBe(false);
    expect(sigmoid.body.equals(soft.body)).toBe(false);
    // A higher centre makes the same tissue darker.
    expect(await mean(bone.body)).toBeLessThan(await mean(soft.body));
  });

  it('viewport fits the output inside width x height, keeping the aspect ratio', async () => {
    const us = await renderFrame(load('US_palette_color.dcm'), 1, { viewport: { width: 400, height: 400 } });
    expect([us.width, us.height]).toEqual([400, 175]);
    const ct = await renderFrame(load('CT_small.dcm'), 1, { format: 'png', viewport: { width: 64, height: 32 } });
    const meta = await sharp(ct.body).metadata();
    expect([meta.width, meta.height]).toEqual([32, 32]);
    const up = await renderFrame(load('SC_rgb_small_odd.dcm'), 1, { format: 'png', viewport: { width: 30, height: 30 } });
    expect([up.width, up.height]).toEqual([30, 30]);
  });

  it('region cuts the frame before the viewport scales it: the same pixels as a cut of the whole (grey and colour)', async () => {
    for (const file of ['CT_small.dcm', 'US_palette_color.dcm']) {
      const whole = await pixelsOf((await renderFrame(load(file), 1, { format: 'png' })).body);
      const region = { left: 0.25, top: 0.5, right: 0.75, bottom: 1 };
      const cut = await pixelsOf((await renderFrame(load(file), 1, { format: 'png', region })).body);
      const left = Math.floor(whole.width * 0.25);
      const top = Math.floor(whole.height * 0.5);
      expect([cut.width, cut.height], file).toEqual([Math.ceil(whole.width * 0.75) - left, whole.height - top]);
      const rowBytes = whole.width * whole.channels;
      for (const y of [0, cut.height >> 1, cut.height - 1]) {
        const expected = whole.data.subarray((top + y) * rowBytes + left * whole.channels, (top + y) * rowBytes + (left + cut.width) * whole.channels);
        expect(cut.data.subarray(y * cut.width * cut.channels, (y + 1) * cut.width * cut.channels).equals(expected), `${file} row ${y}`).toBe(true);
      }
      const scaled = await renderFrame(load(file), 1, { format: 'png', region, viewport: { width: 32, height: 32 } });
      expect(Math.max(scaled.width, scaled.height), file).toBe(32);
    }
  });

  it('JPEG quality changes the size; GIF is available', async () => {
    const buf = load('CT_small.dcm');
    const lo = await renderFrame(buf, 1, { quality: 10 });
    const hi = await renderFrame(buf, 1, { quality: 100 });
    expect(lo.body.length).toBeLessThan(hi.body.length);
    const gif = await renderFrame(buf, 1, { format: 'gif' });
    expect(gif.contentType).toBe('image/gif');
    expect((await sharp(gif.body).metadata()).format).toBe('gif');
  });

  it('MONOCHROME1 is inverted: the CR renders as 255 minus its min-max MONOCHROME2 rendering', async () => {
    const buf = load('CR_MONO1_ModalityLUTSeq_jpegll.dcm');
    const out = await renderFrame(buf, 1, { format: 'png' });
    const rendered = (await sharp(out.body).stats()).channels[0]!.mean;
    // Expected MONOCHROME2 mean: Modality LUT output scaled linearly from its min..max to 0..255.
    const frame = await decodeFrame(buf, 1);
    const lut = readModalityLut(readDataset(buf).dataSet, frame.pixelRepresentation)!;
    const values = applyModalityLut(frame.pixels, frame, lut);
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of values) { if (v < min) min = v; if (v > max) max = v; sum += v; }
    const mono2Mean = ((sum / values.length - min) / (max - min)) * 255;
    expect(Math.abs(rendered - (255 - mono2Mean))).toBeLessThan(3);
    // And the two differ a lot: the image is not symmetric around mid-grey.
    expect(Math.abs(mono2Mean - (255 - mono2Mean))).toBeGreaterThan(20);
  });

  it('renders the last frame of multi-frame objects; outside 1..NumberOfFrames is a RangeError', async () => {
    for (const [file, frames] of [['XA_multiframe96_jpeg.dcm', 96], ['US-PAL-8-10x-echo.dcm', 10], ['NM-MONO2-16-13x-heart.dcm', 13], ['US_multiframe_ybr_burnedin.dcm', 30], ['CT0012_jpeg_lossless57_frag_nobot.dcm', 2], ['SEG_liver.dcm', 3]] as const) {
      const buf = load(file);
      const last = await renderFrame(buf, frames, { format: 'png' });
      expect(await stdevOf(last.body)).toBeGreaterThan(1);
      await expect(renderFrame(buf, frames + 1, {})).rejects.toBeInstanceOf(RangeError);
    }
    await expect(renderFrame(load('CT_small.dcm'), 0, {})).rejects.toBeInstanceOf(RangeError);
    await expect(renderFrame(load('CT_small.dcm'), 1.5, {})).rejects.toBeInstanceOf(RangeError);
  });

  it('different frames of a multi-frame object render differently', async () => {
    const buf = load('XA_multiframe96_jpeg.dcm');
    const a = await renderFrame(buf, 1, { format: 'png' });
    const b = await renderFrame(buf, 96, { format: 'png' });
    expect(a.body.equals(b.body)).toBe(false);
  });

  for (const file of ['US_palette_color.dcm', 'US-PAL-8-10x-echo.dcm', 'OT-PAL-8-face_nometa.dcm', 'US_multiframe_ybr_burnedin.dcm', 'XC_jpeg_with_icon.dcm', 'US1_J2KI.dcm', 'HTJ2KLossless_08_RGB.dcm']) {
    it(`${file} renders in colour`, async () => {
      const out = await renderFrame(load(file), 1, { format: 'png' });
      // Grey renders have exactly no coloured pixels; these have colour text, Doppler or photos.
      expect(await colourFraction(out.body)).toBeGreaterThan(0.002);
    });
  }

  it('grayscale renders are single-channel', async () => {
    const out = await renderFrame(load('CT_small.dcm'), 1, { format: 'png' });
    expect((await sharp(out.body).metadata()).channels).toBe(1);
  });

  it('thumbnail: fits size x size, uses the middle frame', async () => {
    const us = await renderThumbnail(load('US_palette_color.dcm'));
    expect([us.width, us.height]).toEqual([128, 56]);
    expect(us.contentType).toBe('image/jpeg');
    const xa = load('XA_multiframe96_jpeg.dcm');
    const thumb = await renderThumbnail(xa, { size: 64, format: 'png' });
    const middle = await renderFrame(xa, 48, { format: 'png', viewport: { width: 64, height: 64 } });
    expect(thumb.body.equals(middle.body)).toBe(true);
    await expect(renderThumbnail(load('SR_deep_nesting.dcm'))).rejects.toBeInstanceOf(TranscodeError);
  });
});

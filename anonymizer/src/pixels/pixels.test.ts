/**
 * The pixel stage (issue 4 §4, G-2.3): burned-in text is masked and the anatomy is not; ultrasound regions,
 * device signatures, compressed input, and quarantine of what cannot be cleaned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dcmjsCodecs from 'dcmjs-codecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deidentifyInstance } from '../deidentifyInstance.js';
import { type DicomDataset, readPart10, TS } from '../dicom/io.js';
import { el, first, HAVE_FIXTURES, items, part10, REAL_FIXTURES, SECRET } from '../testing/build.js';
import { synthTextImage, type SynthImage } from '../testing/synthImage.js';
import { decodeImage, initCodecs } from './image.js';
import { detectTextBoxes } from './textDetect.js';

const US_IMAGE = '1.2.840.10008.5.1.4.1.1.6.1';
const opts = { siteSecret: SECRET, pseudonym: 'HC-2026-0101' };
const TEXTS = [
  { text: 'NGUYEN VAN DUC  ID 0099887', x: 10, y: 24, size: 16 },
  { text: 'DOB 12/04/1975  BV BACH MAI', x: 330, y: 470, size: 14 },
];

function usDataset(img: SynthImage, extra: DicomDataset = {}): DicomDataset {
  return {
    '00080016': el('UI', US_IMAGE),
    '00080018': el('UI', '1.2.826.0.1.3680043.2.1125.1.1'),
    '00080060': el('CS', 'US'),
    '00100010': el('PN', { Alphabetic: 'NGUYEN^VAN DUC' }),
    '00100020': el('LO', '0099887'),
    '00280002': el('US', 1),
    '00280004': el('CS', 'MONOCHROME2'),
    '00280010': el('US', img.height),
    '00280011': el('US', img.width),
    '00280100': el('US', 8),
    '00280101': el('US', 8),
    '00280102': el('US', 7),
    '00280103': el('US', 0),
    '7FE00010': el('OB', img.pixels.slice().buffer),
    ...extra,
  };
}

async function outputPixels(out: Buffer): Promise<{ ds: DicomDataset; pixels: Uint8Array; ts: string }> {
  const p = readPart10(out);
  const img = await decodeImage(p.dataset, p.transferSyntaxUid);
  return { ds: p.dataset, pixels: img.frames[0], ts: p.transferSyntaxUid };
}

/** Fraction of text pixels now black, and fraction of anatomy pixels unchanged. */
function score(img: SynthImage, out: Uint8Array): { textMasked: number; anatomyKept: number } {
  let t = 0;
  let tm = 0;
  let a = 0;
  let ak = 0;
  for (let i = 0; i < out.length; i++) {
    if (img.textMask[i]) {
      t++;
      if (out[i] === 0) tm++;
    }
    if (img.anatomyMask[i]) {
      a++;
      if (out[i] === img.pixels[i]) ak++;
    }
  }
  return { textMasked: tm / t, anatomyKept: ak / a };
}

describe('burned-in text', () => {
  let img: SynthImage;
  beforeAll(async () => {
    img = await synthTextImage(640, 480, TEXTS);
  });

  it('the detector finds every text pixel and no anatomy on a synthetic frame; nothing on a frame without text', async () => {
    const boxes = detectTextBoxes(img.pixels, img.width, img.height);
    const inBox = (i: number): boolean => boxes.some((b) => i % 640 >= b.x0 && i % 640 < b.x1 && Math.floor(i / 640) >= b.y0 && Math.floor(i / 640) < b.y1);
    expect(img.textMask.every((v, i) => !v || inBox(i))).toBe(true);
    expect(img.anatomyMask.some((v, i) => v && inBox(i))).toBe(false);
    const plain = await synthTextImage(640, 480, [], 7);
    expect(detectTextBoxes(plain.pixels, 640, 480)).toEqual([]);
  });

  it('masks text burned into an ultrasound image without regions (Burned In Annotation YES) and keeps the anatomy', async () => {
    const r = await deidentifyInstance(part10(usDataset(img, { '00280301': el('CS', 'YES') })), opts);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const { ds, pixels, ts } = await outputPixels(r.part10);
    const s = score(img, pixels);
    expect(s.textMasked).toBe(1);
    expect(s.anatomyKept).toBe(1);
    expect(first(ds, '00280301')).toBe('NO');
    expect(ts).toBe(TS.explicitLE);
    expect(items(ds, '00120064').map((c) => first(c, '00080100'))).toContain('113101');
    expect(r.report.pixels.steps.map((s) => s.kind)).toEqual(['text']);
  });

  it('decodes compressed pixel data (RLE), cleans it, and re-encodes it as RLE (lossless round trip)', async () => {
    await initCodecs();
    const { NativeCodecs, Context } = dcmjsCodecs;
    const ctx = new Context({
      width: img.width, height: img.height, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 1,
      pixelRepresentation: 0, planarConfiguration: 0, photometricInterpretation: 'MONOCHROME2', decodedBuffer: img.pixels,
    });
    const rle = NativeCodecs.encodeRle(ctx).getEncodedBuffer() as Uint8Array;
    const ds = usDataset(img, { '7FE00010': el('OB', rle.slice().buffer) });
    const r = await deidentifyInstance(part10(ds, '1.2.840.10008.1.2.5'), opts);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const out = await outputPixels(r.part10);
    expect(out.ts).toBe('1.2.840.10008.1.2.5');
    expect(r.report.pixels.transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    expect(score(img, out.pixels)).toEqual({ textMasked: 1, anatomyKept: 1 });
    expect(first(out.ds, '00280301')).toBe('NO');
  });

  it('re-encodes a cleaned JPEG Baseline image LOSSLESSLY (JPEG-LS) and keeps the lossy history', async () => {
    await initCodecs();
    const { NativeCodecs, Context } = dcmjsCodecs;
    const ctx = new Context({
      width: img.width, height: img.height, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 1,
      pixelRepresentation: 0, planarConfiguration: 0, photometricInterpretation: 'MONOCHROME2', decodedBuffer: img.pixels,
    });
    const jpeg = (NativeCodecs.encodeJpeg(ctx, { lossy: true, quality: 95 }).getEncodedBuffer() as Uint8Array).slice();
    const ds = usDataset(img, { '7FE00010': el('OB', jpeg.buffer), '00282112': el('DS', '8.5') });
    const src = await decodeImage(ds, '1.2.840.10008.1.2.4.50');
    const r = await deidentifyInstance(part10(ds, '1.2.840.10008.1.2.4.50'), opts);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const out = await outputPixels(r.part10);
    expect(out.ts).toBe('1.2.840.10008.1.2.4.80');
    let textMasked = 0;
    let text = 0;
    let anatomyDiff = 0;
    for (let i = 0; i < out.pixels.length; i++) {
      if (img.textMask[i]) {
        text++;
        if (out.pixels[i] === 0) textMasked++;
      } else if (img.anatomyMask[i] && out.pixels[i] !== src.frames[0][i]) anatomyDiff++;
    }
    expect(textMasked).toBe(text);
    expect(anatomyDiff).toBe(0); // no second generation of loss: anatomy equals the decoded source exactly
    expect(first(out.ds, '00282110')).toBe('01');
    expect(first(out.ds, '00282114')).toBe('ISO_10918_1');
    expect(Number(first(out.ds, '00282112'))).toBe(8.5);
  });

  it('blanks everything outside the Sequence of Ultrasound Regions, and nothing inside', async () => {
    const region = { '00186011': el('SQ', { '00186018': el('UL', 100), '0018601A': el('UL', 60), '0018601C': el('UL', 539), '0018601E': el('UL', 440) }) };
    const r = await deidentifyInstance(part10(usDataset(img, region)), opts);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const { pixels } = await outputPixels(r.part10);
    let inside = 0;
    let outsideLit = 0;
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 640; x++) {
        const i = y * 640 + x;
        const inRegion = x >= 100 && x <= 539 && y >= 60 && y <= 440;
        if (inRegion && pixels[i] === img.pixels[i]) inside++;
        if (!inRegion && pixels[i] !== 0) outsideLit++;
      }
    }
    expect(outsideLit).toBe(0);
    expect(inside).toBe(440 * 381);
    expect(r.report.pixels.steps[0].kind).toBe('us-regions');
  });

  it('blanks the regions of a matching device signature (data-driven table)', async () => {
    const ds = usDataset(img, { '00081090': el('LO', 'TESTSCOPE 9'), '00280301': el('CS', 'NO') });
    const signatures = [{ id: 'test-scope', match: { ManufacturerModelName: { contains: 'testscope' }, Rows: { equals: '480' } }, regions: [[0, 0, 640, 30]] as const, reason: 'test', source: 'test' }];
    const r = await deidentifyInstance(part10(ds), { ...opts, pixels: { signatures } });
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const { pixels } = await outputPixels(r.part10);
    expect(pixels.subarray(0, 640 * 30).every((v) => v === 0)).toBe(true);
    expect(Buffer.from(pixels.subarray(640 * 30)).equals(Buffer.from(img.pixels.subarray(640 * 30)))).toBe(true);
    expect(r.report.pixels.steps.map((s) => s.detail)).toEqual(['test-scope']);
  });

  it('quarantines Burned In Annotation YES when no text is located, undecodable pixels, cleaning off, and faces YES with none found', async () => {
    const plain = await synthTextImage(320, 240, [], 3);
    const noText = await deidentifyInstance(part10(usDataset(plain, { '00280301': el('CS', 'YES') })), opts);
    expect(noText).toMatchObject({ status: 'quarantined', code: 'PIXELS_UNCLEANABLE' });
    const garbage = usDataset(plain, { '00280301': el('CS', 'YES'), '7FE00010': el('OB', new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 1, 2, 3, 4]).buffer) });
    const bad = await deidentifyInstance(part10(garbage, '1.2.840.10008.1.2.4.50'), opts);
    expect(bad).toMatchObject({ status: 'quarantined', code: 'PIXELS_UNCLEANABLE' });
    const off = await deidentifyInstance(part10(usDataset(img, { '00280301': el('CS', 'YES') })), { ...opts, pixels: { cleanPixelData: false } });
    expect(off).toMatchObject({ status: 'quarantined', code: 'PIXELS_UNCLEANABLE' });
    // Recognizable Visual Features YES with no face found (a synthetic frame has none)
    const rvf = await deidentifyInstance(part10(usDataset(plain, { '00280301': el('CS', 'NO'), '00280302': el('CS', 'YES') })), opts);
    expect(rvf).toMatchObject({ status: 'quarantined', code: 'PIXELS_UNCLEANABLE' });
    if (rvf.status === 'quarantined') expect(rvf.reason).toMatch(/Recognizable Visual Features/);
  });
});

describe('real burned-in ultrasound (US_GREYSCALE_burnedin_PHI.dcm)', () => {
  it('finds the shared fixtures', () => expect(HAVE_FIXTURES).toBe(true));
  it('blanks the patient banner above the imaging region and keeps the region', async () => {
    const input = readFileSync(path.join(REAL_FIXTURES, 'US_GREYSCALE_burnedin_PHI.dcm'));
    const src = readPart10(input);
    const before = (await decodeImage(src.dataset, src.transferSyntaxUid)).frames[0];
    const r = await deidentifyInstance(input, opts);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const { ds, pixels } = await outputPixels(r.part10);
    // the banner (name, MRN, birth date, institution) is in rows 0–37, above the region (14,38)–(1010,758)
    expect(before.subarray(0, 1024 * 38).some((v) => v > 100)).toBe(true);
    expect(pixels.subarray(0, 1024 * 38).every((v) => v === 0)).toBe(true);
    let kept = 0;
    for (let y = 59; y <= 758; y++) for (let x = 14; x <= 1010; x++) if (pixels[y * 1024 + x] === before[y * 1024 + x]) kept++;
    expect(kept).toBe((758 - 59 + 1) * (1010 - 14 + 1));
    expect(first(ds, '00280301')).toBe('NO');
  });
});

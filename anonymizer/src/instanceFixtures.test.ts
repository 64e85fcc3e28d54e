/**
 * The whole instance path (pixel stage + header rules + leak gate) over every real fixture (issue 4 §6):
 * every output is released with zero leak-gate hits, the burned-in ultrasound fixtures are pixel-cleaned, and
 * dciodvfy finds no error in a pixel-cleaned output that it did not find in its input.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyInstance, type InstanceOutcome } from './deidentifyInstance.js';
import { readPart10 } from './dicom/io.js';
import { identityOf } from './identity.js';
import { leakScan } from './leakScan.js';
import { detectFaces } from './pixels/faces.js';
import { decodeImage, rgbFrame } from './pixels/image.js';
import { HAVE_FIXTURES, REAL_FIXTURES, SECRET } from './testing/build.js';
import { dciodvfyErrors, HAVE_DCIODVFY } from './testing/dciodvfy.js';

const files = HAVE_FIXTURES ? readdirSync(REAL_FIXTURES).filter((f) => f.endsWith('.dcm')).sort() : [];
const results = new Map<string, InstanceOutcome>();
const dir = mkdtempSync(path.join(tmpdir(), 'hoichan-instance-'));

// No skip when the fixtures or dciodvfy are missing: the suite fails and says what to install.
describe('deidentifyInstance on shared/fixtures/real', () => {
  it('finds the shared fixtures', () => expect(HAVE_FIXTURES, 'shared/fixtures/real beside the clone (or HOICHAN_SHARED)').toBe(true));
  beforeAll(async () => {
    for (const f of files) results.set(f, await deidentifyInstance(readFileSync(path.join(REAL_FIXTURES, f)), { siteSecret: SECRET, pseudonym: 'HC-2026-0300' }));
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.for(files)('%s: released with zero leak-gate hits', (file) => {
    const r = results.get(file);
    expect(r?.status, r?.status === 'quarantined' ? r.reason : '').toBe('released');
    if (r?.status !== 'released') return;
    const source = readPart10(readFileSync(path.join(REAL_FIXTURES, file))).dataset;
    expect(leakScan(r.part10, identityOf(source)).hits).toEqual([]);
  });

  it('cleans the pixels of the ultrasound fixtures with burned-in text', () => {
    for (const f of ['US_GREYSCALE_burnedin_PHI.dcm', 'US_multiframe_ybr_burnedin.dcm', 'US-PAL-8-10x-echo.dcm', 'US1_J2KI.dcm']) {
      expect(results.get(f)?.report.pixels.status, f).toBe('cleaned');
    }
    // CT and MR do not burn text and are not photos: their pixels are not touched
    expect(results.get('CT_small.dcm')?.report.pixels.status).toBe('untouched');
  });

  it('re-encodes cleaned compressed fixtures losslessly: same syntax when lossless, JPEG-LS Lossless after a lossy one', async () => {
    const expected: [string, string, string | undefined][] = [
      ['US-PAL-8-10x-echo.dcm', '1.2.840.10008.1.2.5', undefined], // RLE stays RLE
      ['US_multiframe_ybr_burnedin.dcm', '1.2.840.10008.1.2.4.80', 'ISO_10918_1'], // JPEG Baseline source
      ['US1_J2KI.dcm', '1.2.840.10008.1.2.4.80', 'ISO_15444_1'], // JPEG 2000 lossy source
    ];
    for (const [f, ts, method] of expected) {
      const r = results.get(f);
      if (r?.status !== 'released') throw new Error(`${f} not released`);
      const out = readPart10(r.part10);
      expect(out.transferSyntaxUid, f).toBe(ts);
      const img = await decodeImage(out.dataset, out.transferSyntaxUid);
      expect(img.frames.length, f).toBe(Number(out.dataset['00280008']?.Value?.[0] ?? 1));
      if (!method) continue;
      expect(out.dataset['00282110']?.Value, f).toEqual(['01']);
      expect(out.dataset['00282114']?.Value?.[0], f).toBe(method);
    }
  });

  it('covers the face of OT-PAL-8-face (palette Secondary Capture) so that the detector finds none (G-2.4)', async () => {
    const r = results.get('OT-PAL-8-face_nometa.dcm');
    expect(r?.status).toBe('released');
    if (r?.status !== 'released') return;
    expect(r.report.pixels.steps.map((s) => s.kind)).toContain('faces');
    const out = readPart10(r.part10);
    const img = await decodeImage(out.dataset, out.transferSyntaxUid);
    expect(await detectFaces(rgbFrame(img, 0), img.columns, img.rows)).toEqual([]);
    expect(r.report.header?.methodCodes).toContain('113102');
  });

  it('dciodvfy: no new error in any pixel-cleaned output', () => {
    expect(HAVE_DCIODVFY, 'dciodvfy (dicom3tools; .ci/run installs it)').toBe(true);
    const cleaned = files.filter((f) => results.get(f)?.report.pixels.status === 'cleaned');
    expect(cleaned.length).toBeGreaterThanOrEqual(4);
    for (const f of cleaned) {
      const r = results.get(f);
      if (r?.status !== 'released') continue;
      const out = path.join(dir, f);
      writeFileSync(out, r.part10);
      const before = dciodvfyErrors(path.join(REAL_FIXTURES, f));
      expect([...dciodvfyErrors(out)].filter((e) => !before.has(e)), f).toEqual([]);
    }
  });
});

/**
 * The viewer in a real browser (issue 6): Debian's Chromium driven by playwright-core against a real gateway
 * process. Logs in through the UI, opens a synthetic CT study, compares the first image with a golden PNG,
 * drags W/L, measures, checks the case summary panel (G-1.4) and that no identity reaches the viewer screen
 * (G-2.3), Vietnamese text, layouts with synchronized scrolling, MPR, cine, and every transfer syntax of
 * shared/fixtures/real. One browser at a time (2 cores).
 *
 * Golden image: fixtures/golden/viewer-ct40-middle.png. To regenerate after a deliberate rendering change:
 * HOICHAN_UPDATE_GOLDEN=1, then look at the file before committing it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { spawnGateway, stopGateway, ROOT } from '../helpers/process.js';
import { FIXTURES } from '../helpers/gateway.js';
import { ensureSeries } from '../bench/lib.js';
import {
  ensureViewerBuilt, launchChromium, loginToken, stowFiles, canvasStats, compareWithGolden, saveCanvasPng,
  smallScreenshot, waitViewportSettled,
} from './support.js';
import { deriveSeries } from './series.js';

const PASSWORD = 'e2e-admin-password-1';
const TMP = path.join(ROOT, 'test', '.tmp');
const GOLDEN = path.join(ROOT, 'fixtures', 'golden', 'viewer-ct40-middle.png');
const DOCS = path.join(ROOT, 'viewer', 'docs');
const VIEWPORT = { width: 1366, height: 768 };

/** The case summary handed to the viewer; `patientName` must be dropped before display (G-2.3). */
const CASE = {
  pseudonym: 'HC-2025-0042',
  ageSex: '54 · Nam',
  history: 'Ho kéo dài 3 tháng, sụt 5 kg. Hút thuốc lá 30 gói-năm.',
  examination: 'Ran nổ đáy phổi phải. SpO₂ 94 %.',
  paraclinical: 'CT ngực: khối mờ thuỳ dưới phổi phải 3,2 cm. CEA 12 ng/mL.',
  preliminaryDiagnosis: 'U phổi phải, theo dõi ung thư biểu mô tuyến.',
  question: 'Xin ý kiến: sinh thiết xuyên thành ngực hay nội soi phế quản?',
  patientName: 'DOE^JOHN',
};

/** One fixture per transfer syntax (and photometric interpretation) that must render non-blank. */
const RENDERS: [file: string, what: string][] = [
  ['MR_small_implicit.dcm', 'Implicit VR Little Endian'],
  ['CT_small.dcm', 'Explicit VR Little Endian'],
  ['MR_small_bigendian.dcm', 'Explicit VR Big Endian'],
  ['image_dfl.dcm', 'Deflated Explicit VR Little Endian'],
  ['CT_brain_synthetic_PHI.dcm', 'JPEG Baseline (YBR_FULL_422)'],
  ['XC_jpeg_with_icon.dcm', 'JPEG Baseline with icon'],
  ['JPGExtended.dcm', 'JPEG Extended 12-bit'],
  ['CT0012_jpeg_lossless57_frag_nobot.dcm', 'JPEG Lossless P14 (.57), fragmented, no BOT'],
  ['JPGLosslessP14SV1_US_8bit.dcm', 'JPEG Lossless SV1 (.70)'],
  ['CR_MONO1_ModalityLUTSeq_jpegll.dcm', 'JPEG Lossless SV1, MONOCHROME1, Modality LUT Sequence'],
  ['MR_small_jpeg_ls_lossless.dcm', 'JPEG-LS Lossless'],
  ['CT1_JLSN.dcm', 'JPEG-LS Near-Lossless'],
  ['MR_small_jp2klossless.dcm', 'JPEG 2000 Lossless'],
  ['US1_J2KI.dcm', 'JPEG 2000 (YBR_ICT)'],
  ['HTJ2KLossless_08_RGB.dcm', 'HTJ2K Lossless RGB'],
  ['MR_small_RLE.dcm', 'RLE Lossless'],
  ['US-PAL-8-10x-echo.dcm', 'RLE, PALETTE COLOR, 10 frames'],
  ['US_palette_color.dcm', 'PALETTE COLOR (Explicit LE)'],
  ['OT-PAL-8-face_nometa.dcm', 'no File Meta, PALETTE COLOR'],
  ['CT_small_no_meta.dcm', 'no File Meta, Explicit LE'],
  ['US_multiframe_ybr_burnedin.dcm', 'JPEG Baseline, 30 frames'],
  ['XA_multiframe96_jpeg.dcm', 'JPEG Baseline, 96 frames'],
  ['NM-MONO2-16-13x-heart.dcm', 'NM 13 frames'],
  ['emri_small.dcm', 'Enhanced MR, 10 frames'],
  ['PT_ACRIN-FLT-Breast_029.dcm', 'PET'],
  ['US_GREYSCALE_burnedin_PHI.dcm', 'US 8-bit'],
  ['OP_ophthalmic_jpegll.dcm', 'OP JPEG Lossless'],
  ['MR_empty_PatientName.dcm', 'MR with VOI LUT Function'],
  ['SC_rgb_small_odd.dcm', 'RGB 3×3'],
];
/** Instances without pixels: the viewer says so instead of drawing. */
const NO_PIXELS = ['ECG_waveform.dcm', 'SR_deep_nesting.dcm', 'RTSTRUCT_nometa.dcm'];

describe('viewer (browser, playwright-core + Debian chromium)', () => {
  let gw: Awaited<ReturnType<typeof spawnGateway>>;
  let browser: Browser;
  let page: Page;
  let token: string;
  let dataDir: string;
  let study: string;
  let seriesA: string;
  let seriesB: string;
  const errors: string[] = [];
  let current = '';

  const auth = () => `Bearer ${token}`;

  /** Opens the viewer on a study with the stored session (reload: the app reads the session at start). */
  async function openStudy(p: Page, studyUid: string): Promise<void> {
    await p.evaluate((h) => history.replaceState(null, '', h), `/#/view/${studyUid}`);
    await p.reload();
  }

  beforeAll(async () => {
    ensureViewerBuilt();
    fs.mkdirSync(TMP, { recursive: true });
    const ct = ensureSeries(path.join(TMP, 'e2e-ct40'), 40, { GEN_SEED: '40' });
    const ctB = await deriveSeries(ct, path.join(TMP, 'e2e-ct40-b'), { every: 2, seed: 'e2e-ct40-b', seriesNumber: 4, description: 'AXIAL 2.5mm' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-e2e-'));
    gw = await spawnGateway({ HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD, HOICHAN_FSYNC: 'false' });
    token = await loginToken(gw.url, 'admin', PASSWORD);
    const a = await stowFiles(`${gw.url}/dicom-web`, auth(), ct, 20);
    const b = await stowFiles(`${gw.url}/dicom-web`, auth(), ctB, 20);
    expect([...a, ...b].map((r) => r.status)).toEqual([...a, ...b].map(() => 200));
    study = a[0]!.studies[0]!;
    const series = (await (await fetch(`${gw.url}/dicom-web/studies/${study}/series`, { headers: { authorization: auth() } })).json()) as Record<string, { Value: unknown[] }>[];
    const byNumber = (n: number) => String(series.find((s) => Number(s['00200011']?.Value[0]) === n)!['0020000E']!.Value[0]);
    seriesA = byNumber(3);
    seriesB = byNumber(4);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => errors.push(`${current}: ${e.message}`));
  }, 240_000);

  beforeEach((ctx) => {
    current = ctx.task.name;
  });

  afterAll(async () => {
    await browser?.close();
    await stopGateway(gw);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the app at / with an SPA fallback, while API 404s stay problem+json', async () => {
    const index = await fetch(`${gw.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    const deep = await fetch(`${gw.url}/view/some/deep/link`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app"');
    for (const p of ['/api/nope', '/dicom-web/nope/x', '/assets/missing-file.js']) {
      const r = await fetch(`${gw.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(r.headers.get('content-type'), p).toMatch(/application\/problem\+json/);
    }
    const asset = fs.readdirSync(path.join(ROOT, 'viewer/dist/assets')).find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${gw.url}/assets/${asset}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
  });

  it('logs in through the UI (Vietnamese first) and lists the study; name search is fuzzy', async () => {
    await page.goto(`${gw.url}/`);
    await page.waitForSelector('#login-username');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await page.textContent('h1')).toBe('Đăng nhập');
    await page.fill('#login-username', 'admin');
    await page.fill('#login-password', 'wrong-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#login-error')).toContain('Sai tên đăng nhập');
    await page.fill('#login-password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector(`[data-testid=study-table] tr[data-study="${study}"]`);
    expect(await page.textContent('main h1')).toBe('Danh sách ca chụp');
    await page.waitForTimeout(500);
    await smallScreenshot(page, path.join(DOCS, 'studies.png'));
    // gen-series names the patient "Doe^John…": lower case, no caret, words in any position.
    await page.fill('#q-name', 'john doe');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector(`[data-testid=study-table] tr[data-study="${study}"]`);
    await page.fill('#q-name', 'nobody-here');
    await page.click('form[role=search] button[type=submit]');
    await expect.poll(() => page.locator('[data-testid=study-table] tbody tr').count()).toBe(0);
    await page.click('text=Xoá bộ lọc');
    await page.waitForSelector(`[data-testid=study-table] tr[data-study="${study}"]`);
  });

  it('opens the study: the first image shows before the series is loaded and matches the golden image', async () => {
    await page.evaluate(({ s, c }) => window.hoichan!.setCase!(s, c as never), { s: study, c: CASE });
    await page.click(`a[data-study="${study}"]`);
    await page.waitForSelector('[data-first-image=true]', { timeout: 30_000 });
    await page.waitForSelector('[data-series-loaded=true]', { timeout: 60_000 });
    const stats = await page.evaluate(() => window.hoichan!.viewer!.stats);
    expect(stats.firstImageAt).not.toBeNull();
    expect(stats.firstImageAt!).toBeLessThanOrEqual(stats.seriesLoadedAt!);
    expect(stats.cells[0]).toMatchObject({ status: 'ready', imageIndex: 19, count: 40, seriesUid: seriesA });
    const overlay = await page.textContent('[data-testid=viewport-0] [data-testid=wl]');
    expect(overlay).toContain('W: 1500 L: -600');
    if (!fs.existsSync(GOLDEN) || process.env.HOICHAN_UPDATE_GOLDEN) await saveCanvasPng(page, 0, GOLDEN);
    const cmp = await compareWithGolden(page, 0, GOLDEN);
    expect(cmp.meanDiff, JSON.stringify(cmp)).toBeLessThan(4);
    expect(cmp.within, JSON.stringify(cmp)).toBeGreaterThan(0.98);
    await smallScreenshot(page, path.join(DOCS, 'viewer.png'));
  });

  it('a W/L drag changes the pixels and the readout', async () => {
    const before = await canvasStats(page, 0);
    const box = (await page.locator('[data-testid=viewport-0] .vp-element').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy + 90, { steps: 10 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    const after = await canvasStats(page, 0);
    expect(Math.abs(after.mean - before.mean)).toBeGreaterThan(5);
    expect(await page.textContent('[data-testid=viewport-0] [data-testid=wl]')).not.toContain('W: 1500 L: -600');
    // Reset (Esc) brings the stored window back.
    await page.locator('[data-testid=viewport-0] .vp-element').focus();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    expect(await page.textContent('[data-testid=viewport-0] [data-testid=wl]')).toContain('W: 1500 L: -600');
    const cmp = await compareWithGolden(page, 0, GOLDEN);
    expect(cmp.meanDiff).toBeLessThan(4);
  });

  it('CT presets, invert, rotate and flips change the image; reset restores it', async () => {
    const golden = () => compareWithGolden(page, 0, GOLDEN).then((c) => c.meanDiff);
    await page.selectOption('#preset-select', 'bone');
    await page.waitForTimeout(200);
    expect(await page.textContent('[data-testid=viewport-0] [data-testid=wl]')).toContain('W: 2000 L: 300');
    // The phantom is left-right symmetric: a horizontal flip barely changes pixels, so check the camera too.
    for (const tool of ['invert', 'rotate', 'flipH', 'flipV']) {
      await page.click('button[data-tool=reset]');
      await page.waitForTimeout(150);
      await page.click(`button[data-tool=${tool}]`);
      await page.waitForTimeout(250);
      expect(await golden(), tool).toBeGreaterThan(tool === 'flipH' ? 0.5 : 4);
    }
    expect(await page.evaluate(() => window.hoichan!.viewer!.viewport(0)!.getCamera().flipHorizontal)).toBe(false);
    await page.click('button[data-tool=flipH]');
    expect(await page.evaluate(() => window.hoichan!.viewer!.viewport(0)!.getCamera().flipHorizontal)).toBe(true);
    await page.click('button[data-tool=reset]');
    await page.waitForTimeout(250);
    expect(await golden()).toBeLessThan(4);
  });

  it('scrolls with the keyboard and the wheel', async () => {
    await page.locator('[data-testid=viewport-0] .vp-element').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toBe('Ảnh 22/40');
    const box = (await page.locator('[data-testid=viewport-0] .vp-element').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -120);
    await expect.poll(() => page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toBe('Ảnh 21/40');
    await page.keyboard.press('Home');
    await expect.poll(() => page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toBe('Ảnh 1/40');
    await page.keyboard.press('End');
    await expect.poll(() => page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toBe('Ảnh 40/40');
  });

  it('measures a length in mm, an angle, an ellipse and an arrow note', async () => {
    await page.keyboard.press('Home');
    const box = (await page.locator('[data-testid=viewport-0] .vp-element').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.click('button[data-tool=length]');
    await page.mouse.move(cx - 150, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 150, cy, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-testid=measurement-value]').first().textContent()).toMatch(/^\d+,\d mm$/);
    // 300 screen px at the displayed scale (the 512-px image fits the cell's height) × 0.703125 mm/px.
    // Cornerstone updates the statistics throttled: poll until the final value arrives.
    const canvasHeight = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('[data-testid="viewport-0"] canvas')!.clientHeight);
    const expected = (300 * 512) / canvasHeight * 0.703125;
    const relErr = async () => {
      const text = (await page.locator('[data-testid=measurement-value]').first().textContent())!;
      return Math.abs(Number(text.replace(' mm', '').replace('.', '').replace(',', '.')) - expected) / expected;
    };
    await expect.poll(relErr, { message: `length vs ${expected.toFixed(1)} mm (canvas ${canvasHeight} px high)` }).toBeLessThan(0.03);

    await page.click('button[data-tool=ellipse]');
    await page.mouse.move(cx - 100, cy - 150);
    await page.mouse.down();
    await page.mouse.move(cx - 20, cy - 60, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-testid=measurement-value]').count()).toBe(2);
    // Bottom left: clear of the other annotations and their text boxes (a press on one would move it).
    await page.click('button[data-tool=arrow]');
    await page.mouse.move(cx - 250, cy + 170);
    await page.mouse.down();
    await page.mouse.move(cx - 180, cy + 230, { steps: 6 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid=text-dialog] input');
    await page.fill('[data-testid=text-dialog] input', 'Cột sống');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=measurement-value]').allTextContents()).toContain('Cột sống');
    // The angle last: it is drawn with three clicks, and a click elsewhere before the third would end it.
    await page.click('button[data-tool=angle]');
    for (const [x, y] of [[cx + 100, cy - 200], [cx + 150, cy - 120], [cx + 250, cy - 150]] as const) {
      await page.mouse.move(x, y, { steps: 4 });
      await page.mouse.down();
      await page.mouse.up();
      await page.waitForTimeout(150);
    }
    await expect.poll(() => page.locator('[data-testid=measurement-value]').allTextContents()).toHaveLength(4);
    const values = await page.locator('[data-testid=measurement-value]').allTextContents();
    expect(values.some((v) => /°$/.test(v))).toBe(true);
    expect(values.some((v) => /mm²/.test(v) && /HU/.test(v))).toBe(true);
    expect(values).toContain('Cột sống');
    await smallScreenshot(page, path.join(DOCS, 'measurements.png'));
    await page.click('text=Xoá tất cả số đo');
    await expect.poll(() => page.locator('[data-testid=measurement-value]').count()).toBe(0);
    await page.click('button[data-tool=wl]');
  });

  it('the case summary panel shows the fields and the pseudonym; no identity reaches the viewer (G-2.3)', async () => {
    const panel = page.locator('[data-testid=case-summary]');
    expect(await panel.locator('[data-field=pseudonym]').textContent()).toBe(CASE.pseudonym);
    for (const k of ['history', 'examination', 'paraclinical', 'preliminaryDiagnosis', 'question'] as const) {
      expect(await panel.locator(`[data-field=${k}]`).textContent(), k).toBe(CASE[k]);
    }
    const text = await page.evaluate(() => document.body.innerText + document.title);
    // gen-series writes "Doe^John Quincy…", PatientID PAT1000040, birth date 19800101-ish: none may appear.
    for (const leak of ['Doe', 'DOE', 'John', 'PAT1000040']) expect(text, leak).not.toContain(leak);
    // Collapse and expand: the images take the width.
    const before = (await page.locator('[data-testid=viewport-0]').boundingBox())!.width;
    await panel.locator('.case-toggle').click();
    await expect.poll(async () => (await page.locator('[data-testid=viewport-0]').boundingBox())!.width).toBeGreaterThan(before + 100);
    expect(await panel.locator('.case-toggle').getAttribute('aria-expanded')).toBe('false');
    await panel.locator('.case-toggle').click();
    await expect.poll(async () => (await page.locator('[data-testid=viewport-0]').boundingBox())!.width).toBeLessThan(before + 5);
  });

  it('renders Vietnamese with a font that has the glyphs, and switches to English', async () => {
    const fonts = await page.evaluate(async () => {
      await document.fonts.ready;
      const faces = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans');
      return {
        vietnameseLoaded: faces.some((f) => f.unicodeRange.includes('1EA0') && f.status === 'loaded'),
        check: document.fonts.check('16px "Noto Sans"', 'Tóm tắt bệnh án · Chẩn đoán sơ bộ · ệ ở ữ ặ'),
        family: getComputedStyle(document.body).fontFamily,
      };
    });
    expect(fonts.vietnameseLoaded).toBe(true);
    expect(fonts.check).toBe(true);
    expect(fonts.family).toMatch(/Noto Sans/);
    expect(await page.textContent('[data-testid=case-summary] h2')).toBe('Tóm tắt bệnh án');
    await smallScreenshot(page, path.join(DOCS, 'case-summary-vi.png'), 0.8, '[data-testid=case-summary]');
    await page.click('button[data-lang=en]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('[data-testid=case-summary] h2')).toBe('Case summary');
    expect(await page.getAttribute('button[data-tool=length]', 'aria-label')).toMatch(/Measure a length/);
    expect(await page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toMatch(/^Image \d+\/40$/);
    await smallScreenshot(page, path.join(DOCS, 'viewer-en.png'));
    await page.click('button[data-lang=vi]');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
  });

  it('1×2 layout shows both series; synchronized scrolling follows slice position', async () => {
    await page.selectOption('#layout-select', 'oneByTwo');
    await waitViewportSettled(page, 1);
    expect((await page.evaluate(() => window.hoichan!.viewer!.stats)).cells.map((c) => c.seriesUid)).toEqual([seriesA, seriesB]);
    await page.click('button[data-tool=sync]');
    expect(await page.getAttribute('button[data-tool=sync]', 'aria-pressed')).toBe('true');
    await page.locator('[data-testid=viewport-0] .vp-element').focus();
    await page.keyboard.press('Home');
    for (let k = 0; k < 10; k++) await page.keyboard.press('ArrowDown');
    // Series B holds every second slice of A: slice 11 of A (index 10) lies on slice 6 of B (index 5).
    await expect.poll(async () => (await page.evaluate(() => window.hoichan!.viewer!.stats)).cells.map((c) => c.imageIndex)).toEqual([10, 5]);
    await smallScreenshot(page, path.join(DOCS, 'layout-sync.png'));
    await page.click('button[data-tool=sync]');
    await page.selectOption('#layout-select', 'twoByTwo');
    await expect.poll(() => page.locator('.vp-cell').count()).toBe(4);
    await page.selectOption('#layout-select', 'one');
    await expect.poll(() => page.locator('.vp-cell').count()).toBe(1);
  });

  it('MPR shows axial, sagittal and coronal planes of the CT volume', async () => {
    await page.click('button[data-tool=mpr]');
    await page.waitForSelector('[data-mpr=ready]', { timeout: 60_000 });
    await page.waitForTimeout(1500);
    for (const i of [0, 1, 2]) {
      const s = await canvasStats(page, i);
      expect(s.nonBlack, `plane ${i}`).toBeGreaterThan(0.02);
      expect(s.std, `plane ${i}`).toBeGreaterThan(10);
    }
    expect(await page.textContent('[data-testid=viewport-1] .ov-tr')).toBe('Mặt cắt dọc giữa');
    await smallScreenshot(page, path.join(DOCS, 'mpr.png'));
    await page.click('button[data-tool=mpr]');
    await waitViewportSettled(page, 0);
    expect(await page.locator('.vp-cell').count()).toBe(1);
  });

  it('every transfer syntax of shared/fixtures/real renders non-blank; instances without pixels say so', async () => {
    const results: string[] = [];
    const failures: string[] = [];
    for (const [file, what] of [...RENDERS.map(([f, w]) => [f, w, 'render'] as const), ...NO_PIXELS.map((f) => [f, 'no pixels', 'none'] as const)].map(([f, w, k]) => [f, `${w}|${k}`] as const)) {
      const [label, kind] = what.split('|') as [string, string];
      const [st] = await stowFiles(`${gw.url}/dicom-web`, auth(), [path.join(FIXTURES, file)]);
      const uid = st!.studies[0];
      if (!uid || st!.status >= 300 && st!.status !== 202) {
        failures.push(`${file}: STOW ${st!.status}`);
        continue;
      }
      await openStudy(page, uid);
      const status = await waitViewportSettled(page, 0, 30_000).catch(() => 'timeout');
      if (kind === 'render') {
        const s = status === 'ready' ? await canvasStats(page, 0) : null;
        const ok = !!s && s.nonBlack > 0.005 && s.std > 1;
        results.push(`${ok ? 'ok  ' : 'FAIL'} ${file} (${label}): ${status}${s ? ` mean ${s.mean.toFixed(1)} sd ${s.std.toFixed(1)} non-black ${(100 * s.nonBlack).toFixed(1)}%` : ''}`);
        if (!ok) failures.push(`${file}: ${status} ${JSON.stringify(s)}`);
      } else {
        results.push(`${status === 'unsupported' ? 'ok  ' : 'FAIL'} ${file}: ${status}`);
        if (status !== 'unsupported') failures.push(`${file}: ${status}`);
      }
      // Same SOP Instance UIDs recur across fixtures (MR_small_* in five syntaxes): remove before the next.
      await fetch(`${gw.url}/dicom-web/studies/${uid}`, { method: 'DELETE', headers: { authorization: auth() } });
    }
    console.log(results.join('\n'));
    expect(failures).toEqual([]);
  }, 600_000);

  it('cine plays a multi-frame instance', async () => {
    const [st] = await stowFiles(`${gw.url}/dicom-web`, auth(), [path.join(FIXTURES, 'XA_multiframe96_jpeg.dcm')]);
    await openStudy(page, st!.studies[0]!);
    expect(await waitViewportSettled(page, 0)).toBe('ready');
    expect(await page.textContent('[data-testid=viewport-0] [data-testid=image-index]')).toBe('Ảnh 1/96');
    await page.click('button[data-tool=cine]');
    expect(await page.getAttribute('[data-testid=viewport-0]', 'data-cine')).toBe('playing');
    await expect.poll(async () => (await page.evaluate(() => window.hoichan!.viewer!.stats)).cells[0]!.imageIndex, { timeout: 10_000 }).toBeGreaterThan(5);
    await page.click('button[data-tool=cine]');
    expect(await page.getAttribute('[data-testid=viewport-0]', 'data-cine')).toBeNull();
  });

  it("the page's Content-Security-Policy stops an injected inline script and a fetch to another origin", async () => {
    const r = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.head.append(s);
      let fetched = 'yes';
      try { await fetch('http://127.0.0.1:9/steal'); } catch { fetched = 'blocked'; }
      return { injected: (window as unknown as { __injected?: boolean }).__injected ?? false, fetched };
    });
    expect(r).toEqual({ injected: false, fetched: 'blocked' });
  });

  it('raised no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});

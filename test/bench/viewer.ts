/**
 * Viewer benchmark (issue 6, item 6): the same viewer build reads a synthetic CT over DICOMweb from Hoichan
 * and from Orthanc (only `?dicomweb=…&auth=none` differs), in Debian's Chromium (playwright-core).
 *   - time to first image, from navigation start of a cold browser context (the viewer's own code included),
 *     for a 200-instance and a 500-instance CT study;
 *   - time until the whole 500-instance series is in the viewer's cache;
 *   - stack scroll speed (images drawn per second, one image per step, each waited for).
 * Targets on this machine: first image ≤ 2 s for the 200-instance study, scroll ≥ 20 images/s.
 * Run: pnpm exec tsx test/bench/viewer.ts   (needs chromium, orthanc, orthanc-dicomweb, python3-pydicom)
 * Env: BENCH_RUNS (default 3) runs per case, median reported; BENCH_SKIP_ORTHANC=1 for Hoichan only;
 *      BENCH_VIEWER_QUERY extra viewer settings for both, e.g. `workers=2&prefetch=4`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { spawnGateway, waitExit, ROOT } from '../helpers/process.js';
import { ensureSeries, orthancDown, orthancUp, printTable, stats } from './lib.js';
import { ensureViewerBuilt, launchChromium, loginToken, stowFiles } from '../e2e/support.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ORTHANC = 'http://127.0.0.1:8042/dicom-web';
const PASSWORD = 'bench-admin-password-1';

interface Target {
  name: 'Hoichan' | 'Orthanc';
  /** Query string selecting the DICOMweb source. */
  query: string;
  /** A session to put in sessionStorage before the app starts (Hoichan's bearer token). */
  session: string | null;
}

interface Run {
  firstImageMs: number;
  seriesLoadedMs: number | null;
  scrollFps: number | null;
}

/** Opens `#/view/<study>` in a fresh browser context and reads the viewer's timings. */
async function openOnce(browser: Browser, appUrl: string, t: Target, study: string, withScroll: boolean): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
  try {
    if (t.session) await context.addInitScript((s) => sessionStorage.setItem('hoichan.session', s), t.session);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${appUrl}/${t.query}#/view/${study}`);
    await page.waitForSelector('[data-first-image=true]', { timeout: 60_000, state: 'attached' });
    await page.waitForSelector('[data-series-loaded=true]', { timeout: 300_000, state: 'attached' });
    // performance.now() counts from the navigation start: the viewer's code loading is included.
    const s = (await page.evaluate(() => window.hoichan!.viewer!.stats)) as { firstImageAt: number; seriesLoadedAt: number | null };
    let scrollFps: number | null = null;
    if (withScroll) {
      await page.locator('[data-testid=viewport-0] .vp-element').focus();
      const r = (await page.evaluate(() => window.hoichan!.viewer!.scrollBenchmark(200))) as { fps: number };
      scrollFps = r.fps;
    }
    if (errors.length) console.warn(`${t.name}: page errors: ${errors.slice(0, 3).join(' | ')}`);
    return { firstImageMs: s.firstImageAt, seriesLoadedMs: s.seriesLoadedAt, scrollFps };
  } finally {
    await context.close();
  }
}

async function measure(browser: Browser, appUrl: string, t: Target, study: string, withScroll: boolean): Promise<{ first: number; loaded: number; fps: number }> {
  const runs: Run[] = [];
  // One warm-up run (the OS file cache and the server's own caches), then the measured ones.
  await openOnce(browser, appUrl, t, study, false);
  for (let i = 0; i < RUNS; i++) runs.push(await openOnce(browser, appUrl, t, study, withScroll));
  const med = (xs: number[]) => stats(xs).p50;
  const out = {
    first: med(runs.map((r) => r.firstImageMs)),
    loaded: med(runs.map((r) => r.seriesLoadedMs ?? NaN)),
    fps: withScroll ? med(runs.map((r) => r.scrollFps ?? 0)) : NaN,
  };
  console.log(`${t.name.padEnd(8)} ${study.slice(-12)}: first image ${runs.map((r) => r.firstImageMs.toFixed(0)).join(' / ')} ms · series ${runs.map((r) => r.seriesLoadedMs?.toFixed(0)).join(' / ')} ms${withScroll ? ` · scroll ${runs.map((r) => r.scrollFps?.toFixed(1)).join(' / ')} img/s` : ''}`);
  return out;
}

async function studyOf(files: string[], root: string, auth: string | null): Promise<string> {
  const results = await stowFiles(root, auth, files, 50);
  const bad = results.filter((r) => r.status !== 200);
  if (bad.length) throw new Error(`STOW to ${root}: ${bad.map((r) => r.status).join(',')}`);
  return results[0]!.studies[0]!;
}

async function main(): Promise<void> {
  ensureViewerBuilt();
  const s500 = ensureSeries(path.join(os.tmpdir(), 'hoichan-bench-s500'), 500);
  const s200 = ensureSeries(path.join(os.tmpdir(), 'hoichan-bench-s200'), 200, { GEN_SEED: '200' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-bench-viewer-'));
  // The compiled gateway, as `npm start` runs it (the other benchmarks do the same).
  // The same page reads Orthanc's DICOMweb: allow its origin in the page's CSP (connect-src).
  const gw = await spawnGateway({ HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD, HOICHAN_LOG_LEVEL: 'warn', HOICHAN_VIEWER_CONNECT_SRC: new URL(ORTHANC).origin }, { compiled: fs.existsSync(path.join(ROOT, 'gateway/dist/main.js')) });
  let browser: Browser | null = null;
  const withOrthanc = process.env.BENCH_SKIP_ORTHANC !== '1';
  try {
    const token = await loginToken(gw.url, 'admin', PASSWORD);
    const study500 = await studyOf(s500, `${gw.url}/dicom-web`, `Bearer ${token}`);
    const study200 = await studyOf(s200, `${gw.url}/dicom-web`, `Bearer ${token}`);
    if (withOrthanc) {
      orthancUp();
      await studyOf(s500, ORTHANC, null);
      await studyOf(s200, ORTHANC, null);
    }
    const session = JSON.stringify({ token, expiresAt: null, user: { username: 'admin', roles: ['admin'] } });
    const extra = process.env.BENCH_VIEWER_QUERY ?? '';
    const hoichan: Target = { name: 'Hoichan', query: extra ? `?${extra}` : '', session };
    const orthanc: Target = { name: 'Orthanc', query: `?dicomweb=${encodeURIComponent(ORTHANC)}&auth=none${extra ? `&${extra}` : ''}`, session: null };
    // Same browser and flags for both; web security off so the page (served by the gateway) may call Orthanc,
    // which sends no CORS headers.
    browser = await launchChromium(['--disable-web-security']);
    const h200 = await measure(browser, gw.url, hoichan, study200, false);
    const h500 = await measure(browser, gw.url, hoichan, study500, true);
    const o200 = withOrthanc ? await measure(browser, gw.url, orthanc, study200, false) : null;
    const o500 = withOrthanc ? await measure(browser, gw.url, orthanc, study500, true) : null;
    console.log(`\nViewer over DICOMweb, ${RUNS} runs each (median), cold browser context per run, ${os.cpus().length} cores:\n`);
    printTable([
      { metric: 'first image, 200-instance CT', hoichan: h200.first, orthanc: o200?.first ?? NaN, unit: 'ms', better: 'lower', target: '≤ 2000 ms' },
      { metric: 'first image, 500-instance CT', hoichan: h500.first, orthanc: o500?.first ?? NaN, unit: 'ms', better: 'lower' },
      { metric: 'whole series, 200-instance CT', hoichan: h200.loaded, orthanc: o200?.loaded ?? NaN, unit: 'ms', better: 'lower' },
      { metric: 'whole series, 500-instance CT', hoichan: h500.loaded, orthanc: o500?.loaded ?? NaN, unit: 'ms', better: 'lower' },
      { metric: 'stack scroll, 500-instance CT', hoichan: h500.fps, orthanc: o500?.fps ?? NaN, unit: 'img/s', better: 'higher', target: '≥ 20 img/s' },
    ]);
  } finally {
    await browser?.close();
    if (withOrthanc) orthancDown();
    gw.child.kill('SIGTERM');
    await waitExit(gw.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { stowBody } from '../helpers/multipart.js';
import { ROOT } from '../helpers/process.js';

export const VIEWER_DIST = path.join(ROOT, 'viewer', 'dist');
export const CHROMIUM = process.env.HOICHAN_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium flags for this kind of machine (no GPU, no network beyond loopback; see shared/docs/stack-notes.md). */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'];

/** Builds the viewer when viewer/dist is missing (about a minute), with the viewer's own Vite. */
export function ensureViewerBuilt(): void {
  if (fs.existsSync(path.join(VIEWER_DIST, 'index.html'))) return;
  const vite = path.join(ROOT, 'viewer', 'node_modules', '.bin', 'vite');
  const r = spawnSync(vite, ['build'], { cwd: path.join(ROOT, 'viewer'), stdio: 'inherit' });
  if (r.status !== 0) throw new Error('viewer build failed (is the workspace installed?)');
}

/** Launches Debian's Chromium through playwright-core (never a downloaded browser). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: false, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** POST /api/auth/login → bearer token. */
export async function loginToken(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The outcome of one STOW-RS request. */
export interface StowResult {
  status: number;
  /** Study Instance UIDs named by the response's Retrieve URLs (PS3.18 10.5.3). */
  studies: string[];
  body: unknown;
}

/** STOW-RS the files in batches. `auth` is a full Authorization value or null. */
export async function stowFiles(dicomWebRoot: string, auth: string | null, files: string[], batch = 25): Promise<StowResult[]> {
  const results: StowResult[] = [];
  for (let i = 0; i < files.length; i += batch) {
    const { body, contentType } = stowBody(files.slice(i, i + batch).map((f) => fs.readFileSync(f)));
    const res = await fetch(`${dicomWebRoot}/studies`, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/dicom+json', ...(auth ? { authorization: auth } : {}) }, body });
    const text = await res.text();
    let json: unknown = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    const studies = new Set<string>();
    for (const m of text.matchAll(/\/studies\/([0-9.]+)/g)) studies.add(m[1]!);
    results.push({ status: res.status, studies: [...studies], body: json });
  }
  return results;
}

/** RGBA statistics of a viewport's canvas: mean grey, standard deviation, share of non-black pixels. */
export interface CanvasStats {
  width: number;
  height: number;
  mean: number;
  std: number;
  nonBlack: number;
}

/**
 * Statistics of the canvas inside viewport cell `index` (the 2D canvas Cornerstone draws onto), computed in
 * the page: moving the pixels over the DevTools protocol would take seconds per call.
 */
export async function canvasStats(page: Page, index = 0): Promise<CanvasStats> {
  return page.evaluate((i) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="viewport-${i}"] canvas`);
    if (!canvas) throw new Error('no canvas');
    const { width, height } = canvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    let sum = 0;
    let sum2 = 0;
    let nonBlack = 0;
    const n = width * height;
    for (let k = 0; k < n; k++) {
      const g = (data[4 * k]! + data[4 * k + 1]! + data[4 * k + 2]!) / 3;
      sum += g;
      sum2 += g * g;
      if (g > 8) nonBlack++;
    }
    const mean = sum / n;
    return { width, height, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), nonBlack: nonBlack / n };
  }, index);
}

/** Saves the 2D canvas of viewport cell `index` as a PNG file (used once to create a golden image). */
export async function saveCanvasPng(page: Page, index: number, file: string): Promise<void> {
  const dataUrl = await page.evaluate((i) => document.querySelector<HTMLCanvasElement>(`[data-testid="viewport-${i}"] canvas`)!.toDataURL('image/png'), index);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(dataUrl.split(',')[1]!, 'base64'));
}

/**
 * Compares the canvas of viewport cell `index` with a golden PNG: the browser decodes the PNG, scales it to
 * the canvas size, and returns the mean absolute difference (0–255, over R, G, B) and the share of pixels
 * within `near` grey levels.
 */
export async function compareWithGolden(page: Page, index: number, file: string, near = 24): Promise<{ meanDiff: number; within: number; width: number; height: number; goldenWidth: number; goldenHeight: number }> {
  const b64 = fs.readFileSync(file).toString('base64');
  return page.evaluate(async ({ i, b64, near }) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="viewport-${i}"] canvas`)!;
    const { width, height } = canvas;
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const off = document.createElement('canvas');
    off.width = width;
    off.height = height;
    const octx = off.getContext('2d')!;
    octx.imageSmoothingEnabled = true;
    octx.drawImage(img, 0, 0, width, height);
    const a = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    const b = octx.getImageData(0, 0, width, height).data;
    let sum = 0;
    let ok = 0;
    for (let k = 0; k < a.length; k += 4) {
      const d = (Math.abs(a[k]! - b[k]!) + Math.abs(a[k + 1]! - b[k + 1]!) + Math.abs(a[k + 2]! - b[k + 2]!)) / 3;
      sum += d;
      if (d <= near) ok++;
    }
    const n = a.length / 4;
    return { meanDiff: sum / n, within: ok / n, width, height, goldenWidth: img.naturalWidth, goldenHeight: img.naturalHeight };
  }, { i: index, b64, near });
}

/** A screenshot of the page (or an element) scaled by `scale` in the browser, saved as PNG: small files for docs. */
export async function smallScreenshot(page: Page, file: string, scale = 0.6, selector?: string): Promise<void> {
  const png = selector ? await page.locator(selector).screenshot() : await page.screenshot();
  const dataUrl = await page.evaluate(async ({ b64, scale }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = Math.round(img.naturalWidth * scale);
    c.height = Math.round(img.naturalHeight * scale);
    const ctx = c.getContext('2d')!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(img, 0, 0, c.width, c.height);
    return c.toDataURL('image/png');
  }, { b64: png.toString('base64'), scale });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(dataUrl.split(',')[1]!, 'base64'));
}

/** Waits until viewport cell `index` has finished trying to show its series (ready, error or unsupported). */
export async function waitViewportSettled(page: Page, index = 0, timeout = 30_000): Promise<string> {
  const sel = `[data-testid="viewport-${index}"]`;
  await page.waitForSelector(`${sel}[data-status="ready"], ${sel}[data-status="error"], ${sel}[data-status="unsupported"]`, { timeout, state: 'attached' });
  return (await page.getAttribute(sel, 'data-status')) ?? '';
}

declare global {
  interface Window {
    /** The viewer's test hooks (viewer/src/screens/viewer/ViewerScreen.ts publishes them). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    hoichan?: any;
  }
}

/**
 * A live consult room for the browser tests and the benchmark (issue 7): an in-process gateway over HTTPS
 * (its self-signed certificate), four users, a synthetic 24-slice CT study, an in-session consult whose
 * approved participants are an, binh and chi (dung is not), and one Chromium whose fake camera plays a face
 * (fixtures/live/face.jpg, from the public-domain NASA portrait in Debian's python3-skimage, as a .y4m).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build, type Gateway } from '../../gateway/src/app.js';
import { loadConfig } from '../../gateway/src/config/config.js';
import { memoryLivePorts } from '../../gateway/src/live/ports.js';
import { makeInstance, newUid } from '../helpers/synth.js';
import { stowBody } from '../helpers/multipart.js';
import { ROOT } from '../helpers/process.js';
import { launchChromium, VIEWER_DIST } from './support.js';

export const CONSULT = 'LIVE-1';
export const PARTICIPANTS = ['an', 'binh', 'chi'] as const;
const PASSWORD = 'live-e2e-password-1';
const TMP = path.join(ROOT, 'test', '.tmp');

/** Writes a 320×240 .y4m of the face photo (Chromium's fake camera reads it in a loop; small keeps 2 cores free). */
export async function makeFaceY4m(file: string): Promise<void> {
  if (fs.existsSync(file)) return;
  const sharp = createRequire(path.join(ROOT, 'gateway', 'package.json'))('sharp') as typeof import('sharp');
  const W = 320;
  const H = 240;
  const { data } = await sharp(path.join(ROOT, 'fixtures', 'live', 'face.jpg')).resize(W, H).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  // BT.601 full-range RGB → I420 (C420jpeg), the layout Chromium's file capturer expects.
  const y = Buffer.alloc(W * H);
  const u = Buffer.alloc((W / 2) * (H / 2));
  const v = Buffer.alloc((W / 2) * (H / 2));
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const k = (j * W + i) * 3;
      const r = data[k]!; const g = data[k + 1]!; const b = data[k + 2]!;
      y[j * W + i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
      if (j % 2 === 0 && i % 2 === 0) {
        const c = (j / 2) * (W / 2) + i / 2;
        u[c] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[c] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F15:1 Ip A1:1 C420jpeg\n`), frame, frame]));
}

function clamp(n: number): number {
  return Math.max(0, Math.min(255, Math.round(n)));
}

/** 24 CT slices (MPR needs 20), 128×128, a disk whose radius grows with the slice (scrolling visibly changes the image). */
function ctStudy(): { studyUid: string; files: Buffer[] } {
  const studyUid = newUid();
  const seriesUid = newUid();
  const forUid = newUid();
  const files: Buffer[] = [];
  for (let s = 0; s < 24; s++) {
    const px = new Int16Array(128 * 128);
    for (let j = 0; j < 128; j++) for (let i = 0; i < 128; i++) {
      const d = Math.hypot(i - 64, j - 64);
      px[j * 128 + i] = d < 10 + s * 2 ? 1000 + ((i * 7 + j * 3) % 200) : -1000 + ((i + j) % 40) + j * 4;
    }
    files.push(makeInstance({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', Modality: 'CT', StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid, FrameOfReferenceUID: forUid,
      PatientName: 'LIVE^TEST', PatientID: 'L1', SeriesNumber: 1, SeriesDescription: 'Live test CT', InstanceNumber: s + 1,
      Rows: 128, Columns: 128, BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 1,
      RescaleIntercept: 0, RescaleSlope: 1, WindowCenter: 40, WindowWidth: 400, PixelSpacing: [1, 1], SliceThickness: 2,
      ImagePositionPatient: [-64, -64, s * 2], ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    }, { pixels: new Uint8Array(px.buffer) }));
  }
  return { studyUid, files };
}

/** The viewer build with the live screens: viewer/dist when it has them, else a cached build of its own. */
export async function liveViewerDist(): Promise<string> {
  if (process.env.HOICHAN_LIVE_VIEWER_DIST) return process.env.HOICHAN_LIVE_VIEWER_DIST;
  const hasLive = (dir: string) => fs.existsSync(path.join(dir, 'index.html')) && fs.readdirSync(path.join(dir, 'assets')).some((f) => /^live-.*\.js$/.test(f));
  const newest = newestMtime(path.join(ROOT, 'viewer', 'src'));
  if (hasLive(VIEWER_DIST) && fs.statSync(path.join(VIEWER_DIST, 'index.html')).mtimeMs >= newest) return VIEWER_DIST;
  const own = path.join(TMP, 'live-viewer-dist');
  if (hasLive(own) && fs.statSync(path.join(own, 'index.html')).mtimeMs >= newest) return own;
  const vite = path.join(ROOT, 'viewer', 'node_modules', '.bin', 'vite');
  // Asynchronous: a synchronous minute-long build blocks the vitest worker past its RPC timeout ("onTaskUpdate").
  const status = await new Promise<number | null>((resolve, reject) => {
    spawn(vite, ['build', '--outDir', own, '--emptyOutDir'], { cwd: path.join(ROOT, 'viewer'), stdio: 'inherit' }).on('error', reject).on('exit', resolve);
  });
  if (status !== 0) throw new Error('viewer build failed');
  return own;
}

function newestMtime(dir: string): number {
  let m = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return m;
}

export interface LiveRoom {
  gw: Gateway;
  base: string;
  studyUid: string;
  ports: ReturnType<typeof memoryLivePorts>;
  browser: Browser;
  tokens: Record<string, string>;
  /**
   * A fresh browser context (own session storage) logged in as `user`, on the consult's live screen. `video: false`
   * joins with the microphone only (the benchmark's run without video encoding).
   */
  open(user: string, hash?: string, opts?: { video?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

export async function startLiveRoom(): Promise<LiveRoom> {
  const y4m = path.join(TMP, 'live-face-320x240.y4m');
  await makeFaceY4m(y4m);
  process.env.HOICHAN_VIEWER_DIR = await liveViewerDist();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-live-e2e-'));
  const gw = await build(loadConfig({}, {
    dataDir, adminPassword: PASSWORD, logLevel: 'silent', dicomPort: null, host: '127.0.0.1', https: 'on', httpPort: 0,
    databaseSchema: `t_${crypto.randomBytes(4).toString('hex')}`, fsync: false,
  }));
  const tokens: Record<string, string> = {};
  const users: Record<string, unknown> = {};
  for (const u of [...PARTICIPANTS, 'dung']) {
    await gw.accounts.createUser(u, PASSWORD, ['consultant_expert'], `BS ${u}`);
    const r = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u, password: PASSWORD } });
    const body = r.json() as { token: string; expiresAt: string; user: unknown };
    tokens[u] = body.token;
    users[u] = body;
  }
  const { studyUid, files } = ctStudy();
  const { body, contentType } = stowBody(files);
  const stow = await gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': contentType, authorization: `Bearer ${tokens.an}` }, payload: body });
  if (stow.statusCode !== 200) throw new Error(`STOW failed: ${stow.statusCode} ${stow.body}`);
  const ports = memoryLivePorts([{
    id: CONSULT, state: 'in_session', approvedUserIds: [...PARTICIPANTS], studyUid, pseudonym: 'HC-LIVE-01',
    roles: { an: 'requesting_doctor', binh: 'consultant_expert', chi: 'it_technician' },
  }]);
  gw.live.ports = ports;
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `https://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`;
  const browser = await launchChromium([
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`,
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
    // Three participants share one browser here; in a real room each is the foreground tab of its own machine,
    // so the other two must not be throttled as background renderers.
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    // Trust exactly the gateway's certificate, the way IT would install it (no blanket certificate bypass).
    `--ignore-certificate-errors-spki-list=${spkiHash(gw.tls!.cert)}`,
  ]);
  const contexts: BrowserContext[] = [];
  return {
    gw, base, studyUid, ports, browser, tokens,
    async open(user, hash = `#/live/${CONSULT}`, opts = {}) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      contexts.push(ctx);
      await ctx.addInitScript((s) => sessionStorage.setItem('hoichan.session', s), JSON.stringify(users[user]));
      if (opts.video === false) {
        await ctx.addInitScript(() => {
          const md = navigator.mediaDevices;
          const gum = md.getUserMedia.bind(md);
          md.getUserMedia = (c?: MediaStreamConstraints) => gum({ ...c, video: false });
        });
      }
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.warn(`[${user}] page error: ${e.message}`));
      // Only the navigation itself: the page's load event can take long on a busy 2-core machine.
      await page.goto(`${base}/${hash}`, { waitUntil: 'commit', timeout: 90_000 });
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await gw.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
function spkiHash(pem: string): string {
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

declare global {
  interface Window {
    /** The live screen's test hooks (viewer/src/live/LiveScreen.ts). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    hoichanLive?: any;
  }
}

/** Waits (polling in the page) until `fn` returns true. */
export async function until(page: Page, fn: string, timeout = 30_000): Promise<void> {
  // Polled from here: page.evaluate runs over DevTools, which the page's Content-Security-Policy allows; a
  // string given to waitForFunction would be eval'd by Playwright's script inside the page, which it forbids.
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(fn))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${fn.slice(0, 160)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

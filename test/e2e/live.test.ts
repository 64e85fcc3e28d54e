/**
 * The live consult in a real browser (issue 7): three Chromium pages (one browser, three contexts) over the
 * gateway's HTTPS with fake camera and microphone. All three connect peer-to-peer with video frames arriving;
 * the presenter's W/L change and scroll show in the others' canvases (G-1.3: state, not video), and so do its
 * length measurement and MPR (planes and slices); a
 * non-participant is refused (G-2.7); the participant record lists the three; with "patient present" on, the
 * face region of the frames received is blurred (G-2.4), measured as local contrast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startLiveRoom, until, CONSULT, type LiveRoom } from './liveRoom.js';
import { canvasStats } from './support.js';

let room: LiveRoom;
const pages: Record<string, Page> = {};

/**
 * Mean absolute Laplacian (local contrast) of the grey frame of the remote video from `userId`, inside the
 * region (0..1 coordinates): a sharp face scores high, a blurred one low.
 */
function remoteContrast(page: Page, userId: string, r: { x: number; y: number; w: number; h: number }): Promise<number> {
  return page.evaluate(async ({ userId, r }) => {
    const live = window.hoichanLive!.debug;
    const peer = live.peers.find((p: { userId: string }) => p.userId === userId)!;
    const video = document.querySelector<HTMLVideoElement>(`[data-peer="${peer.peerId}"] video`)!;
    const c = document.createElement('canvas');
    c.width = video.videoWidth;
    c.height = video.videoHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    const x0 = Math.floor(r.x * c.width);
    const y0 = Math.floor(r.y * c.height);
    const w = Math.floor(r.w * c.width);
    const h = Math.floor(r.h * c.height);
    const d = ctx.getImageData(x0, y0, w, h).data;
    const g = (i: number, j: number) => { const k = 4 * (j * w + i); return (d[k]! + d[k + 1]! + d[k + 2]!) / 3; };
    let sum = 0;
    for (let j = 1; j < h - 1; j++) for (let i = 1; i < w - 1; i++) sum += Math.abs(4 * g(i, j) - g(i - 1, j) - g(i + 1, j) - g(i, j - 1) - g(i, j + 1));
    return sum / ((w - 2) * (h - 2));
  }, { userId, r });
}

beforeAll(async () => {
  room = await startLiveRoom();
  // The presenter first (the first to join presents), then the others.
  pages.an = await room.open('an');
  await until(pages.an, `document.querySelector('[data-testid="live-screen"]')?.dataset.connected === 'true'`);
  pages.binh = await room.open('binh');
  pages.chi = await room.open('chi');
}, 180_000);

afterAll(async () => {
  await room?.close();
});

describe('live consult in three browsers', () => {
  it('connects all three with video frames arriving from both others on every page', async () => {
    for (const u of ['an', 'binh', 'chi']) {
      await until(pages[u]!, `(() => { const s = document.querySelector('[data-testid="live-screen"]'); return s?.dataset.connected === 'true' && s?.dataset.viewer === 'ready'; })()`, 60_000);
    }
    for (const u of ['an', 'binh', 'chi']) {
      await until(pages[u]!, `window.hoichanLive.debug.stats().then(s => { window.__liveStats = s; return Object.values(s).length === 2 && Object.values(s).every(p => p.framesDecoded > 0); })`, 60_000)
        .catch(async (e) => { throw new Error(`${u}: ${JSON.stringify(await pages[u]!.evaluate('window.__liveStats'))} ${(e as Error).message}`); });
    }
    expect(await pages.an!.getAttribute('[data-testid="live-screen"]', 'data-role')).toBe('presenter');
    expect(await pages.binh!.getAttribute('[data-testid="live-screen"]', 'data-role')).toBe('viewer');
    // G-2.5: the room says there is no recording or streaming (Vietnamese first).
    expect(await pages.chi!.textContent('[data-testid="live-no-recording"]')).toContain('Không ghi hình');
    // G-2.3: consultants see the pseudonym, never the name in the study.
    expect(await pages.binh!.textContent('.live-panel')).toContain('HC-LIVE-01');
    expect(await pages.binh!.textContent('body')).not.toContain('LIVE^TEST');
  });

  it('mirrors the presenter\'s W/L change and scroll into the others\' canvases', async () => {
    const an = pages.an!;
    const before = await canvasStats(pages.binh!, 0);
    await an.click('[data-testid="viewport-0"]');
    await an.keyboard.press('2'); // lung preset: W 1500 / L -600
    for (let i = 0; i < 3; i++) await an.keyboard.press('ArrowDown');
    const want = await an.evaluate(() => {
      const vp = window.hoichan!.viewer!.viewport(0) as unknown as { getCurrentImageIdIndex(): number };
      const wl = document.querySelector<HTMLElement>('[data-testid="viewport-0"] [data-testid="wl"]')!.dataset;
      return { index: vp.getCurrentImageIdIndex(), width: wl.width, center: wl.center };
    });
    expect(want).toMatchObject({ width: '1500', center: '-600' });
    for (const u of ['binh', 'chi']) {
      const p = pages[u]!;
      await until(p, `(() => { const d = document.querySelector('[data-testid="viewport-0"] [data-testid="wl"]')?.dataset; const vp = window.hoichan?.viewer?.viewport(0); return d?.width === '${want.width}' && d?.center === '${want.center}' && vp?.getCurrentImageIdIndex() === ${want.index}; })()`, 20_000);
      await p.waitForTimeout(150);
      const seen = await canvasStats(p, 0);
      const source = await canvasStats(an, 0);
      // The images are rendered locally at full fidelity: the same picture as the presenter's, and not the old one.
      expect(Math.abs(seen.mean - source.mean)).toBeLessThan(3);
      expect(Math.abs(seen.mean - before.mean)).toBeGreaterThan(3);
      // The state also came peer-to-peer, over the presenter's data channel (the faster path), not only via the gateway.
      expect(await p.evaluate(() => window.hoichanLive!.debug.hops.dc.length as number)).toBeGreaterThan(0);
    }
    // The laser pointer: the presenter points at the middle of the image, the others see the dot there.
    await an.check('[data-testid="live-laser"]');
    const box = (await an.locator('[data-testid="viewport-0"] .vp-element').boundingBox())!;
    await an.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    await pages.chi!.waitForSelector('[data-testid="viewport-0"] .live-laser:not([hidden])', { timeout: 20_000, state: 'attached' });
    const left = await pages.chi!.evaluate(() => parseFloat(document.querySelector<HTMLElement>('[data-testid="viewport-0"] .live-laser')!.style.left));
    expect(left).toBeGreaterThan(40);
    expect(left).toBeLessThan(60);
  });

  it('mirrors a length measurement drawn by the presenter into the others\' viewers', async () => {
    const an = pages.an!;
    await an.uncheck('[data-testid="live-laser"]');
    for (const u of ['binh', 'chi']) expect(await pages[u]!.locator('[data-testid="viewport-0"] svg line').count()).toBe(0);
    const box = (await an.locator('[data-testid="viewport-0"] .vp-element').boundingBox())!;
    // Keys go to the viewer once focus is in the images (a click without a drag changes nothing).
    await an.click('[data-testid="viewport-0"] .vp-element');
    await an.keyboard.press('l');
    const y = box.y + box.height * 0.6;
    await an.mouse.move(box.x + box.width * 0.35, y);
    await an.mouse.down();
    await an.mouse.move(box.x + box.width * 0.65, y, { steps: 5 });
    await an.mouse.up();
    await an.keyboard.press('w');
    const drawn = await an.evaluate(() => (window.hoichanLive!.debug.annotations() as { annotationUID: string; toolName: string; mirrored: boolean; handles: { points: number[][] } }[]).filter((a) => a.toolName === 'Length'));
    expect(drawn).toHaveLength(1);
    const uid = drawn[0]!.annotationUID;
    for (const u of ['binh', 'chi']) {
      const p = pages[u]!;
      // The copy follows the drag (intermediate states arrive first): wait for the final points.
      const want = JSON.stringify(drawn[0]!.handles.points);
      await until(p, `window.hoichanLive.debug.annotations().some((a) => a.annotationUID === '${uid}' && a.mirrored && a.handles.points.every((pt, i) => pt.every((v, k) => Math.abs(v - ${want}[i][k]) < 1e-3)))`, 20_000);
      const copy = await p.evaluate((id) => (window.hoichanLive!.debug.annotations() as { annotationUID: string; toolName: string; handles: { points: number[][] } }[]).find((a) => a.annotationUID === id)!, uid);
      expect(copy.toolName).toBe('Length');
      // The same two points in patient coordinates: the same measurement, not a look-alike.
      copy.handles.points.forEach((pt, i) => pt.forEach((v, k) => expect(v).toBeCloseTo(drawn[0]!.handles.points[i]![k]!, 3)));
      // Drawn in the viewer's SVG layer, over the image.
      await until(p, `document.querySelectorAll('[data-testid="viewport-0"] svg line').length > 0`, 20_000);
    }
  });

  it('follows the presenter into MPR, through its slices, and back out', async () => {
    const an = pages.an!;
    await an.click('[data-testid="viewport-0"] .vp-element');
    await an.keyboard.press('m');
    await until(an, `document.querySelector('[data-testid="viewport-grid"]')?.dataset.mpr === 'ready'`, 60_000);
    const slices = () => [0, 1, 2].map((i) => (window.hoichan!.viewer!.viewport(i) as unknown as { getSliceIndex(): number }).getSliceIndex());
    const before = await an.evaluate(slices);
    await an.click('[data-testid="viewport-0"] .vp-element');
    for (let i = 0; i < 4; i++) await an.keyboard.press('ArrowDown');
    await an.waitForTimeout(300);
    const want = await an.evaluate(slices);
    expect(want[0]).not.toBe(before[0]);
    for (const u of ['binh', 'chi']) {
      const p = pages[u]!;
      await until(p, `document.querySelector('[data-testid="viewport-grid"]')?.dataset.mpr === 'ready'`, 60_000);
      await until(p, `(() => { const v = [0, 1, 2].map((i) => window.hoichan.viewer.viewport(i)?.getSliceIndex?.()); return JSON.stringify(v) === '${JSON.stringify(want)}'; })()`, 20_000)
        .catch(async (e) => { throw new Error(`${u} slices ${JSON.stringify(await p.evaluate(slices))}, presenter ${JSON.stringify(want)}: ${(e as Error).message}`); });
      expect(await p.getAttribute('[data-testid="viewport-0"]', 'data-kind')).toBe('axial');
    }
    await an.keyboard.press('m');
    await until(an, `document.querySelector('[data-testid="viewport-grid"]')?.dataset.layout !== 'mpr'`, 30_000);
    for (const u of ['binh', 'chi']) {
      await until(pages[u]!, `(() => { const g = document.querySelector('[data-testid="viewport-grid"]'); return g?.dataset.layout !== 'mpr' && document.querySelector('[data-testid="viewport-0"]')?.dataset.kind === 'stack'; })()`, 30_000);
    }
  });

  it('refuses a participant who is not on the approved list', async () => {
    const dung = await room.open('dung');
    await dung.waitForSelector('[data-testid="live-screen"][data-live="refused"]', { timeout: 60_000, state: 'attached' });
    expect(await dung.textContent('[data-testid="live-status"]')).toMatch(/approved participant list/);
    expect(room.ports.audited.some((a) => a.userId === 'dung' && a.action === 'live.refused')).toBe(true);
    await dung.context().close();
  });

  it('lists the three in the consult\'s participant record', async () => {
    const r = await room.gw.app.inject({ method: 'GET', url: `/api/live/rooms/${CONSULT}/record`, headers: { authorization: `Bearer ${room.tokens.chi}` } });
    expect((r.json() as { participants: string[] }).participants.sort()).toEqual(['an', 'binh', 'chi']);
  });

  it('runs the connection test: ICE to the gateway\'s own WebRTC endpoint with an RTT, and to each site in the room', async () => {
    // chi (IT) leaves the room for its test page (same tab: no second bundle load) while an and binh stay (G-3.5).
    const t0 = Date.now();
    const test = pages.chi!;
    await test.evaluate((c) => { location.hash = `#/live/${c}/test`; }, CONSULT);
    await test.click('[data-testid="live-test-run"]', { timeout: 60_000 });
    const loadMs = Date.now() - t0;
    await until(test, `['ok', 'failed'].includes(document.querySelector('[data-testid="live-test"]')?.dataset.state ?? '')`, 90_000);
    const r = await test.evaluate(() => (window as unknown as { hoichanLiveTest: { result: { checks: { key: string; atMs: number }[]; gatewayIce: { ok: boolean; rttMs: number | null; phasesMs: Record<string, number>; pair: { local: string; remote: string } | null; error?: string }; peers: { userId: string; state: string; rttMs: number | null }[] } } }).hoichanLiveTest.result);
    expect(r.gatewayIce, JSON.stringify(r.gatewayIce)).toMatchObject({ ok: true, rttMs: expect.any(Number) });
    // The gateway's side of the pair is a direct one (no STUN/TURN configured): its host candidate, or the
    // same address learned as peer-reflexive when its connectivity check arrives before its candidate does
    // (a race seen on a loaded machine).
    expect(r.gatewayIce.pair?.remote).toMatch(/^(host|prflx) /);
    expect(await test.getAttribute('[data-check="testIceGateway"] td[data-ok]', 'data-ok')).toBe('true');
    expect(r.peers.map((p) => p.userId).sort()).toEqual(['an', 'binh']);
    for (const p of r.peers) expect(p, JSON.stringify(r.peers)).toMatchObject({ state: 'connected', rttMs: expect.any(Number) });
    console.log(`connection test: gateway ICE ${r.gatewayIce.pair?.local} ↔ ${r.gatewayIce.pair?.remote}, RTT ${r.gatewayIce.rttMs?.toFixed(1)} ms; peers ${r.peers.map((p) => `${p.userId} ${p.rttMs?.toFixed(1)} ms`).join(', ')}; gateway probe phases ${JSON.stringify(r.gatewayIce.phasesMs)}; page ready after ${loadMs} ms, rows done at ${r.checks.map((c) => `${c.key} ${c.atMs}`).join(', ')} ms`);
    // chi stays on the test page: the next test closes its context.
  });

  it('blurs the face region of the frames others receive once "patient present" is on', async () => {
    // The face in fixtures/live/face.jpg sits around here (0..1 of the frame).
    const FACE = { x: 0.38, y: 0.25, w: 0.26, h: 0.42 };
    // Two endpoints are enough here; the third one's decoding would only slow the detector down.
    await pages.chi!.context().close();
    const sharp = await remoteContrast(pages.an!, 'binh', FACE);
    await pages.binh!.check('[data-testid="live-patient-present"]');
    await until(pages.binh!, `(() => { const b = window.hoichanLive.debug.blur; return b.detector !== 'loading' && b.detections > 0; })()`, 90_000)
      .catch(async (e) => { throw new Error(`detector: ${JSON.stringify(await pages.binh!.evaluate(() => window.hoichanLive!.debug.blur))} ${(e as Error).message}`); });
    const faces = await pages.binh!.evaluate(() => window.hoichanLive!.debug.blur!.faces as { x: number; y: number; w: number; h: number }[]);
    // The detector found the face (not a fallback whole-frame blur), where the photo has it.
    expect(faces.length).toBeGreaterThan(0);
    const f = faces[0]!;
    expect(f.x).toBeLessThan(FACE.x + FACE.w / 2);
    expect(f.x + f.w).toBeGreaterThan(FACE.x + FACE.w / 2);
    await pages.an!.waitForTimeout(1000);
    const blurred = await remoteContrast(pages.an!, 'binh', FACE);
    expect(blurred).toBeLessThan(sharp * 0.5);
    console.log(`face-region local contrast at the receiver: ${sharp.toFixed(2)} sharp → ${blurred.toFixed(2)} with "patient present"`);
  });
});

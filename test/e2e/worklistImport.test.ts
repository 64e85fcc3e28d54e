/**
 * The requesting doctor gathers a case's images in the browser (issue 6 point 2, G-1.2): imports a study from
 * the hospital's PACS (here a second gateway, a real DIMSE peer: C-MOVE back to us) with a progress bar,
 * picks it from the archive into an anonymized case pack (after adding the PACS Patient ID it was filed under to
 * the patient), then attaches a photo to the ready pack. Debian's
 * Chromium via playwright-core; one browser at a time (2 cores).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, spawnGateway, stopGateway, ROOT } from '../helpers/process.js';
import { tinyPng } from '../helpers/synth.js';
import { ensureSeries } from '../bench/lib.js';
import { ensureViewerBuilt, launchChromium, loginToken, stowFiles } from './support.js';

const ADMIN_PASSWORD = 'e2e-admin-password-1';
const DEMO_PASSWORD = 'hoichan-demo-2025';
const TMP = path.join(ROOT, 'test', '.tmp');
/** A demo draft of bs.lan's hospital (worklist/src/testing): the doctor may still add images. */
const CONSULT = 'hc-draft';
const N = 6;

describe('gathering a case\'s images in the browser: peer import, pack build, attachment', () => {
  let a: Awaited<ReturnType<typeof spawnGateway>>; // the hospital's gateway (demo data)
  let b: Awaited<ReturnType<typeof spawnGateway>>; // the hospital's PACS, as a DIMSE peer
  let browser: Browser;
  let studyUid = '';
  const dirs: string[] = [];
  const errors: string[] = [];

  const api = async (gw: { url: string }, token: string, method: string, url: string, body?: unknown) => {
    const r = await fetch(`${gw.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, json: (await r.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    ensureViewerBuilt();
    fs.mkdirSync(TMP, { recursive: true });
    const series = ensureSeries(path.join(TMP, `e2e-ct${N}-import`), N, { GEN_SEED: '6' });
    // The demo patient's PACS id, under an issuer the patient record does not list yet: the pack refuses the
    // study (422) until the doctor adds that id in the consult screen.
    execFileSync('dcmodify', ['-nb', '-i', '(0010,0020)=DA-2025-000123', '-i', '(0010,0021)=PACS-DA-2', ...series]);
    const [portA, portB] = [await freePort(), await freePort()];
    const dir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-e2e-imp-')); dirs.push(d); return d; };
    b = await spawnGateway({ HOICHAN_DATA_DIR: dir(), HOICHAN_ADMIN_PASSWORD: ADMIN_PASSWORD, HOICHAN_FSYNC: 'false', HOICHAN_DICOM_PORT: String(portB), HOICHAN_AE_TITLE: 'PACS_DA' });
    a = await spawnGateway({ HOICHAN_DATA_DIR: dir(), HOICHAN_ADMIN_PASSWORD: ADMIN_PASSWORD, HOICHAN_FSYNC: 'false', HOICHAN_DICOM_PORT: String(portA), HOICHAN_AE_TITLE: 'HOICHAN', HOICHAN_DEMO: '1' });
    const adminB = await loginToken(b.url, 'admin', ADMIN_PASSWORD);
    const adminA = await loginToken(a.url, 'admin', ADMIN_PASSWORD);
    const stow = await stowFiles(`${b.url}/dicom-web`, `Bearer ${adminB}`, series, 10);
    expect(stow.map((r) => r.status)).toEqual(stow.map(() => 200));
    studyUid = stow[0]!.studies[0]!;
    // The PACS knows our gateway (may query and be a move destination); the gateway knows the PACS (may store to us).
    expect((await api(b, adminB, 'POST', '/api/dicom/peers', { aeTitle: 'HOICHAN', host: '127.0.0.1', port: portA, mayQuery: true, mayMoveTo: true })).status).toBe(201);
    expect((await api(a, adminA, 'POST', '/api/dicom/peers', { aeTitle: 'PACS_DA', host: '127.0.0.1', port: portB, mayStore: true, description: 'PACS Đông Anh' })).status).toBe(201);
    // The demo data loads after the server listens.
    for (let i = 0; ; i++) {
      const doctor = await loginToken(a.url, 'bs.lan', DEMO_PASSWORD).catch(() => '');
      if (doctor && (await api(a, doctor, 'GET', `/api/consults/${CONSULT}`)).status === 200) break;
      if (i > 120) throw new Error('the demo data did not load');
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopGateway(a);
    await stopGateway(b);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the doctor imports the study from the PACS (progress bar), builds the pack from it and attaches a photo', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${a.url}/`);
    await page.fill('#login-username', 'bs.lan');
    await page.fill('#login-password', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('a[data-nav]');
    await page.goto(`${a.url}/#/consults/${CONSULT}`);

    // Import: the doctor sees the PACS by name only, and follows the job to its end.
    await page.click('[data-testid=peer-import] summary');
    await page.waitForSelector('#imp-peer option[value=PACS_DA]', { state: 'attached' });
    expect(await page.textContent('#imp-peer')).toContain('PACS Đông Anh');
    await page.fill('#imp-study', studyUid);
    await page.click('[data-testid=peer-import] button[type=submit]');
    const bar = page.locator('[data-testid=peer-import] .job-progress');
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute('data-state'), { timeout: 60_000 }).toMatch(/succeeded|failed|cancelled/);
    expect(await bar.getAttribute('data-state'), await bar.textContent() ?? '').toBe('succeeded');
    expect(await bar.textContent()).toMatch(/^Đã lấy xong/);
    expect(await page.locator('[data-testid=peer-import] progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
    const doctor = await loginToken(a.url, 'bs.lan', DEMO_PASSWORD);
    const held = await api(a, doctor, 'GET', `/dicom-web/studies/${studyUid}/instances`);
    expect(held.status).toBe(200);
    expect(held.json).toHaveLength(N);

    // Pick the imported study from the archive into a new case pack.
    await page.click('[data-testid=study-picker] summary');
    await page.fill('#pick-name', '');
    await page.click('[data-testid=study-picker] form[role=search] button[type=submit]');
    await page.check(`[data-pick-study="${studyUid}"]`);
    await page.click('[data-testid=study-picker] button.primary');
    const refused = page.locator('[data-testid=study-picker] [data-testid=problem]');
    await refused.waitFor();
    expect(await refused.getAttribute('data-status')).toBe('422');
    expect(await refused.textContent()).toContain('another issuer');
    // The doctor adds the id under the study's issuer; the pack is then built from it.
    expect(await page.textContent('[data-testid=pacs-ids]')).toBe('DA-2025-000123 (BVH-DONG-ANH)');
    await page.fill('#pacs-id', 'DA-2025-000123');
    await page.fill('#pacs-issuer', 'PACS-DA-2');
    await page.click('[data-testid=pacs-id-form] button[type=submit]');
    await expect.poll(() => page.textContent('[data-testid=pacs-ids]')).toBe('DA-2025-000123 (BVH-DONG-ANH), DA-2025-000123 (PACS-DA-2)');
    await page.click('[data-testid=study-picker] button.primary');
    const pack = page.locator('[data-testid=packs] .pack[data-state=ready]');
    await pack.waitFor({ timeout: 90_000 });
    const packId = (await pack.getAttribute('data-pack'))!;

    // Attach a photo to the ready pack: wrapped as DICOM, scanned, and counted.
    await page.setInputFiles(`#attach-${packId}`, { name: 'anh-ton-thuong.png', mimeType: 'image/png', buffer: tinyPng(64, 48) });
    await page.locator('[data-testid=packs] [data-testid=attached], [data-testid=packs] [data-testid=problem]').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=packs]').textContent()).toContain('Đã đính kèm. anh-ton-thuong.png');
    const view = await api(a, doctor, 'GET', `/api/packs/${packId}`);
    expect(view.json.counts).toMatchObject({ released: N + 1, attachments: 1 });
    await context.close();
  }, 240_000);

  it('a role that may not import does not see the peers, and may not start the job', async () => {
    const director = await loginToken(a.url, 'gd.thu', DEMO_PASSWORD);
    expect((await api(a, director, 'GET', '/api/dicom/sources')).status).toBe(403);
    expect((await api(a, director, 'POST', '/api/jobs', { kind: 'dimse.import', params: { peer: 'PACS_DA', studyUid } })).status).toBe(403);
    const doctor = await loginToken(a.url, 'bs.lan', DEMO_PASSWORD);
    // The doctor sees names only; hosts and permissions stay with the admin API.
    expect((await api(a, doctor, 'GET', '/api/dicom/sources')).json).toEqual({ sources: [{ aeTitle: 'PACS_DA', description: 'PACS Đông Anh' }] });
    expect((await api(a, doctor, 'GET', '/api/dicom/peers')).status).toBe(403);
  });

  it('raised no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});

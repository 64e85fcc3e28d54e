/**
 * The worklist screens in a real browser (issue 6, points 2, 4, 5): Debian's Chromium via playwright-core
 * against a gateway started with the demo data set (fixtures/demo: two hospitals, a user per role, a consult
 * at every state). The requesting doctor builds an anonymized case pack from a synthetic CT study; the
 * invited consultant logs in through the UI, opens the consult from the list (emergencies first), reads its
 * case summary and minutes draft beside the pack's images (golden image, W/L drag, length in mm), and no
 * identifying data of the patient — the worklist's nor the DICOM header's — appears in the page or in any
 * response the page received (G-2.3). The planning office returns a consult for more information; the
 * requesting doctor's refused submission shows the server's reason and rule; the director reads the audit
 * log. One browser at a time (2 cores).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { spawnGateway, stopGateway, ROOT } from '../helpers/process.js';
import { ensureSeries } from '../bench/lib.js';
import { ensureViewerBuilt, launchChromium, loginToken, stowFiles, canvasStats, compareWithGolden, smallScreenshot, waitViewportSettled } from './support.js';

const ADMIN_PASSWORD = 'e2e-admin-password-1';
/** fixtures/demo/demo.json */
const DEMO_PASSWORD = 'hoichan-demo-2025';
const TMP = path.join(ROOT, 'test', '.tmp');
const GOLDEN = path.join(ROOT, 'fixtures', 'golden', 'viewer-ct40-middle.png');
const DOCS = path.join(ROOT, 'viewer', 'docs');
const VIEWPORT = { width: 1366, height: 768 };
/** The demo consult whose minutes are drafted; cg.quang is invited and accepted (worklist/src/testing). */
const CONSULT = 'hc-minutes_drafted';

/**
 * Identity that must never reach a consultant (G-2.3): the demo patient held by the worklist, and what
 * gen-series writes into the DICOM header of the source study. Long enough not to occur by chance in pixels.
 */
const IDENTITY = ['Nguyễn Thị Hoa', '001161012345', 'bn-000123', '1961-04-17', 'Trần Phú', 'Doe^John', 'PAT1000040', 'SSN-078-05-1120', 'Evergreen Terrace', '19610704', 'DA-2025-000123'];

/** Polls `check` every 500 ms until it is true (hooks cannot use expect.poll). */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('worklist screens (browser, playwright-core + Debian chromium)', () => {
  let gw: Awaited<ReturnType<typeof spawnGateway>>;
  let browser: Browser;
  let dataDir: string;
  let packId: string;
  const errors: string[] = [];
  let current = '';

  async function as(user: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${current} (${user}): ${e.message}`));
    return { context, page };
  }

  /** Logs in through the login form; the app then lands on the user's start screen. */
  async function login(page: Page, user: string): Promise<void> {
    await page.goto(`${gw.url}/`);
    await page.fill('#login-username', user);
    await page.fill('#login-password', DEMO_PASSWORD);
    await page.click('button[type=submit]');
  }

  beforeAll(async () => {
    ensureViewerBuilt();
    fs.mkdirSync(TMP, { recursive: true });
    const ct = ensureSeries(path.join(TMP, 'e2e-ct40-demo'), 40, { GEN_SEED: '40' });
    // A pack takes only the consult's patient's studies: give the series the demo patient's PACS id and issuer.
    execFileSync('dcmodify', ['-nb', '-i', '(0010,0020)=DA-2025-000123', '-i', '(0010,0021)=BVH-DONG-ANH', ...ct]);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-e2e-wl-'));
    gw = await spawnGateway({ HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: ADMIN_PASSWORD, HOICHAN_FSYNC: 'false', HOICHAN_DEMO: '1' });
    const admin = await loginToken(gw.url, 'admin', ADMIN_PASSWORD);
    const stow = await stowFiles(`${gw.url}/dicom-web`, `Bearer ${admin}`, ct, 20);
    expect(stow.map((r) => r.status)).toEqual(stow.map(() => 200));
    const study = stow[0]!.studies[0]!;
    // The demo data loads after the server listens: wait until the doctor sees the consult.
    let doctor = '';
    await waitFor('the demo data', 60_000, async () => {
      doctor = doctor || (await loginToken(gw.url, 'bs.lan', DEMO_PASSWORD).catch(() => ''));
      return !!doctor && (await fetch(`${gw.url}/api/consults/${CONSULT}`, { headers: { authorization: `Bearer ${doctor}` } })).status === 200;
    });
    // The requesting doctor anonymizes the study into the consult's pack (gateway/src/packs).
    const built = await fetch(`${gw.url}/api/consults/${CONSULT}/pack`, { method: 'POST', headers: { authorization: `Bearer ${doctor}`, 'content-type': 'application/json' }, body: JSON.stringify({ studies: [study] }) });
    expect(built.status, await built.clone().text()).toBe(202);
    packId = ((await built.json()) as { pack: { id: string } }).pack.id;
    let state = '';
    await waitFor('the case pack', 90_000, async () => {
      const r = await fetch(`${gw.url}/api/packs/${packId}`, { headers: { authorization: `Bearer ${doctor}` } });
      state = ((await r.json()) as { state: string }).state;
      if (state === 'failed') throw new Error('the case pack failed');
      return state === 'ready';
    });
    browser = await launchChromium();
  }, 240_000);

  beforeEach((ctx) => {
    current = ctx.task.name;
  });

  afterAll(async () => {
    await browser?.close();
    await stopGateway(gw);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a consultant reads the consult beside the pack images; no identity in the page or in any response (G-2.3)', async () => {
    const { context, page } = await as('cg.quang');
    const bodies: { url: string; body: Buffer }[] = [];
    const pending: Promise<unknown>[] = [];
    page.on('response', (r) => {
      // Event streams never end; everything else is read whole.
      if ((r.headers()['content-type'] ?? '').includes('text/event-stream')) return;
      pending.push(r.body().then((body) => bodies.push({ url: r.url(), body }), () => undefined));
    });
    await login(page, 'cg.quang');
    // Worklist users start on the consult list, in Vietnamese; the emergency comes first.
    await page.waitForSelector('[data-testid=consult-table] tr[data-consult]');
    expect(await page.textContent('main h1')).toBe('Danh sách ca hội chẩn');
    expect(await page.getAttribute('[data-testid=consult-table] tbody tr:first-child', 'data-urgency')).toBe('emergency');
    expect(await page.locator('[data-testid=consult-table] th', { hasText: 'Người bệnh' }).count()).toBe(0);
    await page.waitForSelector('.live-indicator[data-live=on]');
    await smallScreenshot(page, path.join(DOCS, 'consults.png'));

    await page.click(`a[data-open-consult="${CONSULT}"]`);
    await page.waitForSelector('[data-testid=consult-summary] [data-field=history]');
    expect(await page.textContent('[data-testid=consult-title]')).toBe('Ca hội chẩn HC-7Q4K2');
    expect(await page.textContent('[data-testid=consult-actions]')).toContain('Ở bước này bạn không có thao tác nào.');
    await page.waitForSelector(`[data-pack="${packId}"] a[data-open-study]`);
    await smallScreenshot(page, path.join(DOCS, 'consult-expert.png'));

    await page.click(`[data-pack="${packId}"] a[data-open-study]`);
    const status = await waitViewportSettled(page, 0, 60_000);
    expect(status, (await page.textContent('[data-testid=viewport-0]')) ?? '').toBe('ready');
    await page.waitForSelector('[data-first-image=true]', { timeout: 30_000 });
    expect(page.url()).toContain(`#/consults/${CONSULT}/view/${packId}/`);
    // The pack's copy of the middle slice looks like the source's (anonymization keeps the pixels of a CT).
    const cmp = await compareWithGolden(page, 0, GOLDEN);
    expect(cmp.meanDiff, JSON.stringify(cmp)).toBeLessThan(4);

    // The case panel: the consult's pseudonym, summary fields, question and minutes draft.
    const panel = page.locator('[data-testid=case-summary]');
    await expect.poll(() => panel.locator('[data-field=pseudonym]').textContent()).toBe('HC-7Q4K2');
    expect(await panel.locator('[data-field=history]').textContent()).toBe('Đau ngực trái 3 ngày, khó thở tăng dần.');
    expect(await panel.locator('[data-field=question]').textContent()).toBe('Có cần chụp CT mạch phổi và chuyển tuyến không?');
    expect(await panel.locator('[data-field=minutesDraft]').textContent()).toContain('Chẩn đoán xác định');
    expect(await page.evaluate(() => document.fonts.check('16px "Noto Sans"', 'Tóm tắt bệnh án · Câu hỏi hội chẩn'))).toBe(true);

    // W/L drag changes the pixels; a length measurement reads in millimetres.
    const box = (await page.locator('[data-testid=viewport-0] .vp-element').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const before = await canvasStats(page, 0);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy + 90, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => Math.abs((await canvasStats(page, 0)).mean - before.mean)).toBeGreaterThan(5);
    await page.click('button[data-tool=length]');
    await page.mouse.move(cx - 120, cy + 40);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy + 40, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-testid=measurement-value]').first().textContent()).toMatch(/^\d+,\d mm$/);
    await smallScreenshot(page, path.join(DOCS, 'viewer-consult.png'));

    await Promise.all(pending);
    const dom = await page.evaluate(() => document.documentElement.outerHTML + document.body.innerText + document.title);
    for (const leak of IDENTITY) expect(dom, leak).not.toContain(leak);
    expect(bodies.length).toBeGreaterThan(20);
    expect(bodies.some((b) => b.url.includes(`/packs/${packId}/dicom-web/`))).toBe(true);
    expect(bodies.some((b) => b.url.includes('/dicom-web/') && !b.url.includes('/packs/'))).toBe(false);
    const leaks = bodies.flatMap(({ url, body }) => IDENTITY.filter((s) => body.includes(Buffer.from(s, 'utf8')) || body.includes(Buffer.from(s, 'latin1'))).map((s) => `${s} in ${url}`));
    expect(leaks).toEqual([]);
    await context.close();
  });

  it('the planning office returns a submitted consult with questions; the list shows the new state', async () => {
    const { context, page } = await as('khth.ha');
    await login(page, 'khth.ha');
    await page.waitForSelector('a[data-open-consult="hc-submitted"]');
    await page.click('a[data-open-consult="hc-submitted"]');
    const actions = page.locator('[data-testid=consult-actions]');
    await actions.locator('form[data-command=decline]').waitFor();
    expect(await actions.locator('form[data-command]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-command')))).toEqual(['returnForInfo', 'decline', 'accept', 'cancel']);
    // A decline without a reason is stopped in the form, naming the field.
    await actions.locator('[data-command-submit=decline]').click();
    expect(await actions.locator('form[data-command=decline] [role=alert]').textContent()).toBe('Vui lòng điền: Lý do.');
    await actions.locator('form[data-command=returnForInfo] textarea').fill('Có phim X-quang ngực cũ không?\nKết quả D-dimer?');
    await actions.locator('[data-command-submit=returnForInfo]').click();
    await expect.poll(() => page.textContent('[data-testid=flash]')).toBe('Đã thực hiện: Yêu cầu bổ sung thông tin.');
    expect(await page.getAttribute('.heading-row [data-state]', 'data-state')).toBe('returned');
    expect(await page.textContent('[data-section=intake]')).toContain('Kết quả D-dimer?');
    await page.locator('[data-section=intake]').scrollIntoViewIfNeeded();
    await smallScreenshot(page, path.join(DOCS, 'consult-intake.png'));
    // English by the switch, sections included; back to Vietnamese.
    await page.click('button[data-lang=en]');
    expect(await page.textContent('[data-testid=consult-title]')).toBe('Consult HC-7Q4K2');
    expect(await page.textContent('[data-section=intake] h2')).toBe('Intake (planning office)');
    expect(await page.textContent('[data-section=overview] dd[data-i18n="state.returned"]')).toBe('More information requested');
    await page.click('button[data-lang=vi]');
    await context.close();
  });

  it('the requesting doctor sees the patient, answers the questions, and reads a refused submission with its rule', async () => {
    const { context, page } = await as('bs.lan');
    await login(page, 'bs.lan');
    await page.waitForSelector('a[data-open-consult="hc-submitted"]');
    expect(await page.textContent('[data-testid=consult-table] tr[data-consult="hc-submitted"] [data-field=patient]')).toBe('Nguyễn Thị Hoa');
    await page.click('a[data-open-consult="hc-submitted"]');
    const form = page.locator('form[data-command=answerAndResubmit]');
    await form.waitFor();
    const answers = form.locator('textarea');
    expect(await answers.count()).toBe(2);
    await answers.nth(0).fill('Có, phim năm 2024.');
    await answers.nth(1).fill('D-dimer 0,4 mg/L.');
    // The demo is dated around its load time, so its requested time is still 3 days ahead: ask for one in 2 h,
    // which the server refuses (G-3.2, 24 h ahead), and the form says why.
    const localIn = (ms: number) => {
      const d = new Date(Date.now() + ms);
      return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    };
    await form.locator('input[type=datetime-local]').fill(localIn(2 * 3600_000));
    await form.locator('[data-command-submit]').click();
    const refused = form.locator('[data-testid=problem]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/Quy định G-3\.2/);
    await smallScreenshot(page, path.join(DOCS, 'consult-refused.png'));
    await form.locator('input[type=datetime-local]').fill(localIn(3 * 86_400_000));
    await form.locator('[data-command-submit]').click();
    await expect.poll(() => page.getAttribute('.heading-row [data-state]', 'data-state')).toBe('resubmitted');

    // The request form: a new draft, then a submission the server refuses (no consent, incomplete summary).
    await page.click('a[data-nav=newConsult]');
    await page.waitForSelector('#n-facility option', { state: 'attached' });
    await page.fill('#n-name', 'Phạm Văn Thử');
    await page.fill('#n-birth', '1970-05-06');
    await page.fill('[data-summary-field=history]', 'Đau đầu 2 tuần.');
    await page.fill('[data-summary-field=question]', 'Có cần phẫu thuật không?');
    await page.locator('#n-facility').focus();
    await page.evaluate(() => window.scrollTo(0, 0));
    await smallScreenshot(page, path.join(DOCS, 'request-form.png'));
    await page.click('[data-testid=new-consult] button[type=submit]');
    await page.waitForSelector('form[data-command=submit]');
    expect(await page.textContent('[data-testid=consult-title]')).toMatch(/^Ca hội chẩn HC-/);
    await page.click('[data-command-submit=submit]');
    const problem = page.locator('form[data-command=submit] [data-testid=problem]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-status')).toBe('422');
    expect(await problem.textContent()).toMatch(/Quy định G-\d\.\d+/);
    await context.close();
  });

  it('the director reads the audit log of the hospital, refusals included', async () => {
    const { context, page } = await as('gd.thu');
    await login(page, 'gd.thu');
    await page.waitForSelector('a[data-nav=audit]');
    await page.click('a[data-nav=audit]');
    await page.waitForSelector('[data-testid=audit-table] tbody tr');
    const actions = await page.locator('[data-testid=audit-table] tbody tr td:nth-child(5)').allTextContents();
    expect(actions).toContain('consult.answerAndResubmit');
    await page.selectOption('#a-outcome', 'denied');
    await page.click('form[role=search] button[type=submit]');
    await expect.poll(async () => (await page.locator('[data-testid=audit-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')))).every((o) => o === 'denied')).toBe(true);
    await context.close();
  });

  it('raised no uncaught page errors', () => {
    expect(errors).toEqual([]);
  });
});

/**
 * The live room on the real consult worklist (demo data set built through the real transitions): admission
 * follows the approved participant list and the in_session state, refusals land in the hash-chained audit
 * log, and an IT connection test becomes the worklist's recordConnectionTest command (G-3.5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Gateway } from '../app.js';
import { loadConfig } from '../config/config.js';
import { loadDemo } from '../worklist/demo.js';
import { getConsultForLive } from '../worklist/index.js';

const ADMIN_PW = 'live-wl-admin-password-1';
let gw: Gateway;
let dataDir: string;
let demoPassword: string;
const tokens = new Map<string, string>();

async function as(user: string, method: 'GET' | 'POST', url: string, payload?: object) {
  if (!tokens.has(user)) {
    const r = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user, password: user === 'admin' ? ADMIN_PW : demoPassword } });
    tokens.set(user, (r.json() as { token: string }).token);
  }
  return gw.app.inject({ method, url, headers: { authorization: `Bearer ${tokens.get(user)}` }, ...(payload ? { payload } : {}) });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-live-wl-'));
  gw = await build(loadConfig({}, { dataDir, adminPassword: ADMIN_PW, logLevel: 'silent', dicomPort: null, https: 'off', fsync: false, databaseSchema: `t_${crypto.randomBytes(4).toString('hex')}` }));
  demoPassword = (await loadDemo(gw.worklist, gw.accounts)).password;
}, 120_000);
afterAll(async () => {
  await gw?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('live room on the worklist', () => {
  it('admits an approved participant of an in-session consult and refuses the others, audited', async () => {
    const c = (await getConsultForLive(gw.worklist, 'hc-in_session'))!;
    expect(c.state).toBe('in_session');
    const approved = c.approvedUserIds[0]!;
    const ok = await as(approved, 'GET', '/api/live/rooms/hc-in_session');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ consultId: 'hc-in_session', pseudonym: c.pseudonym, you: { userId: approved } });

    // it.son is a real user of the consulting facility but not on this consult's approved list.
    const outsider = ['it.son', 'gd.binh', 'cg.vy', 'it.hung'].find((u) => !c.approvedUserIds.includes(u))!;
    const refused = await as(outsider, 'GET', '/api/live/rooms/hc-in_session');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ rule: 'G-2.7' });
    expect((await as(approved, 'GET', '/api/live/rooms/hc-connection_tested')).statusCode).toBe(409);

    const audit = await as('admin', 'GET', `/api/audit?action=live.refused&objectId=hc-in_session`);
    const entries = (audit.json() as { entries: { userId: string; outcome: string; action: string }[] }).entries;
    expect(entries).toContainEqual(expect.objectContaining({ userId: outsider, outcome: 'denied', action: 'live.refused' }));
  });

  it('records an IT connection test on the consult through the worklist command', async () => {
    const before = (await gw.worklist.repo.load('hc-participants_approved'))!.connectionTests.length;
    const r = await as('it.son', 'POST', '/api/live/rooms/hc-participants_approved/connection-test', { result: 'ok', rttMs: 4.2, bandwidthMbps: 300 });
    expect(r.statusCode).toBe(200);
    const after = (await gw.worklist.repo.load('hc-participants_approved'))!.connectionTests;
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ result: 'ok', rttMs: 4.2, bandwidthMbps: 300 });
  });
});

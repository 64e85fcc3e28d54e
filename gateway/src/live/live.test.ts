/**
 * Live room over the real HTTPS listener (issue 7): self-signed certificate on first start and reused after,
 * admission (approved participant list G-2.7, in session only G-3.6), signaling relay, presenter state for late
 * joiners, hand-over, and the participant record + audit of every join/leave/role change.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { build, type Gateway } from '../app.js';
import { loadConfig } from '../config/config.js';
import { memoryLivePorts } from './ports.js';
import { BEARER_PROTOCOL_PREFIX, LIVE_PROTOCOL } from './liveRoutes.js';
import { fingerprintOf, httpsEnabled } from '../tls/serverTls.js';
import type { ServerMessage } from './protocol.js';

const PW = 'live-test-password-1';
let gw: Gateway;
let base: string;
let dataDir: string;
const ports = memoryLivePorts([
  { id: 'C1', state: 'in_session', approvedUserIds: ['an', 'binh', 'chi'], roles: { an: 'requesting_doctor', binh: 'consultant_expert', chi: 'it_technician' }, studyUid: '1.2.3', pseudonym: 'HC-1' },
  { id: 'C2', state: 'scheduled', approvedUserIds: ['an'], roles: { an: 'requesting_doctor' }, studyUid: null, pseudonym: 'HC-2' },
]);
const tokens: Record<string, string> = {};
const agent = new https.Agent({ rejectUnauthorized: false });

async function api(method: string, url: string, user: string | null, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await gw.app.inject({ method: method as 'GET', url, headers: user ? { authorization: `Bearer ${tokens[user]}` } : {}, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

/** Opens the room socket as a browser would (token in the subprotocol); collects messages. */
function connect(user: string, consult = 'C1'): Promise<{ ws: WebSocket; msgs: ServerMessage[]; next: (t: ServerMessage['t']) => Promise<ServerMessage> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('https', 'wss')}/api/live/rooms/${consult}/ws`, [LIVE_PROTOCOL, BEARER_PROTOCOL_PREFIX + tokens[user]], { agent });
    const msgs: ServerMessage[] = [];
    const waiters: { t: string; resolve: (m: ServerMessage) => void }[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as ServerMessage;
      msgs.push(m);
      const i = waiters.findIndex((w) => w.t === m.t);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    });
    const next = (t: ServerMessage['t']) => {
      const seen = msgs.findIndex((m) => m.t === t);
      if (seen >= 0) return Promise.resolve(msgs.splice(seen, 1)[0]!);
      return new Promise<ServerMessage>((res) => waiters.push({ t, resolve: (m) => { msgs.splice(msgs.indexOf(m), 1); res(m); } }));
    };
    ws.on('open', () => resolve({ ws, msgs, next }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-live-'));
  const config = loadConfig({}, { dataDir, adminPassword: PW, logLevel: 'silent', dicomPort: null, databaseSchema: `t_${crypto.randomBytes(4).toString('hex')}`, host: '127.0.0.1', https: 'on', httpPort: 0, fsync: false });
  gw = await build(config);
  gw.live.ports = ports;
  for (const u of ['an', 'binh', 'chi', 'dung']) await gw.accounts.createUser(u, PW, ['user'], u.toUpperCase());
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = gw.app.server.address() as { port: number };
  base = `https://127.0.0.1:${addr.port}`;
  for (const u of ['an', 'binh', 'chi', 'dung']) {
    const r = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u, password: PW } });
    tokens[u] = (r.json() as { token: string }).token;
  }
}, 120_000);
afterAll(async () => {
  await gw?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('HTTPS', () => {
  it('serves TLS with the self-signed certificate stored in the data dir, and keeps it on restart', async () => {
    expect(gw.tls?.source).toBe('self-signed-new');
    const pem = fs.readFileSync(path.join(dataDir, 'tls', 'gateway-cert.pem'), 'utf8');
    const peer = await new Promise<{ fingerprint256: string; subjectaltname?: string }>((resolve, reject) => {
      https.get(`${base}/healthz`, { agent: new https.Agent({ rejectUnauthorized: false }) }, (res) => {
        resolve((res.socket as import('node:tls').TLSSocket).getPeerCertificate());
        res.resume();
      }).on('error', reject);
    });
    expect(peer.fingerprint256).toBe(fingerprintOf(pem));
    expect(peer.fingerprint256).toBe(gw.tls!.fingerprint256);
    expect(peer.subjectaltname).toContain('IP Address:127.0.0.1');
    // Plain HTTP against the TLS port fails: there is no silent downgrade.
    await expect(fetch(base.replace('https', 'http') + '/healthz')).rejects.toThrow();
    const again = await build(loadConfig({}, { dataDir, adminPassword: PW, logLevel: 'silent', dicomPort: null, databaseSchema: 'x', host: '0.0.0.0' }));
    try {
      expect(again.tls?.source).toBe('self-signed-stored');
      expect(again.tls?.fingerprint256).toBe(gw.tls!.fingerprint256);
    } finally {
      await again.close();
    }
  });

  it('decides HTTPS by mode and bind address, and rejects bad settings', () => {
    expect(httpsEnabled('auto', '0.0.0.0')).toBe(true);
    expect(httpsEnabled('auto', '192.168.1.20')).toBe(true);
    expect(httpsEnabled('auto', '127.0.0.1')).toBe(false);
    expect(httpsEnabled('off', '0.0.0.0')).toBe(false);
    expect(httpsEnabled('on', '127.0.0.1')).toBe(true);
    expect(() => loadConfig({ HOICHAN_HTTPS: 'maybe' })).toThrow(/HOICHAN_HTTPS/);
    expect(() => loadConfig({ HOICHAN_TLS_CERT: '/x.pem' })).toThrow(/go together/);
    expect(() => loadConfig({ HOICHAN_LIVE_ICE_SERVERS: '{"urls":1}' })).toThrow(/JSON array/);
  });
});

describe('live room admission', () => {
  it('answers the room info to an approved participant while in session', async () => {
    const r = await api('GET', '/api/live/rooms/C1', 'an');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ consultId: 'C1', studyUid: '1.2.3', pseudonym: 'HC-1', you: { userId: 'an', consultRole: 'requesting_doctor' }, iceServers: [], recording: false });
  });

  it('refuses non-participants (403, G-2.7), consults not in session (409, G-3.6), unknown consults and no token', async () => {
    expect((await api('GET', '/api/live/rooms/C1', 'dung')).json).toMatchObject({ status: 403, rule: 'G-2.7' });
    expect((await api('GET', '/api/live/rooms/C2', 'an')).json).toMatchObject({ status: 409, rule: 'G-3.6' });
    expect((await api('GET', '/api/live/rooms/NOPE', 'an')).status).toBe(404);
    expect((await api('GET', '/api/live/rooms/C1', null)).status).toBe(401);
    await expect(connect('dung')).rejects.toThrow('HTTP 403');
    await expect(connect('an', 'C2')).rejects.toThrow('HTTP 409');
    expect(ports.audited.filter((a) => a.action === 'live.refused' && a.outcome === 'denied').map((a) => a.userId)).toEqual(expect.arrayContaining(['dung', 'an']));
  });
});

describe('live room signaling', () => {
  it('relays signals, mirrors the presenter state to late joiners, hands over, and records everything', async () => {
    const a = await connect('an');
    const wa = (await a.next('welcome')) as Extract<ServerMessage, { t: 'welcome' }>;
    expect(wa.you.liveRole).toBe('presenter');
    const b = await connect('binh');
    const wb = (await b.next('welcome')) as Extract<ServerMessage, { t: 'welcome' }>;
    expect(wb.presenter).toBe(wa.you.peerId);
    expect(wb.peers.map((p) => p.userId)).toEqual(['an']);
    await a.next('peer-joined');

    b.ws.send(JSON.stringify({ t: 'signal', to: wa.you.peerId, data: { sdp: 'offer' } }));
    expect(await a.next('signal')).toMatchObject({ from: wb.you.peerId, data: { sdp: 'offer' } });

    // A viewer may not drive the view; bad frames get an error and the socket stays.
    b.ws.send(JSON.stringify({ t: 'state', state: { x: 1 }, sentAt: 1 }));
    expect(await b.next('error')).toMatchObject({ message: /only the presenter/ });
    b.ws.send('{not json');
    expect(await b.next('error')).toMatchObject({ message: 'not JSON' });
    b.ws.send(JSON.stringify({ t: 'laser', laser: { cell: 0, x: 'a', y: 1 }, sentAt: 1 }));
    expect(await b.next('error')).toMatchObject({ message: /cell, x, y/ });

    const before = performance.timeOrigin + performance.now();
    a.ws.send(JSON.stringify({ t: 'state', state: { imageIndex: 7 }, sentAt: 5 }));
    const relayed = (await b.next('state')) as Extract<ServerMessage, { t: 'state' }>;
    expect(relayed).toMatchObject({ state: { imageIndex: 7 }, sentAt: 5 });
    // The gateway stamps its relay on the wall clock the browsers use (the latency breakdown per hop).
    expect(relayed.relayedAt).toBeGreaterThanOrEqual(before);
    expect(relayed.relayedAt).toBeLessThanOrEqual(performance.timeOrigin + performance.now());
    const c = await connect('chi');
    const wc = (await c.next('welcome')) as Extract<ServerMessage, { t: 'welcome' }>;
    expect(wc.state).toEqual({ imageIndex: 7 });

    a.ws.send(JSON.stringify({ t: 'handover', to: wb.you.peerId }));
    expect(await c.next('presenter')).toMatchObject({ peerId: wb.you.peerId });
    b.ws.send(JSON.stringify({ t: 'state', state: { imageIndex: 9 }, sentAt: 6 }));
    expect(await a.next('state')).toMatchObject({ state: { imageIndex: 9 } });

    // The presenter leaves: the earliest remaining peer takes over.
    b.ws.close();
    expect(await a.next('peer-left')).toMatchObject({ peerId: wb.you.peerId });
    expect(await c.next('presenter')).toMatchObject({ peerId: wa.you.peerId });
    a.ws.close();
    c.ws.close();
    await new Promise((r) => setTimeout(r, 100));

    const rec = await api('GET', '/api/live/rooms/C1/record', 'chi');
    expect(rec.json.participants).toEqual(['an', 'binh', 'chi']);
    const ev = (rec.json.entries as { userId: string; event: string; liveRole: string }[]).map((e) => `${e.userId}:${e.event}:${e.liveRole}`);
    expect(ev).toEqual(expect.arrayContaining(['an:join:presenter', 'binh:join:viewer', 'chi:join:viewer', 'an:role:viewer', 'binh:role:presenter', 'binh:leave:presenter', 'an:role:presenter', 'an:leave:presenter', 'chi:leave:viewer']));
    expect(ports.audited.filter((x) => x.consultId === 'C1' && x.action === 'live.join').map((x) => x.userId)).toEqual(['an', 'binh', 'chi']);
    expect((await api('GET', '/api/live/rooms/C1/record', 'dung')).status).toBe(403);
  });

  it('records a connection test through the worklist port and serves probes', async () => {
    const r = await api('POST', '/api/live/rooms/C1/connection-test', 'chi', { result: 'ok', rttMs: 3.5, bandwidthMbps: 120 });
    expect(r.status).toBe(200);
    expect(ports.tests).toEqual([{ userId: 'chi', consultId: 'C1', result: { result: 'ok', rttMs: 3.5, bandwidthMbps: 120 } }]);
    expect((await api('POST', '/api/live/rooms/C1/connection-test', 'chi', { result: 'great' })).status).toBe(400);
    const probe = await gw.app.inject({ method: 'GET', url: '/api/live/probe?bytes=1000', headers: { authorization: `Bearer ${tokens.chi}` } });
    expect(probe.rawPayload.length).toBe(1000);
    const up = await gw.app.inject({ method: 'POST', url: '/api/live/probe', headers: { authorization: `Bearer ${tokens.chi}`, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(5000) });
    expect(up.json()).toMatchObject({ bytes: 5000 });
    const model = await gw.app.inject({ method: 'GET', url: '/live-assets/face-models/tiny_face_detector_model-weights_manifest.json' });
    expect(model.statusCode).toBe(200);
    expect((await gw.app.inject({ method: 'GET', url: '/live-assets/face-models/..%2Fpackage.json' })).statusCode).toBe(404);
  });
});

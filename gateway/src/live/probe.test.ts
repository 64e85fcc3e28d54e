/**
 * The gateway as a WebRTC endpoint for the connection test (G-3.5, issue 7 points 2 and 6): a werift client
 * (standing in for a browser) posts an offer, gets the gateway's own candidates in the answer, connects over
 * ICE/DTLS/SCTP and uses the probe data channel: echo (RTT), upload and download byte counts. Also: who may
 * open a probe, the concurrency limit, the idle timeout, and the STUN binding responder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RTCPeerConnection, Message, classes, methods, parseMessage, type RTCDataChannel } from 'werift';
import { build, type Gateway } from '../app.js';
import { loadConfig } from '../config/config.js';
import { memoryLivePorts } from './ports.js';
import { ProbePeers, parseProbeMessage, type ProbeReply } from './ProbePeers.js';

const PW = 'probe-test-password-1';
let gw: Gateway;
let dataDir: string;
const tokens: Record<string, string> = {};
const clients: RTCPeerConnection[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-probe-'));
  gw = await build(loadConfig({}, {
    dataDir, adminPassword: PW, logLevel: 'silent', dicomPort: null, databaseSchema: `t_${crypto.randomBytes(4).toString('hex')}`,
    host: '127.0.0.1', https: 'off', httpPort: 0, fsync: false, liveMaxProbes: 2, liveStunPort: 0,
  }));
  // Before the session (connection_tested comes first): the probe does not need `in_session`.
  gw.live.ports = memoryLivePorts([{ id: 'C1', state: 'participants_approved', approvedUserIds: ['chi'], roles: { chi: 'it_technician' }, studyUid: null, pseudonym: 'HC-1' }]);
  for (const u of ['chi', 'dung']) {
    await gw.accounts.createUser(u, PW, ['user'], u.toUpperCase());
    tokens[u] = ((await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u, password: PW } })).json() as { token: string }).token;
  }
}, 120_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gw?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A werift peer with one data channel; its complete offer (non-trickle), as a browser would post it. */
async function client(): Promise<{ pc: RTCPeerConnection; ch: RTCDataChannel; offer: { type: 'offer'; sdp: string } }> {
  const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] });
  clients.push(pc);
  const ch = pc.createDataChannel('probe');
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await new Promise<void>((r) => pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') r(); }));
  return { pc, ch, offer: { type: 'offer', sdp: pc.localDescription!.sdp } };
}

function post(user: string | null, body: unknown, consult = 'C1') {
  return gw.app.inject({ method: 'POST', url: `/api/live/rooms/${consult}/probe`, headers: user ? { authorization: `Bearer ${tokens[user]}` } : {}, payload: body as object });
}

/** Collects the gateway's replies; `next` waits for one of a kind. */
function replies(ch: RTCDataChannel): { next: (t: ProbeReply['t']) => Promise<ProbeReply>; binaryBytes: () => number } {
  const got: ProbeReply[] = [];
  const waiters: { t: string; resolve: (m: ProbeReply) => void }[] = [];
  let bin = 0;
  ch.onMessage.subscribe((d) => {
    if (typeof d !== 'string') { bin += d.length; return; }
    const m = JSON.parse(d) as ProbeReply;
    const i = waiters.findIndex((w) => w.t === m.t);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m); else got.push(m);
  });
  return {
    binaryBytes: () => bin,
    next: (t) => {
      const i = got.findIndex((m) => m.t === t);
      if (i >= 0) return Promise.resolve(got.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ t, resolve }));
    },
  };
}

describe('WebRTC probe to the gateway', () => {
  it('answers with the gateway\'s own candidates, connects, echoes and counts bytes both ways', async () => {
    const { pc, ch, offer } = await client();
    const r = await post('chi', offer);
    expect(r.statusCode).toBe(201);
    const ans = r.json() as { probeId: string; type: string; sdp: string };
    expect(ans.type).toBe('answer');
    // The gateway's own host candidate (no STUN server on the internet): nothing outside the network needed.
    expect(ans.sdp).toMatch(/a=candidate:.* 127\.0\.0\.1 \d+ typ host/);
    expect(gw.live.probes.list()).toEqual([expect.objectContaining({ id: ans.probeId, userId: 'chi', consultId: 'C1' })]);
    const rx = replies(ch);
    const open = new Promise<void>((resolve) => ch.stateChanged.subscribe((s) => { if (s === 'open') resolve(); }));
    await pc.setRemoteDescription({ type: 'answer', sdp: ans.sdp });
    await open;
    expect(pc.connectionState).toBe('connected');

    ch.send(JSON.stringify({ t: 'ping', n: 7, ts: 123.5 }));
    expect(await rx.next('pong')).toEqual({ t: 'pong', n: 7, ts: 123.5 });

    // Upload: the gateway counts what arrived (not what was claimed).
    for (let i = 0; i < 20; i++) ch.send(crypto.randomBytes(16 * 1024));
    ch.send(JSON.stringify({ t: 'upload-done' }));
    expect(await rx.next('uploaded')).toMatchObject({ t: 'uploaded', bytes: 20 * 16 * 1024 });

    // Download: asked for 300 000 bytes, that many arrive before download-done (SCTP is ordered).
    ch.send(JSON.stringify({ t: 'download', bytes: 300_000 }));
    expect(await rx.next('download-done')).toEqual({ t: 'download-done', bytes: 300_000 });
    expect(rx.binaryBytes()).toBe(300_000);

    ch.send('{"t":"shutdown"}');
    expect(await rx.next('error')).toMatchObject({ message: /unknown probe message/ });

    // Another user cannot close it; its owner can.
    expect((await gw.app.inject({ method: 'DELETE', url: `/api/live/rooms/C1/probe/${ans.probeId}`, headers: { authorization: `Bearer ${tokens.dung}` } })).statusCode).toBe(404);
    expect((await gw.app.inject({ method: 'DELETE', url: `/api/live/rooms/C1/probe/${ans.probeId}`, headers: { authorization: `Bearer ${tokens.chi}` } })).statusCode).toBe(204);
    expect(gw.live.probes.size).toBe(0);
  }, 60_000);

  it('refuses strangers, bad offers and media, and more probes than configured', async () => {
    const { offer } = await client();
    expect((await post(null, offer)).statusCode).toBe(401);
    expect((await post('dung', offer)).json()).toMatchObject({ status: 403, rule: 'G-3.5' });
    expect((await post('chi', offer, 'NOPE')).statusCode).toBe(404);
    expect((await post('chi', { type: 'answer', sdp: offer.sdp })).statusCode).toBe(400);
    expect((await post('chi', { type: 'offer', sdp: 'hello world' })).statusCode).toBe(400);
    const media = offer.sdp.replace(/^m=application/m, 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:9\r\nm=application');
    expect((await post('chi', { type: 'offer', sdp: media })).json()).toMatchObject({ status: 400, detail: /no audio or video/ });
    expect(gw.live.probes.size).toBe(0);

    // A second probe of the same user on the same consult replaces the first.
    const first = (await post('chi', (await client()).offer)).json() as { probeId: string };
    const again = (await post('chi', (await client()).offer)).json() as { probeId: string };
    expect(gw.live.probes.list().map((p) => p.id)).toEqual([again.probeId]);
    expect(again.probeId).not.toBe(first.probeId);
    // Limit 2 (HOICHAN_LIVE_MAX_PROBES): the third waits for one to close.
    gw.live.ports = memoryLivePorts([{ id: 'C1', state: 'participants_approved', approvedUserIds: ['chi', 'dung'], roles: {}, studyUid: null, pseudonym: 'HC-1' }, { id: 'C2', state: 'scheduled', approvedUserIds: ['chi'], roles: {}, studyUid: null, pseudonym: 'HC-2' }]);
    const ids = [again.probeId];
    const r2 = await post('dung', (await client()).offer);
    expect(r2.statusCode).toBe(201);
    ids.push((r2.json() as { probeId: string }).probeId);
    const third = await post('chi', (await client()).offer, 'C2');
    expect(third.statusCode).toBe(409);
    expect(third.json()).toMatchObject({ detail: /2 connection-test probes/ });
    for (const id of ids) gw.live.probes.close(id);
    expect(gw.live.probes.size).toBe(0);
  }, 60_000);

  it('closes a probe nobody talks to after the idle time', async () => {
    const probes = new ProbePeers({ maxProbes: 1, idleMs: 300, extraHostAddresses: ['127.0.0.1'] });
    await probes.open('chi', 'C1', (await client()).offer);
    expect(probes.size).toBe(1);
    await vi.waitFor(() => expect(probes.size).toBe(0), { timeout: 10_000, interval: 50 });
    expect(parseProbeMessage('{"t":"download","bytes":-1}')).toMatch(/bytes > 0/);
    expect(parseProbeMessage('[')).toBe('not JSON');
    expect(() => loadConfig({ HOICHAN_LIVE_PROBE_PORTS: '40100-40000' })).toThrow(/HOICHAN_LIVE_PROBE_PORTS/);
    expect(loadConfig({ HOICHAN_LIVE_PROBE_PORTS: '40000-40099', HOICHAN_LIVE_STUN_PORT: '3478' })).toMatchObject({ liveProbePorts: '40000-40099', liveStunPort: 3478 });
  });
});

describe('STUN binding responder', () => {
  it('answers a Binding request with the sender\'s address and is handed to browsers as a STUN server', async () => {
    const port = gw.live.stun.port!;
    expect(gw.live.iceServersFor('gw.bv.local')).toEqual([{ urls: `stun:gw.bv.local:${port}` }]);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const own = sock.address().port;
    const req = new Message(methods.BINDING, classes.REQUEST);
    const res = await new Promise<Message>((resolve) => {
      sock.on('message', (d) => resolve(parseMessage(d)!));
      sock.send(new Message(methods.ALLOCATE, classes.REQUEST).bytes, port, '127.0.0.1'); // ignored: not a Binding
      sock.send(req.bytes, port, '127.0.0.1');
    });
    sock.close();
    expect(res.messageClass).toBe(classes.RESPONSE);
    expect(res.transactionId.equals(req.transactionId)).toBe(true);
    expect(res.getAttributeValue('XOR-MAPPED-ADDRESS')).toEqual(['127.0.0.1', own]);
    expect(gw.live.stun.answered).toBe(1);
  });
});

import type { AppContext, Screen } from '../screens/Screen';
import { h, clear } from '../ui/dom';
import { lt, type LiveStringKey } from './strings';
import { probeGateway, median, type GatewayIceResult } from './IceProbe';
import { checkPeers } from './PeerIceCheck';
import type { RoomInfo } from './protocol';
import './live.css';

/** One row; `atMs` is when it finished, from the start of the run (where a slow test spends its time). */
interface Check { key: LiveStringKey; ok: boolean | null; value: string; label?: string; atMs: number }

/** One other site as the test saw it (per-peer ICE state and RTT from the mesh link's getStats). */
interface PeerCheck { userId: string; displayName: string | null; state: string; iceState: string; rttMs: number | null; pair: string | null }

/**
 * The connection test before a meeting (G-3.5): camera, microphone, the gateway (round-trip time, download
 * and upload bandwidth over HTTPS), ICE to the gateway (a WebRTC data channel to its own endpoint: selected
 * candidate pair, echo RTT, throughput), ICE in this browser (candidates gathered with the configured ICE/TURN
 * servers, two local peer connections), and, when others are in the room, ICE to each of them (state, pair,
 * RTT of the mesh link). IT records the result on the consult.
 */
export class ConnectionTestScreen implements Screen {
  private root!: HTMLElement;
  private table!: HTMLElement;
  private checks: Check[] = [];
  private streams: MediaStream[] = [];
  /** The last results (the browser test reads them). */
  result: { ok: boolean; rttMs: number | null; downMbps: number | null; upMbps: number | null; gatewayIce: GatewayIceResult | null; peers: PeerCheck[]; checks: Check[] } | null = null;

  constructor(private readonly ctx: AppContext, private readonly consultId: string) {}

  mount(container: HTMLElement): void {
    this.table = h('tbody');
    const notes = h('textarea', { id: 'live-test-notes', rows: 2, 'data-testid': 'live-test-notes' });
    const recorded = h('p', { role: 'status', 'data-testid': 'live-test-recorded' });
    this.root = h('main', { id: 'main', class: 'live-test', tabindex: -1, 'data-testid': 'live-test' },
      h('a', { href: `#/consults/${encodeURIComponent(this.consultId)}`, class: 'button ghost' }, lt('back')),
      h('h1', {}, lt('testTitle')),
      h('p', { class: 'live-notice', role: 'note' }, lt('noRecording')),
      h('button', { type: 'button', class: 'button', 'data-testid': 'live-test-run', onclick: () => void this.run() }, lt('testRun')),
      h('table', {}, this.table),
      h('label', { for: 'live-test-notes' }, lt('testNotes')), notes,
      h('button', { type: 'button', class: 'button', 'data-testid': 'live-test-record', onclick: () => void this.record(notes.value, recorded) }, lt('testRecord')),
      recorded);
    container.append(this.root);
    (window as unknown as { hoichanLiveTest?: ConnectionTestScreen }).hoichanLiveTest = this;
  }

  async run(): Promise<void> {
    this.root.dataset.state = 'running';
    this.checks = [];
    const started = performance.now();
    const add = (key: LiveStringKey, ok: boolean | null, value: string, label?: string) => { this.checks.push({ key, ok, value, ...(label ? { label } : {}), atMs: Math.round(performance.now() - started) }); this.render(); };
    add('testCamera', ...(await this.camera()));
    add('testMic', ...(await this.mic()));
    const api = this.ctx.config.apiRoot;
    const headers = this.ctx.session.authHeaders();
    let rttMs: number | null = null;
    let downMbps: number | null = null;
    let upMbps: number | null = null;
    try {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        await (await fetch(`${api}/live/probe?bytes=1`, { headers, cache: 'no-store' })).arrayBuffer();
        times.push(performance.now() - t0);
      }
      rttMs = median(times);
      add('testGateway', true, location.host);
      add('testRtt', rttMs < 150, `${rttMs.toFixed(1)} ms`);
      const size = 4 * 1024 * 1024;
      let t0 = performance.now();
      const got = await (await fetch(`${api}/live/probe?bytes=${size}`, { headers, cache: 'no-store' })).arrayBuffer();
      downMbps = (got.byteLength * 8) / ((performance.now() - t0) * 1000);
      add('testDown', downMbps >= 2, `${downMbps.toFixed(1)} Mbit/s`);
      t0 = performance.now();
      await fetch(`${api}/live/probe`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(size / 2) });
      upMbps = (size / 2 * 8) / ((performance.now() - t0) * 1000);
      add('testUp', upMbps >= 2, `${upMbps.toFixed(1)} Mbit/s`);
    } catch (err) {
      add('testGateway', false, (err as Error).message);
    }
    const room = await this.roomInfo();
    const servers = room.info?.iceServers ?? [];
    const gatewayIce = await probeGateway(api, this.consultId, headers, servers);
    const pair = gatewayIce.pair ? `${gatewayIce.pair.local} ↔ ${gatewayIce.pair.remote}` : '—';
    add('testIceGateway', gatewayIce.ok, gatewayIce.ok ? pair : `${gatewayIce.error ?? ''} ${pair}`.trim());
    if (gatewayIce.rttMs !== null) add('testIceGatewayRtt', gatewayIce.rttMs < 150, `${gatewayIce.rttMs.toFixed(1)} ms`);
    if (gatewayIce.downMbps !== null && gatewayIce.upMbps !== null) add('testIceGatewayRate', null, `${gatewayIce.downMbps.toFixed(1)} · ${gatewayIce.upMbps.toFixed(1)} Mbit/s`);
    add('testIceLocal', ...(await this.ice(servers)));
    const peers = await this.peers(room, servers, add);
    for (const s of this.streams) for (const t of s.getTracks()) t.stop();
    this.streams = [];
    const ok = this.checks.every((c) => c.ok !== false);
    this.result = { ok, rttMs, downMbps, upMbps, gatewayIce, peers, checks: this.checks };
    this.root.dataset.state = ok ? 'ok' : 'failed';
  }

  private async camera(): Promise<[boolean, string]> {
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: true });
      this.streams.push(s);
      const v = h('video', { muted: true, playsinline: true });
      v.srcObject = s;
      await v.play();
      await new Promise((r) => setTimeout(r, 300));
      return [v.videoWidth > 0, `${v.videoWidth}×${v.videoHeight}`];
    } catch (err) { return [false, (err as Error).message]; }
  }

  private async mic(): Promise<[boolean, string]> {
    try {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true });
      this.streams.push(s);
      const track = s.getAudioTracks()[0];
      return [track?.readyState === 'live', track?.label || '—'];
    } catch (err) { return [false, (err as Error).message]; }
  }

  /** The room info (ICE servers, who is in); outside the session the gateway answers 409 and the reason. */
  private async roomInfo(): Promise<{ info: RoomInfo | null; why: string }> {
    try {
      const r = await fetch(`${this.ctx.config.apiRoot}/live/rooms/${encodeURIComponent(this.consultId)}`, { headers: this.ctx.session.authHeaders() });
      if (r.ok) return { info: (await r.json()) as RoomInfo, why: '' };
      return { info: null, why: `HTTP ${r.status}: ${((await r.json().catch(() => ({}))) as { detail?: string }).detail ?? ''}` };
    } catch (err) { return { info: null, why: (err as Error).message }; }
  }

  /** ICE to each other site in the room: one row per peer (state, selected pair, RTT). */
  private async peers(room: { info: RoomInfo | null; why: string }, servers: RTCIceServer[], add: (key: LiveStringKey, ok: boolean | null, value: string, label?: string) => void): Promise<PeerCheck[]> {
    if (!room.info || room.info.inRoom === 0) {
      add('testPeers', null, room.info ? lt('testPeersNone') : room.why);
      return [];
    }
    const wsUrl = new URL(`${this.ctx.config.apiRoot}/live/rooms/${encodeURIComponent(this.consultId)}/ws`, location.href);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    try {
      const results = await checkPeers(wsUrl.href, this.ctx.session.current?.token ?? '', servers);
      if (!results.length) add('testPeers', null, lt('testPeersNone'));
      return results.map(({ peer, stats }) => {
        const c: PeerCheck = {
          userId: peer.userId, displayName: peer.displayName, state: stats?.state ?? 'new', iceState: stats?.iceState ?? 'new',
          rttMs: stats?.rttMs ?? null, pair: stats?.pair ? `${stats.pair.local} ↔ ${stats.pair.remote}` : null,
        };
        const rtt = c.rttMs === null ? '' : ` · RTT ${c.rttMs.toFixed(1)} ms`;
        add('testPeer', c.state === 'connected', `ICE ${c.iceState}${rtt}${c.pair ? ` · ${c.pair}` : ''}`, lt('testPeer', { name: peer.displayName ?? peer.userId }));
        return c;
      });
    } catch (err) {
      add('testPeers', false, (err as Error).message);
      return [];
    }
  }

  /** Two local peer connections with the configured servers: gathers candidate types and connects. */
  private async ice(servers: RTCIceServer[]): Promise<[boolean, string]> {
    const a = new RTCPeerConnection({ iceServers: servers });
    const b = new RTCPeerConnection({ iceServers: servers });
    const types = new Set<string>();
    a.onicecandidate = (e) => { if (e.candidate) { types.add(e.candidate.type ?? '?'); void b.addIceCandidate(e.candidate); } };
    b.onicecandidate = (e) => { if (e.candidate) void a.addIceCandidate(e.candidate); };
    const ch = a.createDataChannel('probe');
    const opened = new Promise<boolean>((resolve) => { ch.onopen = () => resolve(true); setTimeout(() => resolve(false), 5000); });
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    const ok = await opened;
    a.close();
    b.close();
    return [ok, [...types].join(', ') || '—'];
  }

  private render(): void {
    clear(this.table);
    for (const c of this.checks) {
      this.table.append(h('tr', { 'data-check': c.key }, h('th', { scope: 'row' }, c.label ?? lt(c.key)), h('td', { 'data-ok': String(c.ok) }, c.ok === null ? '—' : c.ok ? lt('testOk') : lt('testFailed')), h('td', {}, c.value)));
    }
  }

  private async record(notes: string, out: HTMLElement): Promise<void> {
    if (!this.result) await this.run();
    const r = this.result!;
    // The ICE findings travel in the notes (the worklist records result, RTT, bandwidth and free text).
    const g = r.gatewayIce;
    const ice = [
      g ? `ICE gateway: ${g.ok ? 'ok' : 'failed'}${g.pair ? ` (${g.pair.local} ↔ ${g.pair.remote})` : ''}${g.rttMs !== null ? `, RTT ${round(g.rttMs)} ms` : ''}` : '',
      ...r.peers.map((p) => `ICE ${p.userId}: ${p.state}${p.rttMs !== null ? `, RTT ${round(p.rttMs)} ms` : ''}`),
    ].filter(Boolean).join('; ');
    const text = [notes, ice].filter(Boolean).join('\n').slice(0, 2000);
    const body = { result: r.ok ? 'ok' : 'failed', ...(r.rttMs !== null ? { rttMs: round(r.rttMs) } : {}), ...(r.downMbps !== null ? { bandwidthMbps: round(Math.min(r.downMbps, r.upMbps ?? r.downMbps)) } : {}), ...(text ? { notes: text } : {}) };
    const res = await fetch(`${this.ctx.config.apiRoot}/live/rooms/${encodeURIComponent(this.consultId)}/connection-test`, { method: 'POST', headers: { ...this.ctx.session.authHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    out.textContent = res.ok ? lt('testRecorded') : `HTTP ${res.status}: ${((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? ''}`;
    out.dataset.ok = String(res.ok);
  }

  unmount(): void {
    for (const s of this.streams) for (const t of s.getTracks()) t.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * ICE checks of the connection test (G-3.5): a WebRTC data channel to the gateway itself (it answers with
 * its own candidates: POST /api/live/rooms/:id/probe, gateway/src/live/ProbePeers.ts), measuring the selected
 * candidate pair, the round-trip time of an echo and the throughput both ways over it.
 */

/** The candidate pair ICE chose, as getStats() reports it. */
export interface SelectedPair {
  local: string;
  remote: string;
  /** STUN round-trip time of the pair, ms (Chromium measures it on consent checks). */
  rttMs: number | null;
}

export interface GatewayIceResult {
  ok: boolean;
  pair: SelectedPair | null;
  /** Median echo round trip over the data channel, ms. */
  rttMs: number | null;
  downMbps: number | null;
  upMbps: number | null;
  /** When each step ended, ms from the start (gather, answer, open, rtt, down, up): where a slow probe waits. */
  phasesMs: Record<string, number>;
  error?: string;
}

/** Bytes moved each way over the data channel (the gateway's SCTP is JavaScript: this is a lower bound). */
const DOWN_BYTES = 512 * 1024;
const UP_BYTES = 512 * 1024;
const CHUNK = 16 * 1024;

/** The selected candidate pair of `pc` ("host udp 192.168.1.5" ↔ …), or null before ICE connects. */
export async function selectedPair(pc: RTCPeerConnection): Promise<SelectedPair | null> {
  const stats = await pc.getStats();
  const byId = new Map<string, Record<string, unknown>>();
  stats.forEach((r: Record<string, unknown>) => byId.set(String(r.id), r));
  let pair: Record<string, unknown> | undefined;
  for (const r of byId.values()) if (r.type === 'transport' && r.selectedCandidatePairId) pair = byId.get(String(r.selectedCandidatePairId));
  if (!pair) for (const r of byId.values()) if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r;
  if (!pair) return null;
  const describe = (id: unknown) => {
    const c = byId.get(String(id));
    return c ? `${String(c.candidateType)} ${String(c.protocol ?? '')} ${String(c.address ?? c.ip ?? '')}`.replace(/\s+/g, ' ').trim() : '?';
  };
  const rtt = typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null;
  return { local: describe(pair.localCandidateId), remote: describe(pair.remoteCandidateId), rttMs: rtt };
}

/** Opens a data channel to the gateway, measures, and closes it again. */
export async function probeGateway(apiRoot: string, consultId: string, headers: Record<string, string>, iceServers: RTCIceServer[] = []): Promise<GatewayIceResult> {
  const url = `${apiRoot}/live/rooms/${encodeURIComponent(consultId)}/probe`;
  const pc = new RTCPeerConnection({ iceServers });
  const ch = pc.createDataChannel('probe');
  ch.binaryType = 'arraybuffer';
  let probeId: string | null = null;
  const inbox = channelInbox(ch);
  const start = performance.now();
  const phasesMs: Record<string, number> = {};
  const phase = (name: string) => { phasesMs[name] = Math.round(performance.now() - start); };
  try {
    await pc.setLocalDescription();
    await gathered(pc, 3000);
    phase('gather');
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp }) });
    const body = (await res.json()) as { probeId?: string; sdp?: string; detail?: string };
    if (!res.ok || !body.sdp) return fail(`HTTP ${res.status}: ${body.detail ?? ''}`);
    probeId = body.probeId ?? null;
    phase('answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });
    if (!(await opened(ch, 8000))) return fail(`ICE ${pc.iceConnectionState}`);
    phase('open');
    const times: number[] = [];
    for (let n = 0; n < 10; n++) {
      const t0 = performance.now();
      ch.send(JSON.stringify({ t: 'ping', n, ts: t0 }));
      await inbox.next('pong');
      times.push(performance.now() - t0);
    }
    phase('rtt');
    let t0 = performance.now();
    ch.send(JSON.stringify({ t: 'download', bytes: DOWN_BYTES }));
    const down = (await inbox.next('download-done')) as { bytes: number };
    const downMbps = (down.bytes * 8) / ((performance.now() - t0) * 1000);
    phase('down');
    const chunk = new Uint8Array(CHUNK);
    t0 = performance.now();
    ch.bufferedAmountLowThreshold = 256 * 1024;
    for (let sent = 0; sent < UP_BYTES; sent += CHUNK) {
      if (ch.bufferedAmount > 1024 * 1024) await new Promise((r) => { ch.onbufferedamountlow = r; });
      ch.send(chunk);
    }
    ch.send(JSON.stringify({ t: 'upload-done' }));
    const up = (await inbox.next('uploaded')) as { bytes: number };
    const upMbps = (up.bytes * 8) / ((performance.now() - t0) * 1000);
    phase('up');
    return { ok: up.bytes === UP_BYTES && down.bytes === DOWN_BYTES, pair: await selectedPair(pc), rttMs: median(times), downMbps, upMbps, phasesMs };
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    pc.close();
    if (probeId) void fetch(`${url}/${encodeURIComponent(probeId)}`, { method: 'DELETE', headers }).catch(() => undefined);
  }

  async function fail(error: string): Promise<GatewayIceResult> {
    return { ok: false, pair: await selectedPair(pc).catch(() => null), rttMs: null, downMbps: null, upMbps: null, phasesMs, error };
  }
}

/** JSON control replies by kind, with a timeout so a stalled probe fails instead of hanging the test page. */
function channelInbox(ch: RTCDataChannel): { next: (t: string) => Promise<Record<string, unknown>> } {
  const waiting = new Map<string, (m: Record<string, unknown>) => void>();
  ch.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data !== 'string') return;
    const m = JSON.parse(e.data) as Record<string, unknown>;
    waiting.get(String(m.t))?.(m);
    waiting.delete(String(m.t));
  });
  return {
    next: (t) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${t} from the gateway`)), 15_000);
      waiting.set(t, (m) => { clearTimeout(timer); resolve(m); });
    }),
  };
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } });
  });
}

function opened(ch: RTCDataChannel, timeoutMs: number): Promise<boolean> {
  if (ch.readyState === 'open') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    ch.addEventListener('open', () => { clearTimeout(t); resolve(true); });
    ch.addEventListener('close', () => { clearTimeout(t); resolve(false); });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

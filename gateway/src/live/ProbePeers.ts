import crypto from 'node:crypto';
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { HoiError } from '../errors.js';

/**
 * The gateway as a WebRTC endpoint for the connection test (G-3.5, issue 7 point 6): a browser sends an SDP
 * offer with one data channel, the gateway (werift, pure TypeScript) answers with its own host candidates, and
 * ICE to the gateway is then proven the same way media would go (UDP, DTLS, SCTP), not just HTTPS. Over the
 * channel the gateway answers the probe protocol ({@link ProbeMessage}): echo for RTT, byte counts for upload,
 * a byte stream for download. No media are accepted: an offer with audio/video sections is refused.
 */
export interface ProbePeerOptions {
  /** Probes open at once on this gateway (each holds a UDP socket and a DTLS/SCTP stack). */
  maxProbes: number;
  /** A probe is closed after this long without a message from the browser. */
  idleMs: number;
  /** Host addresses the gateway offers besides its interfaces (werift skips loopback unless listed). */
  extraHostAddresses: string[];
  /** UDP ports used for the gateway's candidates (a firewall rule), or undefined for any. */
  portRange?: [number, number];
}

/** Browser → gateway over the `probe` data channel (JSON text); binary frames are upload bytes. */
export type ProbeMessage =
  | { t: 'ping'; n: number; ts: number }
  | { t: 'upload-done' }
  | { t: 'download'; bytes: number };

/** Gateway → browser (JSON text); binary frames are download bytes. */
export type ProbeReply =
  | { t: 'pong'; n: number; ts: number }
  | { t: 'uploaded'; bytes: number; ms: number }
  | { t: 'download-done'; bytes: number }
  | { t: 'error'; message: string };

/** Largest download the browser may ask for (it measures throughput, not the LAN's capacity to carry a file). */
export const MAX_DOWNLOAD_BYTES = 8 * 1024 * 1024;
const CHUNK = 16 * 1024;
/** Pause sending while more than this is queued in SCTP (werift buffers without limit otherwise). */
const HIGH_WATER = 1024 * 1024;

interface Probe {
  id: string;
  userId: string;
  consultId: string;
  pc: RTCPeerConnection;
  idle: NodeJS.Timeout;
  upBytes: number;
  upFirstAt: number | null;
}

export interface ProbeInfo {
  id: string;
  userId: string;
  consultId: string;
  connectionState: string;
}

export class ProbePeers {
  private readonly probes = new Map<string, Probe>();

  constructor(private readonly opts: ProbePeerOptions) {}

  get size(): number {
    return this.probes.size;
  }

  list(): ProbeInfo[] {
    return [...this.probes.values()].map((p) => ({ id: p.id, userId: p.userId, consultId: p.consultId, connectionState: p.pc.connectionState }));
  }

  /** Answers a browser's offer (complete, non-trickle: the gateway's candidates are in the answer). */
  async open(userId: string, consultId: string, offer: { type: string; sdp: string }): Promise<{ id: string; answer: { type: 'answer'; sdp: string } }> {
    if (offer.type !== 'offer' || typeof offer.sdp !== 'string' || !offer.sdp.startsWith('v=0')) throw new HoiError('HOI_ERR_BAD_REQUEST', 'body must be {type:"offer", sdp:"v=0…"}');
    if (/^m=(audio|video)/m.test(offer.sdp)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'the probe takes a data channel only: no audio or video sections (G-2.5: the gateway never receives media)');
    if (!/^m=application .*DTLS\/SCTP/m.test(offer.sdp)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'the offer has no data channel (m=application … DTLS/SCTP)');
    // A re-run of the test replaces the user's previous probe on this consult instead of holding two.
    for (const p of [...this.probes.values()]) if (p.userId === userId && p.consultId === consultId) this.close(p.id);
    if (this.probes.size >= this.opts.maxProbes) throw new HoiError('HOI_ERR_CONFLICT', `${this.opts.maxProbes} connection-test probes are already open on this gateway; retry in a minute`);
    const pc = new RTCPeerConnection({
      // Only the gateway's own addresses: nothing outside the hospital network (its default STUN is on the internet).
      iceServers: [],
      iceUseIpv6: false,
      ...(this.opts.extraHostAddresses.length ? { iceAdditionalHostAddresses: this.opts.extraHostAddresses } : {}),
      ...(this.opts.portRange ? { icePortRange: this.opts.portRange } : {}),
    });
    const id = crypto.randomUUID();
    const probe: Probe = { id, userId, consultId, pc, idle: setTimeout(() => this.close(id), this.opts.idleMs), upBytes: 0, upFirstAt: null };
    probe.idle.unref();
    this.probes.set(id, probe);
    pc.onDataChannel.subscribe((ch) => this.serve(probe, ch));
    pc.connectionStateChange.subscribe((s) => { if (s === 'failed' || s === 'closed') this.close(id); });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, 5000);
      return { id, answer: { type: 'answer', sdp: pc.localDescription!.sdp } };
    } catch (err) {
      this.close(id);
      throw new HoiError('HOI_ERR_BAD_REQUEST', `the offer could not be answered: ${(err as Error).message}`);
    }
  }

  /** Closes a probe of `userId` (or any when userId is null); false when there is none. */
  closeOwned(id: string, userId: string | null): boolean {
    const p = this.probes.get(id);
    if (!p || (userId !== null && p.userId !== userId)) return false;
    this.close(id);
    return true;
  }

  close(id: string): void {
    const p = this.probes.get(id);
    if (!p) return;
    this.probes.delete(id);
    clearTimeout(p.idle);
    void p.pc.close().catch(() => undefined);
  }

  closeAll(): void {
    for (const id of [...this.probes.keys()]) this.close(id);
  }

  private touch(p: Probe): void {
    p.idle.refresh();
  }

  private serve(p: Probe, ch: RTCDataChannel): void {
    const reply = (m: ProbeReply) => { if (ch.readyState === 'open') ch.send(JSON.stringify(m)); };
    ch.onMessage.subscribe((data) => {
      this.touch(p);
      if (typeof data !== 'string') {
        p.upFirstAt ??= performance.now();
        p.upBytes += data.length;
        return;
      }
      const m = parseProbeMessage(data);
      if (typeof m === 'string') return reply({ t: 'error', message: m });
      if (m.t === 'ping') return reply({ t: 'pong', n: m.n, ts: m.ts });
      if (m.t === 'upload-done') {
        reply({ t: 'uploaded', bytes: p.upBytes, ms: p.upFirstAt === null ? 0 : performance.now() - p.upFirstAt });
        p.upBytes = 0;
        p.upFirstAt = null;
        return;
      }
      void this.download(p, ch, Math.min(MAX_DOWNLOAD_BYTES, m.bytes)).then((bytes) => reply({ t: 'download-done', bytes }));
    });
  }

  /** Sends `total` random bytes, waiting for the SCTP queue to drain (backpressure). */
  private async download(p: Probe, ch: RTCDataChannel, total: number): Promise<number> {
    const chunk = crypto.randomBytes(CHUNK);
    ch.bufferedAmountLowThreshold = HIGH_WATER / 2;
    let sent = 0;
    while (sent < total && ch.readyState === 'open' && this.probes.has(p.id)) {
      if (ch.bufferedAmount > HIGH_WATER) {
        await new Promise<void>((resolve) => {
          const { unSubscribe } = ch.bufferedAmountLow.subscribe(() => { unSubscribe(); resolve(); });
        });
        this.touch(p);
        continue;
      }
      const n = Math.min(CHUNK, total - sent);
      ch.send(n === CHUNK ? chunk : chunk.subarray(0, n));
      sent += n;
    }
    return sent;
  }
}

/** Parses one probe text frame; an error text for anything else. */
export function parseProbeMessage(raw: string): ProbeMessage | string {
  if (raw.length > 1024) return 'control messages are small JSON objects';
  let o: Record<string, unknown>;
  try { o = JSON.parse(raw) as Record<string, unknown>; } catch { return 'not JSON'; }
  if (!o || typeof o !== 'object') return 'not an object';
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  switch (o.t) {
    case 'ping': return num(o.n) && num(o.ts) ? { t: 'ping', n: o.n, ts: o.ts } : 'ping needs n and ts';
    case 'upload-done': return { t: 'upload-done' };
    case 'download': return num(o.bytes) && o.bytes > 0 ? { t: 'download', bytes: Math.floor(o.bytes) } : 'download needs bytes > 0';
    default: return `unknown probe message ${JSON.stringify(o.t)}`;
  }
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') { clearTimeout(t); unSubscribe(); resolve(); }
    });
  });
}

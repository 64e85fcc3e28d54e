import type { PeerId } from './protocol';
import { selectedPair, type SelectedPair } from './IceProbe';

/** One mesh link's transport figures; `pair` is the selected ICE candidate pair (connection test, G-3.5). */
export interface PeerStats {
  state: string;
  iceState: string;
  framesDecoded: number;
  bytesReceived: number;
  bytesSent: number;
  rttMs: number | null;
  frameWidth: number;
  pair: SelectedPair | null;
}

/** What travels in a `signal` message between two browsers. */
type Signal = { description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit | null };

interface PeerLink {
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  stream: MediaStream;
  /** The shared view's channel to this peer (state and laser, peer-to-peer). */
  channel: RTCDataChannel;
}

/**
 * Pre-negotiated (same id on both sides, no in-band DATA_CHANNEL_OPEN), ordered and reliable: the view state is
 * a whole snapshot, so a lost one must not be replaced by an older one arriving later.
 */
const VIEW_CHANNEL: RTCDataChannelInit = { negotiated: true, id: 0, ordered: true };

/**
 * Audio and video among the room's endpoints as a peer-to-peer mesh (≤ 8 endpoints): each browser holds one
 * RTCPeerConnection per other endpoint and the gateway only relays signaling. Negotiation follows the
 * "perfect negotiation" pattern (the peer with the greater id is polite), so simultaneous offers settle.
 * Local tracks are replaced in place (camera ↔ blurred canvas) without renegotiating.
 */
export class MeshCall {
  private readonly links = new Map<PeerId, PeerLink>();
  private tracks: MediaStreamTrack[] = [];

  constructor(private readonly self: PeerId, private readonly iceServers: RTCIceServer[], private readonly cb: {
    signal: (to: PeerId, data: Signal) => void;
    onRemoteStream: (peer: PeerId, stream: MediaStream) => void;
    onState: (peer: PeerId, state: RTCPeerConnectionState) => void;
    /** A text message on a peer's view channel. */
    onData?: (peer: PeerId, text: string) => void;
  }) {}

  /** Sends `text` on every open view channel; returns the peers it went to. */
  broadcastData(text: string): Set<PeerId> {
    const sent = new Set<PeerId>();
    for (const [peer, { channel }] of this.links) {
      if (channel.readyState !== 'open') continue;
      try { channel.send(text); sent.add(peer); } catch { /* closing */ }
    }
    return sent;
  }

  /** Sets the local tracks sent to every peer (one audio, one video at most). */
  setLocalTracks(tracks: MediaStreamTrack[]): void {
    this.tracks = tracks;
    for (const link of this.links.values()) this.syncSenders(link);
  }

  /**
   * Opens a connection to `peer`. The newcomer initiates towards everyone already in the room; the others
   * answer (their link is made by the first signal). A collision still settles: the impolite offer wins.
   */
  connect(peer: PeerId, initiator = true): void {
    if (this.links.has(peer)) return;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const channel = pc.createDataChannel('view', VIEW_CHANNEL);
    const link: PeerLink = { pc, polite: this.self > peer, makingOffer: false, ignoreOffer: false, stream: new MediaStream(), channel };
    channel.onmessage = (e) => { if (typeof e.data === 'string') this.cb.onData?.(peer, e.data); };
    this.links.set(peer, link);
    // Always offer both kinds so a peer without a camera still receives video (and the reverse).
    if (initiator) {
      pc.addTransceiver('audio', { direction: 'sendrecv' });
      pc.addTransceiver('video', { direction: 'sendrecv' });
      this.syncSenders(link);
    }
    pc.ontrack = (e) => {
      link.stream.addTrack(e.track);
      this.cb.onRemoteStream(peer, link.stream);
    };
    pc.onicecandidate = (e) => this.cb.signal(peer, { candidate: e.candidate ? e.candidate.toJSON() : null });
    pc.onconnectionstatechange = () => this.cb.onState(peer, pc.connectionState);
    pc.onnegotiationneeded = async () => {
      try {
        link.makingOffer = true;
        await pc.setLocalDescription();
        this.cb.signal(peer, { description: pc.localDescription!.toJSON() });
      } catch (err) {
        console.warn('live: offer failed', err);
      } finally {
        link.makingOffer = false;
      }
    };
  }

  async onSignal(from: PeerId, data: Signal): Promise<void> {
    if (!this.links.has(from)) this.connect(from, false);
    const link = this.links.get(from)!;
    const { pc } = link;
    try {
      if ('description' in data) {
        const d = data.description;
        const collision = d.type === 'offer' && (link.makingOffer || pc.signalingState !== 'stable');
        link.ignoreOffer = !link.polite && collision;
        if (link.ignoreOffer) return;
        await pc.setRemoteDescription(d);
        if (d.type === 'offer') {
          for (const tr of pc.getTransceivers()) if (tr.direction === 'recvonly') tr.direction = 'sendrecv';
          this.syncSenders(link);
          await pc.setLocalDescription();
          this.cb.signal(from, { description: pc.localDescription!.toJSON() });
        }
      } else if (data.candidate) {
        try { await pc.addIceCandidate(data.candidate); } catch (err) { if (!link.ignoreOffer) throw err; }
      }
    } catch (err) {
      console.warn('live: signaling error', err);
    }
  }

  disconnect(peer: PeerId): void {
    this.links.get(peer)?.pc.close();
    this.links.delete(peer);
  }

  close(): void {
    for (const p of [...this.links.keys()]) this.disconnect(p);
  }

  /** Per-peer transport figures (tests, the benchmark, the connection test). */
  async stats(): Promise<Record<PeerId, PeerStats>> {
    const out: Record<PeerId, PeerStats> = {};
    for (const [peer, { pc }] of this.links) {
      const s: PeerStats = { state: pc.connectionState, iceState: pc.iceConnectionState, framesDecoded: 0, bytesReceived: 0, bytesSent: 0, rttMs: null, frameWidth: 0, pair: await selectedPair(pc) };
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') { s.framesDecoded += Number(r.framesDecoded ?? 0); s.frameWidth = Number(r.frameWidth ?? 0); }
        if (r.type === 'inbound-rtp') s.bytesReceived += Number(r.bytesReceived ?? 0);
        if (r.type === 'outbound-rtp') s.bytesSent += Number(r.bytesSent ?? 0);
        if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') s.rttMs = r.currentRoundTripTime * 1000;
      });
      s.rttMs ??= s.pair?.rttMs ?? null;
      out[peer] = s;
    }
    return out;
  }

  private syncSenders(link: PeerLink): void {
    for (const tr of link.pc.getTransceivers()) {
      const kind = tr.receiver.track.kind;
      const track = this.tracks.find((t) => t.kind === kind) ?? null;
      if (tr.sender.track !== track) void tr.sender.replaceTrack(track);
    }
  }
}

import crypto from 'node:crypto';
import type { ClientMessage, LiveRole, MediaFlags, PeerId, PeerInfo, ServerMessage } from './protocol.js';

/** Wall-clock ms with sub-ms precision, comparable with the browsers' `performance.timeOrigin + performance.now()` on one machine. */
const wallMs = (): number => performance.timeOrigin + performance.now();

/** The part of a WebSocket the room uses (lets the room be tested without sockets). */
export interface PeerSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** A role change or a departure, for the participant record and the audit log. */
export interface RoomEvent {
  event: 'join' | 'leave' | 'role';
  peer: PeerInfo;
}

interface Peer {
  info: PeerInfo;
  socket: PeerSocket;
}

/**
 * One consult's live room: who is in it, who presents, the presenter's last view state (for late joiners),
 * and the relay of WebRTC signaling between peers. The first to join presents; the presenter hands over, and
 * when the presenter leaves, the earliest remaining peer takes over so the shared view never stalls.
 */
export class Room {
  private readonly peers = new Map<PeerId, Peer>();
  private presenter: PeerId | null = null;
  private state: unknown = null;
  private laser: unknown = null;
  private seq = 0;
  /** Bytes relayed per peer (the benchmark's signaling bandwidth). */
  readonly relayedBytes = new Map<PeerId, number>();

  constructor(readonly consultId: string, private readonly iceServers: unknown[], private readonly onEvent: (e: RoomEvent) => void) {}

  get size(): number {
    return this.peers.size;
  }

  get presenterId(): PeerId | null {
    return this.presenter;
  }

  list(): PeerInfo[] {
    return [...this.peers.values()].map((p) => ({ ...p.info }));
  }

  hasUser(userId: string): boolean {
    for (const p of this.peers.values()) if (p.info.userId === userId) return true;
    return false;
  }

  /** Adds a peer and sends it the room as it is (peers, presenter, last view state). */
  join(socket: PeerSocket, who: { userId: string; displayName: string | null; consultRole: string }, onId?: (id: PeerId) => void): PeerId {
    const peerId = crypto.randomBytes(6).toString('base64url');
    onId?.(peerId);
    const liveRole: LiveRole = this.presenter === null ? 'presenter' : 'viewer';
    const info: PeerInfo = { peerId, ...who, liveRole, media: { camera: false, mic: false, patientPresent: false } };
    const others = this.list();
    this.peers.set(peerId, { info, socket });
    if (liveRole === 'presenter') this.presenter = peerId;
    this.sendTo(peerId, { t: 'welcome', you: { ...info }, peers: others, presenter: this.presenter, state: this.state, laser: this.laser, iceServers: this.iceServers });
    this.broadcast({ t: 'peer-joined', peer: { ...info } }, peerId);
    this.onEvent({ event: 'join', peer: { ...info } });
    return peerId;
  }

  leave(peerId: PeerId): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    this.peers.delete(peerId);
    this.onEvent({ event: 'leave', peer: { ...p.info } });
    this.broadcast({ t: 'peer-left', peerId });
    if (this.presenter === peerId) {
      const next = this.peers.keys().next();
      this.setPresenter(next.done ? null : next.value);
    }
  }

  /** Handles one message from `from`; returns an error text to send back, or null. */
  handle(from: PeerId, m: ClientMessage): string | null {
    const peer = this.peers.get(from);
    if (!peer) return 'not in the room';
    switch (m.t) {
      case 'signal': {
        if (!this.peers.has(m.to) || m.to === from) return `no peer ${m.to}`;
        this.sendTo(m.to, { t: 'signal', from, data: m.data });
        return null;
      }
      case 'state':
        if (this.presenter !== from) return 'only the presenter shares the view';
        this.state = m.state;
        this.broadcast({ t: 'state', from, state: m.state, sentAt: m.sentAt, seq: ++this.seq, relayedAt: wallMs() }, from);
        return null;
      case 'laser':
        if (this.presenter !== from) return 'only the presenter has the laser pointer';
        this.laser = m.laser;
        this.broadcast({ t: 'laser', from, laser: m.laser, sentAt: m.sentAt, relayedAt: wallMs() }, from);
        return null;
      case 'handover':
        if (this.presenter !== from) return 'only the presenter hands over';
        if (!this.peers.has(m.to)) return `no peer ${m.to}`;
        this.setPresenter(m.to);
        return null;
      case 'claim':
        if (this.presenter !== null && this.presenter !== from) return 'someone presents: ask for a hand-over';
        this.setPresenter(from);
        return null;
      case 'media':
        peer.info.media = { ...m.media } satisfies MediaFlags;
        this.broadcast({ t: 'peer-media', peerId: from, media: { ...m.media } }, from);
        return null;
      case 'ping':
        this.sendTo(from, { t: 'pong', ts: m.ts, serverTime: Date.now() });
        return null;
    }
  }

  /** Closes every socket (the consult left its session, or the gateway stops). */
  closeAll(reason: string): void {
    for (const [id, p] of this.peers) {
      this.sendTo(id, { t: 'closed', reason });
      p.socket.close(4000, reason.slice(0, 120));
    }
  }

  private setPresenter(next: PeerId | null): void {
    if (next === this.presenter) return;
    const prev = this.presenter !== null ? this.peers.get(this.presenter) : undefined;
    this.presenter = next;
    if (prev) {
      prev.info.liveRole = 'viewer';
      this.onEvent({ event: 'role', peer: { ...prev.info } });
    }
    const p = next !== null ? this.peers.get(next) : undefined;
    if (p) {
      p.info.liveRole = 'presenter';
      this.onEvent({ event: 'role', peer: { ...p.info } });
    }
    this.broadcast({ t: 'presenter', peerId: next });
  }

  sendTo(peerId: PeerId, m: ServerMessage): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    const text = JSON.stringify(m);
    this.relayedBytes.set(peerId, (this.relayedBytes.get(peerId) ?? 0) + text.length);
    try { p.socket.send(text); } catch { /* closing: the close handler removes it */ }
  }

  private broadcast(m: ServerMessage, except?: PeerId): void {
    const text = JSON.stringify(m);
    for (const [id, p] of this.peers) {
      if (id === except) continue;
      this.relayedBytes.set(id, (this.relayedBytes.get(id) ?? 0) + text.length);
      try { p.socket.send(text); } catch { /* closing */ }
    }
  }
}

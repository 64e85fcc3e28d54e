/**
 * Messages of the live room's signaling socket (JSON text frames). The viewer imports this module as is
 * (viewer/src/live/protocol.ts), so keep it free of Node imports. Media never pass through here: SDP and ICE candidates are relayed between
 * browsers (peer-to-peer mesh), and the shared view is state, never images (G-1.3: images render locally).
 */
export type PeerId = string;
export type LiveRole = 'presenter' | 'viewer';

export interface PeerInfo {
  peerId: PeerId;
  userId: string;
  displayName: string | null;
  consultRole: string;
  liveRole: LiveRole;
  media: MediaFlags;
}

export interface MediaFlags {
  camera: boolean;
  mic: boolean;
  /** The sender blurs faces before encoding (G-2.4). */
  patientPresent: boolean;
}

/** Client → gateway. */
export type ClientMessage =
  | { t: 'signal'; to: PeerId; data: unknown }
  /** Presenter only: the whole view state (replaces the previous one; late joiners get the last). */
  | { t: 'state'; state: unknown; sentAt: number }
  /** Presenter only: laser pointer position (cell index, 0..1 coordinates) or null when hidden. */
  | { t: 'laser'; laser: { cell: number; x: number; y: number } | null; sentAt: number }
  /** Presenter gives the role to `to`; anyone may `claim` it when nobody presents. */
  | { t: 'handover'; to: PeerId }
  | { t: 'claim' }
  | { t: 'media'; media: MediaFlags }
  | { t: 'ping'; ts: number };

/** Gateway → client. */
export type ServerMessage =
  | { t: 'welcome'; you: PeerInfo; peers: PeerInfo[]; presenter: PeerId | null; state: unknown; laser: unknown; iceServers: unknown[] }
  | { t: 'peer-joined'; peer: PeerInfo }
  | { t: 'peer-left'; peerId: PeerId }
  | { t: 'peer-media'; peerId: PeerId; media: MediaFlags }
  | { t: 'presenter'; peerId: PeerId | null }
  | { t: 'signal'; from: PeerId; data: unknown }
  /** `relayedAt`: the gateway's clock when it relayed (the latency breakdown per hop; one clock only on one machine). */
  | { t: 'state'; from: PeerId; state: unknown; sentAt: number; seq: number; relayedAt?: number }
  | { t: 'laser'; from: PeerId; laser: unknown; sentAt: number; relayedAt?: number }
  | { t: 'pong'; ts: number; serverTime: number }
  | { t: 'error'; code: string; message: string }
  | { t: 'closed'; reason: string };

/** Largest message accepted (a view state with annotations stays far below). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Parses and checks one client frame; returns an error text for anything malformed. */
export function parseClientMessage(raw: string): ClientMessage | string {
  if (raw.length > MAX_MESSAGE_BYTES) return `message larger than ${MAX_MESSAGE_BYTES} bytes`;
  let m: unknown;
  try { m = JSON.parse(raw); } catch { return 'not JSON'; }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return 'not an object';
  const o = m as Record<string, unknown>;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  switch (o.t) {
    case 'signal': return typeof o.to === 'string' && o.data !== undefined ? { t: 'signal', to: o.to, data: o.data } : 'signal needs to and data';
    case 'state': return o.state && typeof o.state === 'object' && num(o.sentAt) ? { t: 'state', state: o.state, sentAt: o.sentAt as number } : 'state needs state (object) and sentAt';
    case 'laser': {
      const l = o.laser as Record<string, unknown> | null;
      if (!num(o.sentAt)) return 'laser needs sentAt';
      if (l === null) return { t: 'laser', laser: null, sentAt: o.sentAt as number };
      if (!l || !num(l.cell) || !num(l.x) || !num(l.y)) return 'laser needs cell, x, y';
      return { t: 'laser', laser: { cell: l.cell as number, x: clamp01(l.x as number), y: clamp01(l.y as number) }, sentAt: o.sentAt as number };
    }
    case 'handover': return typeof o.to === 'string' ? { t: 'handover', to: o.to } : 'handover needs to';
    case 'claim': return { t: 'claim' };
    case 'media': {
      const md = o.media as Record<string, unknown> | undefined;
      if (!md || typeof md.camera !== 'boolean' || typeof md.mic !== 'boolean' || typeof md.patientPresent !== 'boolean') return 'media needs camera, mic, patientPresent booleans';
      return { t: 'media', media: { camera: md.camera, mic: md.mic, patientPresent: md.patientPresent } };
    }
    case 'ping': return num(o.ts) ? { t: 'ping', ts: o.ts as number } : 'ping needs ts';
    default: return `unknown message type ${JSON.stringify(o.t)}`;
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * The live room's signaling messages: a copy of gateway/src/live/protocol.ts (the gateway is the reference;
 * keep both in step). Media go peer-to-peer; the view is shared as state, never as images (G-1.3).
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
  | { t: 'state'; from: PeerId; state: unknown; sentAt: number; seq: number }
  | { t: 'laser'; from: PeerId; laser: unknown; sentAt: number }
  | { t: 'pong'; ts: number; serverTime: number }
  | { t: 'error'; code: string; message: string }
  | { t: 'closed'; reason: string };

/** GET /api/live/rooms/:id */
export interface RoomInfo {
  consultId: string;
  studyUid: string | null;
  pseudonym: string | null;
  you: { userId: string; displayName: string | null; consultRole: string };
  iceServers: RTCIceServer[];
  maxEndpoints: number;
  inRoom: number;
  recording: false;
}

export const LIVE_PROTOCOL = 'hoichan.live.v1';
export const BEARER_PROTOCOL_PREFIX = 'hoichan.bearer.';

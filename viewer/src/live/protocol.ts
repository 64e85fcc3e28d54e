/**
 * The live room's signaling messages. The gateway's module is the one definition of the wire format (pure
 * types and a parser, no Node imports), so the viewer imports it instead of keeping a copy. Media go
 * peer-to-peer; the view is shared as state, never as images (G-1.3).
 */
export * from '../../../gateway/src/live/protocol';

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

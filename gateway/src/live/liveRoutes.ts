import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { Accounts } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import type { LiveService, Admission } from './LiveService.js';
import { MAX_MESSAGE_BYTES, parseClientMessage } from './protocol.js';

/** Subprotocol prefix carrying the bearer token: browsers cannot set headers on a WebSocket. */
export const BEARER_PROTOCOL_PREFIX = 'hoichan.bearer.';
export const LIVE_PROTOCOL = 'hoichan.live.v1';
/** Largest bandwidth-probe body (connection test, G-3.5). */
const MAX_PROBE_BYTES = 16 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    liveAdmission?: Admission;
  }
}

function bearerOf(req: FastifyRequest): string | null {
  const [scheme, cred] = (req.headers.authorization ?? '').split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && cred) return cred.trim();
  const protos = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const p = protos.find((s) => s.startsWith(BEARER_PROTOCOL_PREFIX));
  return p ? p.slice(BEARER_PROTOCOL_PREFIX.length) : null;
}

/**
 * /api/live/*: room admission info, the signaling WebSocket, the participant record, connection-test probes
 * and the result recorder. Every route needs a bearer token (header, or the `hoichan.bearer.<token>`
 * WebSocket subprotocol).
 */
export async function liveRoutes(app: FastifyInstance, opts: { accounts: Accounts; live: LiveService; isAdmin: (req: FastifyRequest) => boolean }): Promise<void> {
  const { live, accounts } = opts;
  await app.register(websocket, {
    options: {
      maxPayload: MAX_MESSAGE_BYTES,
      // Answer with the protocol name, never echo the token-carrying one.
      handleProtocols: (protocols: Set<string>) => (protocols.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
    },
  });
  app.addHook('onRequest', async (req, reply) => {
    const token = bearerOf(req);
    req.user = token ? await accounts.userForToken(token) : null;
    if (!req.user) {
      reply.header('www-authenticate', 'Bearer realm="hoichan"');
      throw new HoiError('HOI_ERR_UNAUTHORIZED', 'log in first: POST /api/auth/login, then send Authorization: Bearer <token>');
    }
  });

  /** What the viewer needs before opening the room; 403/409 with the reason when the user may not enter. */
  app.get<{ Params: { id: string } }>('/rooms/:id', async (req) => {
    const a = await live.admit(req.user!, req.params.id);
    const room = live.room(a.consult.id);
    return {
      consultId: a.consult.id, studyUid: a.consult.studyUid, pseudonym: a.consult.pseudonym,
      you: { userId: req.user!.username, displayName: req.user!.displayName, consultRole: a.consultRole },
      iceServers: live.iceServersFor(req.hostname), maxEndpoints: live.maxEndpoints, inRoom: room?.size ?? 0,
      // G-2.5: no recording and no streaming exist; said here so clients can show it.
      recording: false,
    };
  });

  app.get<{ Params: { id: string } }>('/rooms/:id/ws', {
    websocket: true,
    preValidation: async (req) => {
      req.liveAdmission = await live.admit(req.user!, req.params.id);
    },
  }, (socket, req) => {
    const { room, peerId, leave } = live.enter(socket, req.user!, req.liveAdmission!);
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, 20_000);
    socket.on('pong', () => { alive = true; });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return room.sendTo(peerId, { t: 'error', code: 'bad-message', message: 'text frames only' });
      const m = parseClientMessage(data.toString());
      const err = typeof m === 'string' ? m : room.handle(peerId, m);
      if (err) room.sendTo(peerId, { t: 'error', code: 'bad-message', message: err });
    });
    socket.on('close', () => {
      clearInterval(ping);
      leave();
    });
  });

  /** The participant record of the consult's live sessions (G-2.7): for its approved participants and admins. */
  app.get<{ Params: { id: string } }>('/rooms/:id/record', async (req) => {
    const c = await live.ports.consult(req.params.id);
    if (!c) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${req.params.id}`);
    if (!opts.isAdmin(req) && !c.approvedUserIds.includes(req.user!.username)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only the consult\'s participants and admins read its record', { rule: 'G-2.7' });
    const entries = live.participation(c.id);
    return { consultId: c.id, entries, participants: [...new Set(entries.filter((e) => e.event === 'join').map((e) => e.userId))] };
  });

  /** Connection test (G-3.5): download probe of `bytes` random bytes (not compressible). */
  app.get<{ Querystring: { bytes?: string } }>('/probe', async (req, reply) => {
    const n = Math.min(MAX_PROBE_BYTES, Math.max(1, Number(req.query.bytes) || 1024 * 1024));
    reply.header('cache-control', 'no-store').type('application/octet-stream');
    return crypto.randomBytes(n);
  });
  /** Upload probe: counts the body. */
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_PROBE_BYTES }, (_req, body, done) => done(null, body));
  app.post('/probe', async (req) => ({ bytes: (req.body as Buffer | undefined)?.length ?? 0, serverTime: Date.now() }));

  /**
   * WebRTC probe to the gateway itself (connection test, G-3.5): the browser posts a complete SDP offer with one
   * data channel; the answer carries the gateway's own ICE candidates. For the consult's approved participants
   * (IT included when on the list) and admins, in any consult state: the test comes before the session.
   */
  app.post<{ Params: { id: string }; Body: { type: string; sdp: string } }>('/rooms/:id/probe', {
    schema: {
      body: {
        type: 'object', required: ['type', 'sdp'], additionalProperties: false,
        properties: { type: { const: 'offer' }, sdp: { type: 'string', minLength: 10, maxLength: 32 * 1024 } },
      },
    },
  }, async (req, reply) => {
    const c = await live.ports.consult(req.params.id);
    if (!c) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${req.params.id}`);
    if (!opts.isAdmin(req) && !c.approvedUserIds.includes(req.user!.username)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only the consult\'s approved participants and admins run its connection test', { rule: 'G-3.5' });
    const { id, answer } = await live.probes.open(req.user!.username, c.id, req.body);
    reply.code(201);
    return { probeId: id, ...answer };
  });
  app.delete<{ Params: { id: string; probeId: string } }>('/rooms/:id/probe/:probeId', async (req, reply) => {
    if (!live.probes.closeOwned(req.params.probeId, opts.isAdmin(req) ? null : req.user!.username)) throw new HoiError('HOI_ERR_NOT_FOUND', `no open probe ${req.params.probeId} of yours`);
    return reply.code(204).send();
  });

  /** IT records the connection test result on the consult (worklist `recordConnectionTest`, G-3.5). */
  app.post<{ Params: { id: string }; Body: { result: 'ok' | 'failed'; rttMs?: number; bandwidthMbps?: number; notes?: string } }>('/rooms/:id/connection-test', {
    schema: {
      body: {
        type: 'object', required: ['result'], additionalProperties: false,
        properties: { result: { enum: ['ok', 'failed'] }, rttMs: { type: 'number', minimum: 0 }, bandwidthMbps: { type: 'number', minimum: 0 }, notes: { type: 'string', maxLength: 2000 } },
      },
    },
  }, async (req) => {
    const c = await live.ports.consult(req.params.id);
    if (!c) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${req.params.id}`);
    if (!live.ports.recordConnectionTest) throw new HoiError('HOI_ERR_CONFLICT', 'the worklist is not wired to record connection tests');
    await live.ports.recordConnectionTest(req.user!, c.id, req.body);
    await live.ports.audit({ userId: req.user!.username, user: req.user!, action: 'live.connectionTest', consultId: c.id, outcome: 'ok', detail: { result: req.body.result, rttMs: req.body.rttMs ?? null, bandwidthMbps: req.body.bandwidthMbps ?? null } });
    return { recorded: true };
  });
}

/** Tiny face detector weights of @vladmandic/face-api, served to browsers for the "patient present" blur (G-2.4). */
export async function faceModelRoutes(app: FastifyInstance): Promise<void> {
  const require = createRequire(import.meta.url);
  let dir: string | null = null;
  try {
    dir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch { /* not installed: the browser blurs the whole frame instead */ }
  const FILES = new Set(['tiny_face_detector_model-weights_manifest.json', 'tiny_face_detector_model.bin']);
  app.get<{ Params: { file: string } }>('/:file', async (req, reply) => {
    if (!dir || !FILES.has(req.params.file)) throw new HoiError('HOI_ERR_NOT_FOUND', `no model file ${req.params.file}`);
    reply.header('cache-control', 'public, max-age=86400').type(req.params.file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    return fs.readFileSync(path.join(dir, req.params.file));
  });
}

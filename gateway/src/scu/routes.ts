import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HoiError } from '../errors.js';
import type { PeerRegistry } from '../dimse/peers.js';
import { checkAeTitle } from '../dimse/peers.js';
import { JobError, type JobQueue } from '../jobs/types.js';
import { cFind, type ScuSelf } from './dimseScu.js';
import { LEVELS, answerJson, type Level } from './query.js';
import { WebClient } from './webScu.js';
import { checkPeerName, publicWebPeer, webPeerFromJson, type WebPeerRegistry } from './webPeers.js';

export interface ScuRoutesOptions {
  peers: PeerRegistry;
  webPeers: WebPeerRegistry;
  jobs: JobQueue;
  self: () => ScuSelf;
  isAdmin: (req: FastifyRequest) => boolean;
}

/** A peer's failure as an HTTP answer: 502 with the reason. */
function peerError(err: unknown): never {
  if (err instanceof JobError) throw new HoiError('HOI_ERR_PEER', err.message, { transient: err.transient });
  throw err;
}

function body(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'body must be a JSON object');
  return b as Record<string, unknown>;
}

function queryInput(b: Record<string, unknown>): { level: Level; keys: Record<string, unknown>; limit: number } {
  const level = String(b.level ?? 'STUDY').toUpperCase();
  if (!LEVELS.has(level)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'level must be PATIENT, STUDY, SERIES or IMAGE');
  const keys = b.keys ?? {};
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'keys must be an object {"PatientID": "…", "StudyDate": "20240101-"}');
  const limit = b.limit === undefined ? 1000 : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new HoiError('HOI_ERR_BAD_REQUEST', 'limit must be 1-10000');
  return { level: level as Level, keys: keys as Record<string, unknown>, limit };
}

/**
 * The gateway as SCU (admin): C-FIND a DIMSE peer synchronously, start import/push jobs, manage DICOMweb
 * peers and query them (QIDO). Under /api.
 */
export async function scuRoutes(app: FastifyInstance, opts: ScuRoutesOptions): Promise<void> {
  app.addHook('preHandler', async (req) => {
    if (!opts.isAdmin(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin can query, import from or push to peers');
  });
  const dimsePeer = (ae: string) => {
    const p = opts.peers.get(checkAeTitle(ae));
    if (!p) throw new HoiError('HOI_ERR_NOT_FOUND', `no DICOM peer ${ae}`);
    return p;
  };
  const startJob = async (req: FastifyRequest, reply: import('fastify').FastifyReply, kind: string, params: Record<string, unknown>) => {
    const b = body(req);
    const job = await opts.jobs.enqueue(kind, params, {
      createdBy: req.user?.username ?? null,
      maxAttempts: typeof b.maxAttempts === 'number' ? b.maxAttempts : undefined,
      backoffMs: typeof b.backoffMs === 'number' ? b.backoffMs : undefined,
    });
    return reply.code(202).header('location', `/api/jobs/${job.id}`).send(job);
  };

  // DIMSE peers
  app.post<{ Params: { ae: string } }>('/dicom/peers/:ae/query', async (req) => {
    const peer = dimsePeer(req.params.ae);
    const q = queryInput(body(req));
    const answers = await cFind(peer, opts.self(), q.level, q.keys, AbortSignal.timeout(opts.self().timeoutMs * 4), q.limit).catch(peerError);
    return { peer: peer.aeTitle, level: q.level, matches: answers.slice(0, q.limit).map(answerJson) };
  });
  app.post<{ Params: { ae: string } }>('/dicom/peers/:ae/import', async (req, reply) => {
    const b = body(req);
    return startJob(req, reply, 'dimse.import', { peer: dimsePeer(req.params.ae).aeTitle, studyUid: b.studyUid, seriesUid: b.seriesUid, method: b.method ?? 'move' });
  });
  app.post<{ Params: { ae: string } }>('/dicom/peers/:ae/push', async (req, reply) => {
    const b = body(req);
    return startJob(req, reply, 'dimse.push', { peer: dimsePeer(req.params.ae).aeTitle, studyUid: b.studyUid, seriesUid: b.seriesUid });
  });

  // DICOMweb peers
  const webPeer = async (name: string) => {
    const p = await opts.webPeers.get(checkPeerName(name));
    if (!p) throw new HoiError('HOI_ERR_NOT_FOUND', `no DICOMweb peer ${name}`);
    return p;
  };
  app.get('/dicomweb/peers', async () => (await opts.webPeers.list()).map(publicWebPeer));
  app.get<{ Params: { name: string } }>('/dicomweb/peers/:name', async (req) => publicWebPeer(await webPeer(req.params.name)));
  app.post('/dicomweb/peers', async (req, reply) => {
    const p = webPeerFromJson(req.body);
    if (await opts.webPeers.get(p.name)) throw new HoiError('HOI_ERR_CONFLICT', `DICOMweb peer ${p.name} exists; use PUT /api/dicomweb/peers/${p.name}`);
    await opts.webPeers.upsert(p);
    return reply.code(201).send(publicWebPeer(p));
  });
  app.put<{ Params: { name: string } }>('/dicomweb/peers/:name', async (req, reply) => {
    const { peer, created } = await opts.webPeers.upsert(webPeerFromJson(req.body, checkPeerName(req.params.name)));
    return reply.code(created ? 201 : 200).send(publicWebPeer(peer));
  });
  app.delete<{ Params: { name: string } }>('/dicomweb/peers/:name', async (req, reply) => {
    if (!(await opts.webPeers.remove(checkPeerName(req.params.name)))) throw new HoiError('HOI_ERR_NOT_FOUND', `no DICOMweb peer ${req.params.name}`);
    return reply.code(204).send();
  });
  app.post<{ Params: { name: string } }>('/dicomweb/peers/:name/query', async (req) => {
    const peer = await webPeer(req.params.name);
    const q = queryInput(body(req));
    const keys = Object.fromEntries(Object.entries(q.keys).map(([k, v]) => [k, v === null ? '' : String(v)]));
    const study = keys.StudyInstanceUID;
    const path = q.level === 'STUDY' || q.level === 'PATIENT' ? '/studies'
      : q.level === 'SERIES' ? (study ? `/studies/${encodeURIComponent(study)}/series` : '/series')
        : (study ? `/studies/${encodeURIComponent(study)}/instances` : '/instances');
    if (study && q.level !== 'STUDY' && q.level !== 'PATIENT') delete keys.StudyInstanceUID;
    const client = new WebClient(peer, opts.self().timeoutMs);
    const matches = await client.qido(path, { ...keys, limit: String(q.limit) }, AbortSignal.timeout(opts.self().timeoutMs * 4)).catch(peerError);
    return { peer: peer.name, level: q.level, matches };
  });
  app.post<{ Params: { name: string } }>('/dicomweb/peers/:name/import', async (req, reply) => {
    const b = body(req);
    return startJob(req, reply, 'dicomweb.import', { peer: (await webPeer(req.params.name)).name, studyUid: b.studyUid, seriesUid: b.seriesUid });
  });
  app.post<{ Params: { name: string } }>('/dicomweb/peers/:name/push', async (req, reply) => {
    const b = body(req);
    return startJob(req, reply, 'dicomweb.push', { peer: (await webPeer(req.params.name)).name, studyUid: b.studyUid, seriesUid: b.seriesUid });
  });
}

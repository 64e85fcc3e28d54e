import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HoiError } from '../errors.js';
import { checkAeTitle, peerFromJson, type PeerRegistry } from './peers.js';

export interface PeersRoutesOptions {
  peers: PeerRegistry;
  isAdmin: (req: FastifyRequest) => boolean;
  /** Shown by GET /dicom/settings. */
  aeTitle: string;
  port: () => number | null;
}

/**
 * `GET /api/dicom/sources`: the peers a study can be imported from, names only, for whoever may start a
 * `dimse.import` job (the requesting side gathers a case's images from its own PACS and modalities, G-1.2);
 * hosts, ports and permissions stay admin-only.
 */
export async function peerSourcesRoutes(app: FastifyInstance, opts: { peers: PeerRegistry; mayImport: (req: FastifyRequest) => boolean }): Promise<void> {
  app.get('/dicom/sources', async (req) => {
    if (!opts.mayImport(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'your role may not import studies from peers');
    return { sources: opts.peers.list().map((p) => ({ aeTitle: p.aeTitle, description: p.description })) };
  });
}

/** Admin API for DICOM peers and the accept-any switch: /dicom/peers[/:ae], /dicom/settings (under /api). */
export async function peersRoutes(app: FastifyInstance, opts: PeersRoutesOptions): Promise<void> {
  app.addHook('preHandler', async (req) => {
    if (!opts.isAdmin(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin can manage DICOM peers');
  });

  app.get('/dicom/peers', async () => opts.peers.list());

  app.get<{ Params: { ae: string } }>('/dicom/peers/:ae', async (req) => {
    const p = opts.peers.get(checkAeTitle(req.params.ae));
    if (!p) throw new HoiError('HOI_ERR_NOT_FOUND', `no peer ${req.params.ae}`);
    return p;
  });

  app.post('/dicom/peers', async (req, reply) => {
    const p = peerFromJson(req.body);
    if (opts.peers.get(p.aeTitle)) throw new HoiError('HOI_ERR_CONFLICT', `peer ${p.aeTitle} exists; use PUT /api/dicom/peers/${p.aeTitle}`);
    const { peer } = await opts.peers.upsert(p);
    return reply.code(201).send(peer);
  });

  app.put<{ Params: { ae: string } }>('/dicom/peers/:ae', async (req, reply) => {
    const { peer, created } = await opts.peers.upsert(peerFromJson(req.body, checkAeTitle(req.params.ae)));
    return reply.code(created ? 201 : 200).send(peer);
  });

  app.delete<{ Params: { ae: string } }>('/dicom/peers/:ae', async (req, reply) => {
    if (!(await opts.peers.remove(checkAeTitle(req.params.ae)))) throw new HoiError('HOI_ERR_NOT_FOUND', `no peer ${req.params.ae}`);
    return reply.code(204).send();
  });

  const settings = () => ({ acceptAny: opts.peers.acceptAny, aeTitle: opts.aeTitle, port: opts.port() });
  app.get('/dicom/settings', async () => settings());
  app.put<{ Body: { acceptAny?: unknown } }>('/dicom/settings', async (req) => {
    const v = (req.body as { acceptAny?: unknown } | null)?.acceptAny;
    if (typeof v !== 'boolean') throw new HoiError('HOI_ERR_BAD_REQUEST', 'body must be {"acceptAny": true|false}');
    await opts.peers.setAcceptAny(v);
    return settings();
  });
}

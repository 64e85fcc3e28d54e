import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Archive } from '../archive/Archive.js';
import { qidoRoutes } from '../dicomweb/qido.js';
import { wadoRoutes } from '../dicomweb/wado.js';
import { wadoUriRoutes } from '../dicomweb/wadoUri.js';
import { HoiError } from '../errors.js';
import type { AuditPort, PackAccessPolicy } from './access.js';
import type { PackStore } from './PackStore.js';
import { packIdOf, packView } from './views.js';

/**
 * `/packs/{id}/dicom-web/…`: QIDO-RS, WADO-RS (metadata, frames, rendered, thumbnails…) and WADO-URI from the same
 * route code as `/dicom-web`, restricted to the pack's released instances. No STOW, no DELETE. A user who may
 * not see the pack gets 404 for everything under it (the pack does not exist for them).
 * Register inside a context that already authenticates (requireUser).
 */
export async function packDicomwebRoutes(app: FastifyInstance, o: { store: PackStore; archive: Archive; policy: PackAccessPolicy; audit: AuditPort }): Promise<void> {
  app.addHook('preHandler', async (req: FastifyRequest) => {
    const id = packIdOf(req);
    const pack = /^pk[0-9a-f]{20}$/.test(id) ? await o.store.get(id) : null;
    const allowed = !!pack && !!req.user && (await o.policy.mayView(req.user, pack));
    if (pack && !allowed) await o.audit.record({ action: 'pack.view', actor: req.user?.username ?? null, packId: pack.id, consultId: pack.consultId, outcome: 'denied' }, req);
    if (!allowed) throw new HoiError('HOI_ERR_NOT_FOUND', `no pack ${id}`);
    // A pack is shown whole or not at all: not while it is (re)built, nor a cancelled or failed part of one.
    if (pack.state !== 'ready') throw new HoiError('HOI_ERR_PACK_NOT_READY', `pack ${id} is ${pack.state}`);
  });
  const view = packView(o.store);
  await app.register(qidoRoutes, { db: o.archive.db, view });
  await app.register(wadoRoutes, { archive: o.archive, isAdmin: () => false, view });
  await app.register(wadoUriRoutes, { archive: o.archive, view });
}

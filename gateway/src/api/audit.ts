import type { FastifyInstance } from 'fastify';
import type { AuditQuery } from '@hoichan/worklist';
import type { Worklist } from '../worklist/index.js';
import { auditQuerySchema } from '../worklist/schemas.js';
import { actorOf } from './worklistActor.js';
import { useStrictValidator } from './worklistAjv.js';

type AuditQs = { facility?: string; user?: string; objectType?: string; objectId?: string; action?: string; outcome?: AuditQuery['outcome']; from?: string; to?: string; afterSeq?: string; limit?: string };

/** GET /api/audit (admins, directors scoped to their facility) and GET /api/audit/verify (admin), G-2.11. */
export async function auditRoutes(app: FastifyInstance, opts: { worklist: Worklist }): Promise<void> {
  const { worklist } = opts;
  useStrictValidator(app);

  app.get<{ Querystring: AuditQs }>('/audit', {
    schema: { tags: ['audit'], summary: 'Audit entries with filters (admin: all; director: their facility)', querystring: auditQuerySchema },
  }, async (req) => {
    const q = req.query;
    const query: AuditQuery = {
      ...(q.facility !== undefined ? { facilityId: q.facility } : {}), ...(q.user !== undefined ? { userId: q.user } : {}),
      ...(q.objectType !== undefined ? { objectType: q.objectType } : {}), ...(q.objectId !== undefined ? { objectId: q.objectId } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}), ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.afterSeq !== undefined ? { afterSeq: Number(q.afterSeq) } : {}), limit: Math.min(Number(q.limit ?? 500), 5000),
    };
    const entries = await worklist.auditRead(await actorOf(worklist, req), query);
    return { entries, last: entries.at(-1)?.seq ?? null };
  });

  app.get('/audit/verify', { schema: { tags: ['audit'], summary: 'Verify the audit hash chain (admin)' } }, async (req) => worklist.auditVerify(await actorOf(worklist, req)));
}

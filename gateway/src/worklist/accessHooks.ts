import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, AuditOutcome } from '@hoichan/worklist';
import type { DimseAccessEvent } from '../dimse/association.js';
import type { Worklist } from './service.js';

const outcomeOf = (status: number): AuditOutcome => (status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'error');

/**
 * The object a DICOMweb path names: instance, series, study, or a query over the archive. Never the query string
 * (it can carry names), but for WADO-URI's objectUID when it is UID-shaped.
 */
export function dicomWebObject(url: string): { objectType: string; objectId: string } {
  const [path, query] = url.split('?') as [string, string | undefined];
  // WADO-URI names its instance in the query string.
  if (path.endsWith('/wado')) {
    const object = new URLSearchParams(query ?? '').get('objectUID');
    if (object && object.length <= 64 && /^[0-9.]+$/.test(object)) return { objectType: 'instance', objectId: object };
  }
  const m = /\/studies\/([^/]+)(?:\/series\/([^/]+)(?:\/instances\/([^/]+))?)?/.exec(path);
  if (m?.[3]) return { objectType: 'instance', objectId: m[3] };
  if (m?.[2]) return { objectType: 'series', objectId: m[2] };
  if (m?.[1]) return { objectType: 'study', objectId: m[1] };
  return { objectType: 'query', objectId: path.slice(0, 200) };
}

/**
 * G-2.11: a fastify onResponse hook for the /dicom-web context: every request (refused ones included) becomes
 * an audit entry `image.read` / `image.query` / `image.store` with the user, their facility and the outcome.
 */
export function dicomWebAccessHook(worklist: Worklist) {
  const actors = new Map<number, { actor: Actor; until: number }>();
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const user = req.user;
    let actor: Actor = { userId: 'anonymous', facilityId: '', roles: [] };
    if (user) {
      const hit = actors.get(user.id);
      if (hit && hit.until > Date.now()) actor = hit.actor;
      else {
        actor = await worklist.directory.actorFor(user);
        actors.set(user.id, { actor, until: Date.now() + 30_000 });
      }
    }
    const { objectType, objectId } = dicomWebObject(req.url);
    const action = req.method === 'POST' ? 'image.store' : objectType === 'query' || req.url.split('?')[0]!.match(/\/(studies|series|instances)$/) ? 'image.query' : 'image.read';
    await worklist.accessLog.record({
      at: new Date().toISOString(), userId: actor.userId, facilityId: actor.facilityId,
      role: actor.roles.length > 0 ? actor.roles.join(',') : (user?.roles.join(',') || 'none'),
      action, objectType, objectId, outcome: outcomeOf(reply.statusCode),
      detail: { status: reply.statusCode, method: req.method, path: req.url.split('?')[0]!.slice(0, 300) },
    });
  };
}

/** G-2.11 for DIMSE: the callback the DIMSE module calls for each C-STORE/FIND/MOVE/GET. */
export function dimseAccessLogger(worklist: Worklist): (a: DimseAccessEvent) => void {
  return (a) => {
    void worklist.accessLog.record({
      at: new Date().toISOString(), userId: `ae:${a.callingAe}`, facilityId: '', role: 'dicom_peer',
      action: `dimse.${a.operation}`, objectType: a.objectType, objectId: a.objectId.slice(0, 200),
      outcome: a.ok ? 'ok' : 'error', ...(a.status !== undefined ? { detail: { status: a.status } } : {}),
    });
  };
}

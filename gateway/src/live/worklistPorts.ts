import { auditAccess } from '@hoichan/worklist';
import type { Worklist } from '../worklist/index.js';
import { getConsultForLive } from '../worklist/index.js';
import type { LivePorts } from './ports.js';

/**
 * The live room's ports on the consult worklist (gateway/src/worklist): admission reads `getConsultForLive`
 * (state, approved participants, pseudonym), audit entries go into the worklist's hash-chained log (G-2.11),
 * and connection tests become the `recordConnectionTest` command (G-3.5) of the user's facility.
 */
export function worklistLivePorts(worklist: Worklist): LivePorts {
  return {
    async consult(id) {
      const c = await getConsultForLive(worklist, id);
      if (!c) return null;
      const roles: Record<string, string> = {};
      for (const p of c.participants) roles[p.userId] = p.role;
      // The images are the consult's case pack; the viewer names the study in its route (#/live/<id>/<study>).
      return { id: c.id, state: c.state, approvedUserIds: [...c.approvedUserIds], roles, studyUid: null, pseudonym: c.pseudonym };
    },
    async audit(e) {
      const actor = await worklist.directory.actorFor(e.user);
      await worklist.appendNow([auditAccess({ actor, action: e.action, objectType: 'consult', objectId: e.consultId, now: new Date(), outcome: e.outcome, ...(e.detail ? { detail: e.detail } : {}) })]);
    },
    async recordConnectionTest(user, consultId, r) {
      const actor = await worklist.directory.actorFor(user);
      await worklist.command(actor, consultId, {
        type: 'recordConnectionTest', facilityId: actor.facilityId, result: r.result,
        ...(r.rttMs !== undefined ? { rttMs: r.rttMs } : {}), ...(r.bandwidthMbps !== undefined ? { bandwidthMbps: r.bandwidthMbps } : {}), ...(r.notes ? { notes: r.notes } : {}),
      });
    },
  };
}

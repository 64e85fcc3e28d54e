import type { Identity } from '@hoichan/anonymizer';
import type { AuditDetail, Patient } from '@hoichan/worklist';
import type { User } from '../auth/Accounts.js';
import { loadPatient } from '../worklist/consultRepo.js';
import { canSeePack, type Worklist } from '../worklist/index.js';
import type { AuditEntry, AuditPort, PackAccessPolicy } from './access.js';

/** The worklist patient as the anonymizer's leak gate sees an identity (name, ids, birth date, address). */
export function identityOfPatient(p: Patient): Identity {
  const i = p.identity;
  return {
    names: [i.fullName],
    ids: [p.id, ...(i.nationalId ? [i.nationalId] : []), ...(i.patientIds ?? []).map((r) => r.id)],
    ...(/^\d{4}-\d{2}-\d{2}$/.test(i.birthDate) ? { birthDate: i.birthDate.replace(/-/g, '') } : {}),
    ...(i.address ? { other: [i.address] } : {}),
  };
}

/**
 * The worklist's access matrix decides (G-2.9): building needs `casePack.write` on the consult (requesting
 * side), seeing needs `casePack.read` (requesting side, consulting coordinators, invited experts). The
 * pseudonym is the consult's own, so the pack matches what the consulting side sees in the worklist.
 */
export function worklistPackAccess(worklist: Worklist): PackAccessPolicy {
  return {
    async mayBuild(user: User, consultId: string) {
      return (await canSeePack(worklist, user, consultId, 'casePack.write')).ok;
    },
    async mayView(user: User, pack) {
      return (await canSeePack(worklist, user, pack.consultId, 'casePack.read')).ok;
    },
    async pseudonymOf(consultId: string) {
      return (await worklist.repo.load(consultId))?.pseudonym ?? null;
    },
    async patientOf(consultId: string) {
      const c = await worklist.repo.load(consultId);
      const p = c ? await loadPatient(worklist.db, c.patientId, worklist.vault) : null;
      return p ? { ids: p.identity.patientIds ?? [], identity: identityOfPatient(p) } : null;
    },
  };
}

const OUTCOME = { ok: 'ok', denied: 'denied', failed: 'error' } as const;

/** Pack events into the worklist's hash-chained audit log (G-2.11), object type `casePack`. */
export function worklistPackAudit(worklist: Worklist): AuditPort {
  return {
    async record(e: AuditEntry, req) {
      const user = req?.user ?? null;
      const actor = user ? await worklist.directory.actorFor(user) : null;
      await worklist.accessLog.record({
        at: new Date().toISOString(), userId: actor?.userId ?? e.actor ?? 'system', facilityId: actor?.facilityId ?? '',
        role: actor && actor.roles.length ? actor.roles.join(',') : (user?.roles.join(',') || 'system'),
        action: e.action.replace('pack.', 'casePack.'), objectType: 'casePack', objectId: e.packId || `consult:${e.consultId}`,
        outcome: OUTCOME[e.outcome], detail: { consultId: e.consultId, ...(e.detail ?? {}) } as AuditDetail,
      });
    },
  };
}

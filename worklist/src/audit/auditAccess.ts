import type { Actor } from '../model/index.js';
import type { Decision } from '../policy/can.js';
import type { AuditDetail, AuditEntryFields, AuditOutcome } from './AuditEntry.js';

/** The role to record: the one that allowed the action, else every role the actor holds. */
export function auditRole(actor: Actor, decision?: Decision): string {
  if (decision?.ok) return decision.role;
  return actor.roles.length > 0 ? actor.roles.join(',') : 'none';
}

/**
 * G-2.11: the audit fields for a read or any other access outside `transition()` (a consult view, a case
 * pack, a DICOMweb or DIMSE retrieve). Pass the `can()` decision to record 'denied' and the reason; pass
 * `outcome: 'error'` when the access was allowed but failed.
 */
export function auditAccess(args: {
  readonly actor: Actor;
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly now: Date;
  readonly decision?: Decision;
  readonly outcome?: AuditOutcome;
  readonly detail?: AuditDetail;
}): AuditEntryFields {
  const { actor, decision } = args;
  const outcome: AuditOutcome = decision && !decision.ok ? 'denied' : (args.outcome ?? 'ok');
  const detail: AuditDetail | undefined =
    decision && !decision.ok ? { ...args.detail, reason: decision.reason, guard: decision.guard } : args.detail;
  return {
    at: args.now.toISOString(),
    userId: actor.userId,
    facilityId: actor.facilityId,
    role: auditRole(actor, decision),
    action: args.action,
    objectType: args.objectType,
    objectId: args.objectId,
    outcome,
    ...(detail !== undefined ? { detail } : {}),
  };
}

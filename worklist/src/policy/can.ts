import type { Actor, Consult, Role } from '../model/index.js';
import { ACCESS_MATRIX, ruleNeedsConsult } from './matrix.js';
import type { Action, Rule } from './matrix.js';

/** Why `can()` refused, named like the guards: no role allows it, wrong facility, or not invited (all G-2.9). */
export type DenialGuard = 'roleAllowed' | 'sameFacility' | 'invited';

/** `can()`'s answer: the role that allows the action, or why not. */
export type Decision =
  | { readonly ok: true; readonly role: Role; readonly rule: Rule }
  | { readonly ok: false; readonly reason: string; readonly guard: DenialGuard; readonly ruleId: 'G-2.9' };

/** True when the actor's facility requested the consult. */
export function isRequestingSide(actor: Actor, consult: Consult): boolean {
  return actor.facilityId === consult.requestingFacilityId;
}

/** True when the actor's facility is the consulting one and the consult has left draft. */
export function isConsultingSide(actor: Actor, consult: Consult): boolean {
  return actor.facilityId === consult.consultingFacilityId && consult.state !== 'draft';
}

/** True when the actor holds a not-declined invitation to the (submitted) consult. */
export function isInvited(actor: Actor, consult: Consult): boolean {
  return (
    consult.state !== 'draft' &&
    consult.invitations.some((i) => i.expertUserId === actor.userId && i.facilityId === actor.facilityId && i.status !== 'declined')
  );
}

/** Evaluates one rule for an actor (and consult when the rule needs one). */
export function ruleHolds(rule: Rule, actor: Actor, consult?: Consult): boolean {
  switch (rule) {
    case 'never':
      return false;
    case 'always':
    case 'ownFacility':
      return true;
    case 'requestingSide':
      return consult !== undefined && isRequestingSide(actor, consult);
    case 'consultingSide':
      return consult !== undefined && isConsultingSide(actor, consult);
    case 'eitherSide':
      return consult !== undefined && (isRequestingSide(actor, consult) || isConsultingSide(actor, consult));
    case 'invited':
      return consult !== undefined && isInvited(actor, consult);
  }
}

/**
 * G-2.9: may `actor` perform `action` (on `consult`)? Every read and write goes through here. Returns the first
 * of the actor's roles whose rule holds; otherwise a denial naming the failed check. A consult-scoped rule
 * asked without a consult is refused.
 */
export function can(actor: Actor, action: Action, consult?: Consult): Decision {
  let candidate: Rule | null = null;
  for (const role of actor.roles) {
    const rule = ACCESS_MATRIX[role]?.[action];
    if (rule === undefined || rule === 'never') continue;
    if (ruleHolds(rule, actor, consult)) return { ok: true, role, rule };
    if (candidate === null || rule === 'invited') candidate = rule;
  }
  if (candidate === null) {
    return { ok: false, guard: 'roleAllowed', ruleId: 'G-2.9', reason: `no role of the actor (${actor.roles.join(', ') || 'none'}) may ${action}` };
  }
  if (consult === undefined && ruleNeedsConsult(candidate)) {
    return { ok: false, guard: 'sameFacility', ruleId: 'G-2.9', reason: `${action} needs a consult to decide` };
  }
  if (candidate === 'invited') {
    return { ok: false, guard: 'invited', ruleId: 'G-2.9', reason: `${action}: only experts invited to this consult may` };
  }
  return { ok: false, guard: 'sameFacility', ruleId: 'G-2.9', reason: `${action}: the actor's facility is not the ${sideName(candidate)} of this consult` };
}

function sideName(rule: Rule): string {
  if (rule === 'requestingSide') return 'requesting facility';
  if (rule === 'consultingSide') return 'consulting facility (or the consult is still a draft)';
  return 'requesting or consulting facility';
}

/** The consults of `consults` the actor may see (`consult.read`), for list endpoints. */
export function filterVisible<C extends Consult>(actor: Actor, consults: readonly C[]): C[] {
  return consults.filter((c) => can(actor, 'consult.read', c).ok);
}

/** Which audit entries an actor may read (G-2.11): all (admin), their facility's (director), or none. */
export function auditScope(actor: Actor): { readonly all: true } | { readonly all: false; readonly facilityId: string } | null {
  if (actor.roles.some((r) => ACCESS_MATRIX[r]?.['audit.read'] === 'always')) return { all: true };
  if (actor.roles.some((r) => ACCESS_MATRIX[r]?.['audit.read'] === 'ownFacility')) return { all: false, facilityId: actor.facilityId };
  return null;
}

import { can } from '@worklist/policy/can';
import { commandsIn } from '@worklist/consult/machine';
import type { Consult } from '@worklist/model/index';
import type { Actor, CommandType, ConsultItem, ConsultView, Me } from './types';
import { isRole } from '@worklist/model/Role';

/**
 * The consult as the worklist's `can()` needs it, rebuilt from what the actor was allowed to see. `can()` only
 * reads the state, the two facilities and the invitations (G-2.9); the rest is filled with empty values and
 * never shown. The server decides again on every command: this only chooses which buttons to offer.
 */
export function policyConsult(v: ConsultView): Consult {
  return {
    schemaVersion: 1,
    id: v.id,
    rev: v.rev,
    type: v.type,
    urgency: v.urgency,
    requestingFacilityId: v.requestingFacilityId,
    consultingFacilityId: v.consultingFacilityId,
    patientId: v.patient.id ?? '',
    pseudonym: v.patient.pseudonym,
    state: v.state,
    createdBy: v.createdBy,
    submittedAt: v.submittedAt,
    caseSummary: v.clinical?.caseSummary ?? { history: '', pastHistory: '', examination: '', paraclinical: '', preliminaryDiagnosis: '', treatmentSoFar: '', question: '' },
    consent: { recorded: v.clinical?.consent.recorded ?? false, by: null, at: null, method: null, signer: null, recordedAt: null },
    requestedTime: v.requestedTime,
    intake: v.clinical?.intake ?? [],
    invitations: v.invitations,
    schedule: v.schedule,
    participants: v.participants,
    approvals: v.approvals,
    connectionTests: v.connectionTests,
    minutes: v.clinical?.minutes ?? null,
    followUps: v.clinical?.followUps ?? [],
    ending: v.ending,
    history: v.history,
  };
}

/**
 * The commands `actor` may send to the consult now: legal in its state (the worklist's machine) and allowed
 * to one of the actor's roles (`can()`), narrowed where the data already says no: an expert answers only an
 * open invitation of their own, a director approves their facility's part once, IT tests their own side.
 */
export function availableCommands(actor: Actor, view: ConsultItem): CommandType[] {
  const consult = policyConsult(view);
  const legal = view.allowedCommands ?? commandsIn(view.state).filter((type) => can(actor, type, consult).ok);
  return legal.filter((type) => {
    switch (type) {
      case 'respondInvitation':
        return view.invitations.some((i) => i.expertUserId === actor.userId && i.status === 'invited');
      case 'approveParticipants':
        return view.participants.some((p) => p.facilityId === actor.facilityId) && !view.approvals.some((a) => a.facilityId === actor.facilityId);
      case 'answerAndResubmit':
        return (view.clinical?.intake.length ?? 0) > 0;
      default:
        return true;
    }
  });
}

/** True when the actor may open the consult's images (anonymized pack for the consulting side). */
export function mayViewImages(actor: Actor, view: ConsultView): boolean {
  return can(actor, 'image.read', policyConsult(view)).ok;
}

/** True when the actor may read the audit log at all (directors, admin: G-2.11). */
export function mayReadAudit(actor: Actor): boolean {
  return can(actor, 'audit.read').ok;
}

/** True when the actor may register new consults. */
export function mayCreate(actor: Actor): boolean {
  return can(actor, 'create').ok;
}

/** The worklist actor for the logged-in user (GET /api/me): the username is the user id (API.md). */
export function actorFrom(me: Me): Actor {
  return { userId: me.username, facilityId: me.facility?.id ?? '', roles: (me.worklistRoles ?? me.roles).filter(isRole) };
}

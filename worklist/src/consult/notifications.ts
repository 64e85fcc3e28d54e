import type { Consult, ConsultState, Role } from '../model/index.js';

/** Who a notification goes to: one user, or everyone holding a role at a facility. */
export type Recipient = { readonly userId: string } | { readonly facilityId: string; readonly role: Role };

/** What happened, for the live feed (SSE/WebSocket) and any mail or SMS bridge. */
export const NOTIFICATION_KINDS = [
  'consult.submitted',
  'consult.returned',
  'consult.resubmitted',
  'consult.declined',
  'consult.accepted',
  'consult.emergencyScheduled',
  'invitation.received',
  'invitation.answered',
  'consult.scheduled',
  'consult.rescheduled',
  'participants.approvalNeeded',
  'participants.approved',
  'connection.failed',
  'consult.ready',
  'session.started',
  'minutes.drafted',
  'minutes.agreed',
  'minutes.signed',
  'consult.closed',
  'followUp.added',
  'consult.cancelled',
] as const;

/** One of {@link NOTIFICATION_KINDS}. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * An effect for the gateway to run after the transaction commits. It carries ids and the state only, never
 * clinical text or identity: the recipient opens the consult through `viewFor()`.
 */
export interface Notification {
  readonly kind: NotificationKind;
  readonly consultId: string;
  readonly state: ConsultState;
  /** Emergencies and urgent escalations (G-3.4, G-3.8): push at once, ring if the channel can. */
  readonly urgent: boolean;
  readonly to: readonly Recipient[];
}

const key = (r: Recipient): string => ('userId' in r ? `u:${r.userId}` : `r:${r.facilityId}:${r.role}`);

/** Recipients without duplicates, in first-seen order. */
export function uniqueRecipients(rs: readonly Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return rs.filter((r) => (seen.has(key(r)) ? false : (seen.add(key(r)), true)));
}

/** Recipient groups of a consult. */
export const who = {
  /** The user who registered the consult and the requesting facility's coordinators. */
  requester: (c: Consult): Recipient[] => [{ userId: c.createdBy.userId }, { facilityId: c.requestingFacilityId, role: 'requesting_coordinator' }],
  /** The consulting facility's planning office (G-3.3). */
  office: (c: Consult): Recipient[] => [{ facilityId: c.consultingFacilityId, role: 'consulting_coordinator' }],
  /** Experts whose invitation is not declined. */
  experts: (c: Consult): Recipient[] => c.invitations.filter((i) => i.status !== 'declined').map((i) => ({ userId: i.expertUserId })),
  /** IT staff of both sides (G-3.5). */
  it: (c: Consult): Recipient[] => [c.requestingFacilityId, c.consultingFacilityId].map((f) => ({ facilityId: f, role: 'it_technician' as const })),
  /** Directors of both sides (G-2.7). */
  directors: (c: Consult): Recipient[] => [c.requestingFacilityId, c.consultingFacilityId].map((f) => ({ facilityId: f, role: 'facility_director' as const })),
  /** Everyone on the participant list. */
  participants: (c: Consult): Recipient[] => c.participants.map((p) => ({ userId: p.userId })),
};

/** Builds a notification for `consult` (already in its new state). */
export function notification(consult: Consult, kind: NotificationKind, to: readonly Recipient[], urgent = consult.urgency === 'emergency'): Notification {
  return { kind, consultId: consult.id, state: consult.state, urgent, to: uniqueRecipients(to) };
}

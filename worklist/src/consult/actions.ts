import type { AuditDetail } from '../audit/AuditEntry.js';
import type { Actor, Consult, ConsultState, Invitation, Minutes, Participant, Role, Stamp } from '../model/index.js';
import type { CommandOf, CommandType } from './events.js';
import { directorsApproved, sidesNotTested } from './predicates.js';
import { notification, who } from './notifications.js';
import type { Notification, Recipient } from './notifications.js';

/** What an action sees: the consult before, the actor and the role that allowed them, the command, the time. */
export interface ActionContext<C> {
  readonly consult: Consult;
  readonly actor: Actor;
  readonly role: Role;
  readonly command: C;
  readonly now: Date;
  /** `now` as ISO 8601. */
  readonly at: string;
}

/** An action's result: the changed fields, the next state, the notifications (built on the new consult). */
export interface Applied {
  readonly changes: Partial<Omit<Consult, 'state' | 'rev' | 'history' | 'id' | 'schemaVersion'>>;
  readonly to: ConsultState;
  readonly notify: (next: Consult) => Notification[];
  readonly detail?: AuditDetail;
}

/** G-1.4: the minimum link the guideline asks for; a slower test is recorded with a warning, not refused. */
export const MIN_BANDWIDTH_MBPS = 50;

const stamp = (ctx: ActionContext<unknown>): Stamp => ({ userId: ctx.actor.userId, at: ctx.at });
const none = (): Notification[] => [];
const acceptedExperts = (c: Consult): Recipient[] =>
  c.invitations.filter((i) => i.status === 'accepted').map((i) => ({ userId: i.expertUserId }));

/** Adds an accepted expert to the consulting side's list; a changed list needs its director's approval again (G-2.7). */
function withParticipant(c: Consult, p: Participant): Pick<Consult, 'participants' | 'approvals'> {
  if (c.participants.some((x) => x.userId === p.userId && x.facilityId === p.facilityId)) {
    return { participants: c.participants, approvals: c.approvals };
  }
  return { participants: [...c.participants, p], approvals: c.approvals.filter((a) => a.facilityId !== p.facilityId) };
}

function invite(c: Consult, experts: readonly { expertUserId: string; specialty: string }[], by: Stamp): Invitation[] {
  const fresh: Invitation[] = experts.map((e) => ({
    expertUserId: e.expertUserId,
    facilityId: c.consultingFacilityId,
    specialty: e.specialty.trim(),
    status: 'invited',
    invitedBy: by,
    respondedAt: null,
  }));
  const reinvited = new Set(fresh.map((i) => i.expertUserId));
  return [...c.invitations.filter((i) => !reinvited.has(i.expertUserId)), ...fresh];
}

/** The state-changing part of every command (guards have passed); pure, builds new objects only. */
export const APPLY: { readonly [T in CommandType]: (ctx: ActionContext<CommandOf<T>>) => Applied } = {
  editDraft: (ctx) => {
    const p = ctx.command.patch;
    const c = ctx.consult;
    return {
      changes: {
        ...(p.type !== undefined ? { type: p.type } : {}),
        ...(p.urgency !== undefined ? { urgency: p.urgency } : {}),
        ...(p.caseSummary !== undefined ? { caseSummary: { ...c.caseSummary, ...p.caseSummary } } : {}),
        ...(p.requestedTime !== undefined ? { requestedTime: p.requestedTime } : {}),
      },
      to: 'draft',
      notify: none,
    };
  },

  recordConsent: (ctx) => ({
    changes: {
      consent: {
        recorded: true,
        by: ctx.actor.userId,
        at: ctx.command.signedAt ?? ctx.at,
        method: ctx.command.method,
        signer: ctx.command.signer,
        recordedAt: ctx.at,
      },
    },
    to: 'draft',
    notify: none,
    detail: { method: ctx.command.method, signer: ctx.command.signer },
  }),

  submit: (ctx) => ({
    changes: { submittedAt: ctx.at },
    to: 'submitted',
    notify: (n) => [notification(n, 'consult.submitted', who.office(n))],
    detail: { urgency: ctx.consult.urgency, type: ctx.consult.type },
  }),

  returnForInfo: (ctx) => ({
    changes: {
      intake: [...ctx.consult.intake, { questions: [...ctx.command.questions], askedBy: stamp(ctx), answers: null, answeredBy: null }],
    },
    to: 'returned',
    notify: (n) => [notification(n, 'consult.returned', who.requester(n))],
    detail: { questions: ctx.command.questions.length },
  }),

  answerAndResubmit: (ctx) => {
    const c = ctx.consult;
    const last = c.intake.length - 1;
    return {
      changes: {
        intake: c.intake.map((r, i) => (i === last ? { ...r, answers: [...ctx.command.answers], answeredBy: stamp(ctx) } : r)),
        ...(ctx.command.summaryPatch ? { caseSummary: { ...c.caseSummary, ...ctx.command.summaryPatch } } : {}),
        ...(ctx.command.requestedTime !== undefined ? { requestedTime: ctx.command.requestedTime } : {}),
        submittedAt: ctx.at,
      },
      to: 'resubmitted',
      notify: (n) => [notification(n, 'consult.resubmitted', who.office(n))],
    };
  },

  decline: (ctx) => ({
    changes: { ending: { kind: 'declined', reason: ctx.command.reason.trim(), by: stamp(ctx) } },
    to: 'declined',
    notify: (n) => [notification(n, 'consult.declined', who.requester(n))],
  }),

  accept: (ctx) => {
    const c = ctx.consult;
    if (c.urgency === 'emergency') {
      // G-3.4: an emergency invites the experts at once and holds the consult right after the request.
      const by = stamp(ctx);
      return {
        changes: {
          invitations: invite(c, ctx.command.experts ?? [], by),
          schedule: { start: ctx.at, ...(ctx.command.link !== undefined ? { link: ctx.command.link } : {}), setBy: by },
        },
        to: 'scheduled',
        notify: (n) => [
          notification(n, 'consult.emergencyScheduled', [...who.requester(n), ...who.office(n), ...who.experts(n), ...who.it(n), ...who.directors(n)], true),
        ],
        detail: { emergency: true, experts: ctx.command.experts?.length ?? 0 },
      };
    }
    return { changes: {}, to: 'accepted', notify: (n) => [notification(n, 'consult.accepted', who.requester(n))] };
  },

  inviteExperts: (ctx) => {
    const invitations = invite(ctx.consult, ctx.command.experts, stamp(ctx));
    const invitedIds = new Set(ctx.command.experts.map((e) => e.expertUserId));
    return {
      changes: { invitations },
      to: ctx.consult.state === 'scheduled' ? 'scheduled' : 'experts_invited',
      notify: (n) => [notification(n, 'invitation.received', [...invitedIds].map((userId) => ({ userId })))],
      detail: { experts: invitedIds.size },
    };
  },

  respondInvitation: (ctx) => {
    const c = ctx.consult;
    const accepted = ctx.command.response === 'accept';
    const invitations = c.invitations.map((i) =>
      i.expertUserId === ctx.actor.userId && i.status === 'invited'
        ? {
            ...i,
            status: accepted ? ('accepted' as const) : ('declined' as const),
            ...(ctx.command.reason !== undefined ? { reason: ctx.command.reason } : {}),
            respondedAt: ctx.at,
          }
        : i,
    );
    const roster = accepted
      ? withParticipant(c, { userId: ctx.actor.userId, facilityId: c.consultingFacilityId, role: 'consultant_expert' })
      : {};
    return {
      changes: { invitations, ...roster },
      to: c.state,
      notify: (n) => [notification(n, 'invitation.answered', who.office(n))],
      detail: { response: ctx.command.response },
    };
  },

  schedule: (ctx) => {
    const rescheduled = ctx.consult.state === 'scheduled';
    const { start, end, link } = ctx.command;
    return {
      changes: {
        schedule: { start, ...(end !== undefined ? { end } : {}), ...(link !== undefined ? { link } : {}), setBy: stamp(ctx) },
      },
      to: 'scheduled',
      // G-3.4: the requesting hospital is told the time; the experts, IT and the directors (G-2.7) too.
      notify: (n) => [
        notification(n, rescheduled ? 'consult.rescheduled' : 'consult.scheduled', [...who.requester(n), ...who.experts(n), ...who.it(n)]),
        ...(rescheduled ? [] : [notification(n, 'participants.approvalNeeded', who.directors(n))]),
      ],
      detail: { start, rescheduled },
    };
  },

  proposeParticipants: (ctx) => {
    const c = ctx.consult;
    const f = ctx.command.facilityId;
    const listed: Participant[] = ctx.command.participants.map((p) => ({ userId: p.userId, facilityId: f, role: p.role }));
    return {
      changes: {
        participants: [...c.participants.filter((p) => p.facilityId !== f), ...listed],
        approvals: c.approvals.filter((a) => a.facilityId !== f),
      },
      to: 'scheduled',
      notify: (n) => [notification(n, 'participants.approvalNeeded', [{ facilityId: f, role: 'facility_director' }])],
      detail: { facilityId: f, participants: listed.length },
    };
  },

  approveParticipants: (ctx) => {
    const c = ctx.consult;
    const f = ctx.command.facilityId;
    const approvals = [
      ...c.approvals,
      { facilityId: f, directorUserId: ctx.actor.userId, at: ctx.at, userIds: c.participants.filter((p) => p.facilityId === f).map((p) => p.userId) },
    ];
    const all = directorsApproved({ ...c, approvals });
    return {
      changes: { approvals },
      to: all ? 'participants_approved' : 'scheduled',
      notify: (n) => (all ? [notification(n, 'participants.approved', [...who.it(n), ...who.requester(n), ...who.office(n)])] : []),
      detail: { facilityId: f },
    };
  },

  recordConnectionTest: (ctx) => {
    const c = ctx.consult;
    const cmd = ctx.command;
    const test = {
      facilityId: cmd.facilityId,
      by: ctx.actor.userId,
      at: ctx.at,
      result: cmd.result,
      ...(cmd.rttMs !== undefined ? { rttMs: cmd.rttMs } : {}),
      ...(cmd.bandwidthMbps !== undefined ? { bandwidthMbps: cmd.bandwidthMbps } : {}),
      ...(cmd.notes !== undefined ? { notes: cmd.notes } : {}),
    };
    const connectionTests = [...c.connectionTests, test];
    const ready = sidesNotTested({ ...c, connectionTests }).length === 0;
    const slow = cmd.bandwidthMbps !== undefined && cmd.bandwidthMbps < MIN_BANDWIDTH_MBPS;
    return {
      changes: { connectionTests },
      to: ready ? 'connection_tested' : 'participants_approved',
      notify: (n) =>
        cmd.result === 'failed'
          ? [notification(n, 'connection.failed', [...who.it(n), ...who.requester(n), ...who.office(n)])]
          : ready && c.state !== 'connection_tested'
            ? [notification(n, 'consult.ready', [...who.requester(n), ...who.office(n)])]
            : [],
      detail: { facilityId: cmd.facilityId, result: cmd.result, belowMinimumBandwidth: slow },
    };
  },

  startSession: () => ({
    changes: {},
    to: 'in_session',
    notify: (n) => [notification(n, 'session.started', [...who.participants(n), ...who.requester(n), ...who.office(n)])],
  }),

  draftMinutes: (ctx) => {
    const prev = ctx.consult.minutes;
    const version = (prev?.version ?? 0) + 1;
    const content = {
      version,
      assessment: ctx.command.assessment,
      definitiveDiagnosis: ctx.command.definitiveDiagnosis,
      treatmentDirection: ctx.command.treatmentDirection,
      notes: ctx.command.notes ?? '',
      draftedBy: stamp(ctx),
    };
    const minutes: Minutes = { ...content, agreedBy: null, signedBy: null, versions: [...(prev?.versions ?? []), content] };
    return {
      changes: { minutes },
      to: 'minutes_drafted',
      notify: (n) => [notification(n, 'minutes.drafted', who.office(n))],
      detail: { version, treatmentDirection: content.treatmentDirection, agreementWithdrawn: prev?.agreedBy != null },
    };
  },

  agreeMinutes: (ctx) => ({
    changes: { minutes: { ...(ctx.consult.minutes as Minutes), agreedBy: stamp(ctx) } },
    to: 'minutes_agreed',
    notify: (n) => [notification(n, 'minutes.agreed', [...who.requester(n), { facilityId: n.requestingFacilityId, role: 'facility_director' }])],
    detail: { version: ctx.consult.minutes?.version ?? 0 },
  }),

  signMinutes: (ctx) => ({
    changes: { minutes: { ...(ctx.consult.minutes as Minutes), signedBy: stamp(ctx) } },
    to: 'signed',
    notify: (n) => [notification(n, 'minutes.signed', [...who.office(n), ...who.participants(n)])],
    detail: { version: ctx.consult.minutes?.version ?? 0 },
  }),

  close: () => ({
    changes: {},
    to: 'closed',
    notify: (n) => [notification(n, 'consult.closed', [...who.requester(n), ...who.office(n)])],
  }),

  addFollowUp: (ctx) => {
    const urgent = ctx.command.kind === 'urgent_escalation';
    return {
      changes: {
        followUps: [
          ...ctx.consult.followUps,
          { kind: ctx.command.kind, text: ctx.command.text, by: ctx.actor.userId, facilityId: ctx.actor.facilityId, at: ctx.at },
        ],
      },
      to: ctx.consult.state,
      // G-3.8: an urgent escalation goes through the planning office's hotline, at once.
      notify: (n) => [notification(n, 'followUp.added', [...who.office(n), ...(urgent ? acceptedExperts(n) : [])], urgent)],
      detail: { kind: ctx.command.kind },
    };
  },

  cancel: (ctx) => {
    const wasShared = ctx.consult.state !== 'draft';
    return {
      changes: { ending: { kind: 'cancelled', reason: ctx.command.reason.trim(), by: stamp(ctx) } },
      to: 'cancelled',
      notify: (n) => [
        notification(n, 'consult.cancelled', [...who.requester(n), ...(wasShared ? [...who.office(n), ...who.experts(n), ...who.participants(n)] : [])]),
      ],
      detail: { from: ctx.consult.state },
    };
  },
};

import type { Actor, Consult, Patient } from '../model/index.js';
import { can, isInvited } from '../policy/can.js';
import type { Command } from './events.js';
import {
  directorsApproved,
  effectiveSummary,
  identityFoundIn,
  isAtLeastOneDayAfter,
  missingMinutesFields,
  missingSummaryFields,
  sides,
  sidesNotTested,
  textsOf,
} from './predicates.js';
import { parseInstant } from './time.js';
import { filled } from './text.js';

export {
  directorsApproved,
  effectiveSummary,
  identityFoundIn,
  isAtLeastOneDayAfter,
  missingMinutesFields,
  missingSummaryFields,
  sides,
  sidesNotTested,
  textsOf,
};

/** A rule id of the Ministry of Health guideline (shared/docs/guideline-en.md). */
export type GuidelineId = `G-${number}.${number}`;

/** What a guard sees: the consult before the command, who sends it, the command, the injected time. */
export interface GuardContext {
  readonly consult: Consult;
  readonly actor: Actor;
  readonly command: Command;
  readonly now: Date;
  /** The patient, when the requesting facility's gateway has it (enables `noIdentityInText`). */
  readonly patient?: Patient;
}

/** A named pure predicate: `check` returns null when it passes, else the reason (answered with `status`). */
export interface Guard {
  readonly name: string;
  readonly rule: GuidelineId;
  readonly status: 403 | 409 | 422;
  readonly description: string;
  check(ctx: GuardContext): string | null;
}

const facilityOf = (c: Command): string | undefined =>
  c.type === 'proposeParticipants' || c.type === 'approveParticipants' || c.type === 'recordConnectionTest' ? c.facilityId : undefined;

const pass = null;

// ---------------------------------------------------------------------------------------------------------
// The guards, by name. `transition()` runs the authorization ones first (403), then those the machine lists.

/** Every guard, keyed by its name; each cites the guideline rule it enforces. */
export const GUARDS = {
  roleAllowed: {
    name: 'roleAllowed',
    rule: 'G-2.9',
    status: 403,
    description: "one of the actor's roles may send this command to this consult (access matrix)",
    check: (ctx) => {
      const d = can(ctx.actor, ctx.command.type, ctx.consult);
      return d.ok ? pass : d.reason;
    },
  },
  sameFacility: {
    name: 'sameFacility',
    rule: 'G-2.9',
    status: 403,
    description: "a director, IT technician or coordinator acts only for their own facility's side",
    check: (ctx) => {
      const f = facilityOf(ctx.command);
      if (f === undefined) return pass;
      if (f !== ctx.actor.facilityId) return `acting for facility ${f} from facility ${ctx.actor.facilityId}`;
      if (!sides(ctx.consult).includes(f)) return `facility ${f} is not a side of this consult`;
      return pass;
    },
  },
  invited: {
    name: 'invited',
    rule: 'G-2.9',
    status: 403,
    description: 'an expert acts only on consults they are invited to (and have not declined)',
    check: (ctx) => (isInvited(ctx.actor, ctx.consult) ? pass : 'the actor is not invited to this consult'),
  },
  draftPatchValid: {
    name: 'draftPatchValid',
    rule: 'G-3.2',
    status: 422,
    description: 'draft edits carry valid values (type, urgency, an ISO 8601 requested time with offset)',
    check: (ctx) => {
      if (ctx.command.type !== 'editDraft') return pass;
      const p = ctx.command.patch;
      if (p.type !== undefined && p.type !== 'case' && p.type !== 'training') return `unknown consult type ${String(p.type)}`;
      if (p.urgency !== undefined && p.urgency !== 'routine' && p.urgency !== 'emergency') return `unknown urgency ${String(p.urgency)}`;
      if (p.requestedTime !== undefined && p.requestedTime !== null && parseInstant(p.requestedTime) === null) {
        return 'requestedTime must be an ISO 8601 date-time with offset';
      }
      for (const [k, v] of Object.entries(p.caseSummary ?? {})) {
        if (typeof v !== 'string') return `caseSummary.${k} must be text`;
      }
      return pass;
    },
  },
  caseSummaryComplete: {
    name: 'caseSummaryComplete',
    rule: 'G-3.2',
    status: 422,
    description: 'history, past history, examination, paraclinical results, preliminary diagnosis, treatment so far and the question are filled',
    check: (ctx) => {
      const missing = missingSummaryFields(effectiveSummary(ctx));
      return missing.length === 0 ? pass : `case summary incomplete (G-3.2): missing ${missing.join(', ')}`;
    },
  },
  consentValid: {
    name: 'consentValid',
    rule: 'G-2.12',
    status: 422,
    description: 'a consent record names its method and signer, and was signed no later than now',
    check: (ctx) => {
      const c = ctx.command;
      if (c.type !== 'recordConsent') return pass;
      if (c.method !== 'paper' && c.method !== 'electronic') return 'consent method must be paper or electronic';
      if (c.signer !== 'patient' && c.signer !== 'legal_representative') return 'consent signer must be the patient or the legal representative';
      if (c.signedAt !== undefined) {
        const ms = parseInstant(c.signedAt);
        if (ms === null) return 'signedAt must be an ISO 8601 date-time with offset';
        if (ms > ctx.now.getTime()) return 'signedAt is in the future';
      }
      return pass;
    },
  },
  consentRecorded: {
    name: 'consentRecorded',
    rule: 'G-2.12',
    status: 422,
    description: "the patient's (or legal representative's) signed consent is recorded before submission",
    check: (ctx) => {
      const c = ctx.consult.consent;
      return c.recorded && filled(c.by) && filled(c.at) && c.method !== null && c.signer !== null
        ? pass
        : "the patient's consent to remote consultation is not recorded (G-2.12)";
    },
  },
  atLeast24hAhead: {
    name: 'atLeast24hAhead',
    rule: 'G-3.2',
    status: 422,
    description: 'a routine consult is requested, and scheduled, at least one day after the summary is sent; emergencies are exempt',
    check: (ctx) => {
      if (ctx.consult.urgency === 'emergency') return pass;
      const c = ctx.command;
      const now = ctx.now.getTime();
      if (c.type === 'submit' || c.type === 'answerAndResubmit') {
        const raw = c.type === 'answerAndResubmit' && c.requestedTime !== undefined ? c.requestedTime : ctx.consult.requestedTime;
        const at = parseInstant(raw);
        if (at === null) return 'a routine consult needs a requested time (ISO 8601 with offset)';
        return isAtLeastOneDayAfter(at, now) ? pass : 'the requested time is less than 24 h away: send the summary at least 1 day before, or mark it an emergency (G-3.2)';
      }
      if (c.type === 'schedule') {
        const at = parseInstant(c.start);
        if (at === null) return pass; // startInFuture reports the format
        const sent = parseInstant(ctx.consult.submittedAt) ?? now;
        return isAtLeastOneDayAfter(at, sent) ? pass : 'a routine consult must start at least 24 h after the summary was sent (G-3.2)';
      }
      return pass;
    },
  },
  noIdentityInText: {
    name: 'noIdentityInText',
    rule: 'G-2.3',
    status: 422,
    description: "free texts shared with the consulting side carry none of the patient's name, national id, address or birth date (checked when the gateway passes the patient)",
    check: (ctx) => {
      if (ctx.patient === undefined) return pass;
      const found = identityFoundIn(ctx.patient, textsOf(ctx));
      return found.length === 0 ? pass : `the text contains the patient's ${found.join(', ')} (G-2.3: never share identifying information)`;
    },
  },
  questionsGiven: {
    name: 'questionsGiven',
    rule: 'G-3.3',
    status: 422,
    description: 'a return for more information asks at least one question, none blank',
    check: (ctx) => {
      if (ctx.command.type !== 'returnForInfo') return pass;
      const q = ctx.command.questions;
      return Array.isArray(q) && q.length > 0 && q.every(filled) ? pass : 'return for information needs at least one non-blank question';
    },
  },
  answersGiven: {
    name: 'answersGiven',
    rule: 'G-3.3',
    status: 422,
    description: "every question of the open intake round gets a non-blank answer",
    check: (ctx) => {
      if (ctx.command.type !== 'answerAndResubmit') return pass;
      const open = ctx.consult.intake.at(-1);
      if (!open || open.answers !== null) return 'there is no open question to answer';
      const a = ctx.command.answers;
      if (!Array.isArray(a) || a.length !== open.questions.length) return `expected ${open.questions.length} answer(s), got ${Array.isArray(a) ? a.length : 0}`;
      return a.every(filled) ? pass : 'every answer must be non-blank';
    },
  },
  reasonGiven: {
    name: 'reasonGiven',
    rule: 'G-3.3',
    status: 422,
    description: 'declining (and cancelling) states a reason',
    check: (ctx) => {
      const c = ctx.command;
      if (c.type !== 'decline' && c.type !== 'cancel') return pass;
      return filled(c.reason) ? pass : 'a reason is required';
    },
  },
  expertsForUrgency: {
    name: 'expertsForUrgency',
    rule: 'G-3.4',
    status: 422,
    description: 'accepting an emergency names the experts to invite at once; a routine acceptance invites them in a later step',
    check: (ctx) => {
      if (ctx.command.type !== 'accept') return pass;
      const n = ctx.command.experts?.length ?? 0;
      if (ctx.consult.urgency === 'emergency') return n > 0 ? pass : 'an emergency is accepted with the experts to invite at once (G-3.4)';
      return n === 0 ? pass : 'a routine consult invites experts with inviteExperts after acceptance';
    },
  },
  expertsValid: {
    name: 'expertsValid',
    rule: 'G-3.4',
    status: 422,
    description: 'experts are invited by specialty: each has a user id and a specialty, none twice, none already invited',
    check: (ctx) => {
      const c = ctx.command;
      const experts = c.type === 'inviteExperts' ? c.experts : c.type === 'accept' ? (c.experts ?? []) : null;
      if (experts === null) return pass;
      if (c.type === 'inviteExperts' && experts.length === 0) return 'invite at least one expert';
      const seen = new Set<string>();
      for (const e of experts) {
        if (!filled(e.expertUserId) || !filled(e.specialty)) return 'each expert needs a user id and a specialty';
        if (seen.has(e.expertUserId)) return `expert ${e.expertUserId} listed twice`;
        seen.add(e.expertUserId);
        if (ctx.consult.invitations.some((i) => i.expertUserId === e.expertUserId && i.status !== 'declined')) {
          return `expert ${e.expertUserId} is already invited`;
        }
      }
      return pass;
    },
  },
  linkValid: {
    name: 'linkValid',
    rule: 'G-2.15',
    status: 422,
    description: 'a video-conference link, when given, is an https URL (data kept safe during the consult)',
    check: (ctx) => {
      const c = ctx.command;
      const link = c.type === 'accept' || c.type === 'schedule' ? c.link : undefined;
      if (link === undefined) return pass;
      try {
        return new URL(link).protocol === 'https:' ? pass : 'the link must use https';
      } catch {
        return 'the link is not a URL';
      }
    },
  },
  invitationPending: {
    name: 'invitationPending',
    rule: 'G-3.4',
    status: 409,
    description: "the expert's invitation is still unanswered",
    check: (ctx) =>
      ctx.consult.invitations.some((i) => i.expertUserId === ctx.actor.userId && i.status === 'invited')
        ? pass
        : 'the invitation has already been answered',
  },
  expertAccepted: {
    name: 'expertAccepted',
    rule: 'G-3.4',
    status: 422,
    description: 'at least one invited expert accepted before the consult is scheduled',
    check: (ctx) => (ctx.consult.invitations.some((i) => i.status === 'accepted') ? pass : 'no invited expert has accepted yet'),
  },
  startInFuture: {
    name: 'startInFuture',
    rule: 'G-3.4',
    status: 422,
    description: 'the scheduled start is an ISO 8601 time in the future, and the end (if any) after it',
    check: (ctx) => {
      if (ctx.command.type !== 'schedule') return pass;
      const start = parseInstant(ctx.command.start);
      if (start === null) return 'start must be an ISO 8601 date-time with offset';
      if (start <= ctx.now.getTime()) return 'start is in the past';
      if (ctx.command.end !== undefined) {
        const end = parseInstant(ctx.command.end);
        if (end === null || end <= start) return 'end must be an ISO 8601 date-time after start';
      }
      return pass;
    },
  },
  participantsValid: {
    name: 'participantsValid',
    rule: 'G-2.7',
    status: 422,
    description: "a side's participant list is non-empty, each person once, with a role other than admin",
    check: (ctx) => {
      if (ctx.command.type !== 'proposeParticipants') return pass;
      const list = ctx.command.participants;
      if (!Array.isArray(list) || list.length === 0) return 'the participant list is empty';
      const seen = new Set<string>();
      for (const p of list) {
        if (!filled(p.userId)) return 'each participant needs a user id';
        if (p.role === 'admin') return 'admin does not take part in consults';
        if (seen.has(p.userId)) return `participant ${p.userId} listed twice`;
        seen.add(p.userId);
      }
      return pass;
    },
  },
  participantsListed: {
    name: 'participantsListed',
    rule: 'G-2.7',
    status: 422,
    description: "the director's side has at least one participant to approve",
    check: (ctx) =>
      ctx.consult.participants.some((p) => p.facilityId === ctx.actor.facilityId)
        ? pass
        : "this facility's participant list is empty",
  },
  notYetApproved: {
    name: 'notYetApproved',
    rule: 'G-2.7',
    status: 409,
    description: "the facility's current list is not already approved",
    check: (ctx) =>
      ctx.consult.approvals.some((a) => a.facilityId === ctx.actor.facilityId) ? "this facility's participant list is already approved" : pass,
  },
  allDirectorsApproved: {
    name: 'allDirectorsApproved',
    rule: 'G-2.7',
    status: 409,
    description: "each side's director approved that side's participant list",
    check: (ctx) => (directorsApproved(ctx.consult) ? pass : 'the participant list is not approved by both directors (G-2.7)'),
  },
  connectionTestValid: {
    name: 'connectionTestValid',
    rule: 'G-3.5',
    status: 422,
    description: 'a connection test records ok or failed, with non-negative round-trip time and bandwidth',
    check: (ctx) => {
      const c = ctx.command;
      if (c.type !== 'recordConnectionTest') return pass;
      if (c.result !== 'ok' && c.result !== 'failed') return 'result must be ok or failed';
      for (const [k, v] of [['rttMs', c.rttMs], ['bandwidthMbps', c.bandwidthMbps]] as const) {
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) return `${k} must be a non-negative number`;
      }
      return pass;
    },
  },
  connectionTestedBothSides: {
    name: 'connectionTestedBothSides',
    rule: 'G-3.5',
    status: 409,
    description: "the latest connection test of each side's IT is ok",
    check: (ctx) => {
      const missing = sidesNotTested(ctx.consult);
      return missing.length === 0 ? pass : `no successful connection test from ${missing.join(', ')} (G-3.5)`;
    },
  },
  minutesComplete: {
    name: 'minutesComplete',
    rule: 'G-3.7',
    status: 422,
    description: 'the minutes give the assessment of the course, the definitive diagnosis and a treatment direction (continue here, transfer, training support)',
    check: (ctx) => {
      const c = ctx.command;
      const missing = missingMinutesFields(c.type === 'draftMinutes' ? c : ctx.consult.minutes);
      return missing.length === 0 ? pass : `minutes incomplete (G-3.7): missing ${missing.join(', ')}`;
    },
  },
  minutesAgreed: {
    name: 'minutesAgreed',
    rule: 'G-3.7',
    status: 409,
    description: "the current version of the minutes is agreed by the consulting side's planning office",
    check: (ctx) => (ctx.consult.minutes?.agreedBy ? pass : 'the current minutes are not agreed'),
  },
  followUpGiven: {
    name: 'followUpGiven',
    rule: 'G-3.8',
    status: 422,
    description: 'a follow-up is a report or an urgent escalation, with text',
    check: (ctx) => {
      const c = ctx.command;
      if (c.type !== 'addFollowUp') return pass;
      if (c.kind !== 'report' && c.kind !== 'urgent_escalation') return 'kind must be report or urgent_escalation';
      return filled(c.text) ? pass : 'the follow-up text is empty';
    },
  },
} as const satisfies Record<string, Guard>;

/** The name of a guard in {@link GUARDS}. */
export type GuardName = keyof typeof GUARDS;

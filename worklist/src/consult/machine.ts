import type { ConsultState } from '../model/index.js';
import type { CommandType } from './events.js';
import type { GuardName } from './guards.js';

/** Where a command may lead from one state, and the named guards it must pass there (guards.ts). */
export interface TransitionSpec {
  /** The possible next states; the first is the usual one (several when the data decides, e.g. the last approval). */
  readonly targets: readonly ConsultState[];
  /** Checked in order after authorization; the first that fails answers 409 or 422. */
  readonly guards: readonly GuardName[];
}

/** A state's outgoing commands. */
export interface StateSpec {
  /** The guideline step the state belongs to. */
  readonly step: string;
  readonly on: Readonly<Partial<Record<CommandType, TransitionSpec>>>;
}

const t = (targets: readonly ConsultState[], guards: readonly GuardName[] = []): TransitionSpec => ({ targets, guards });

const cancel = t(['cancelled'], ['reasonGiven']);
const intake = {
  returnForInfo: t(['returned'], ['questionsGiven']),
  decline: t(['declined'], ['reasonGiven']),
  accept: t(['accepted', 'scheduled'], ['expertsForUrgency', 'expertsValid', 'linkValid']),
  cancel,
} as const;

/**
 * The consult procedure (G-3.2 … G-3.8) as data: state → command → targets + guards. Pure data, so the README
 * diagram, the generated 409 tests and the shortest-path walk all read the same table; `transition()` runs it.
 * Commands not listed for a state answer 409.
 */
export const MACHINE = {
  initial: 'draft',
  final: ['declined', 'cancelled', 'closed'],
  states: {
    draft: {
      step: 'G-3.2 registration',
      on: {
        editDraft: t(['draft'], ['draftPatchValid']),
        recordConsent: t(['draft'], ['consentValid']),
        submit: t(['submitted'], ['caseSummaryComplete', 'consentRecorded', 'atLeast24hAhead', 'noIdentityInText']),
        cancel,
      },
    },
    submitted: { step: 'G-3.3 intake', on: intake },
    returned: {
      step: 'G-3.3 intake',
      on: {
        answerAndResubmit: t(['resubmitted'], ['answersGiven', 'caseSummaryComplete', 'atLeast24hAhead', 'noIdentityInText']),
        cancel,
      },
    },
    resubmitted: { step: 'G-3.3 intake', on: intake },
    declined: { step: 'G-3.3 intake (final)', on: {} },
    accepted: {
      step: 'G-3.4 invitations',
      on: { inviteExperts: t(['experts_invited'], ['expertsValid']), cancel },
    },
    experts_invited: {
      step: 'G-3.4 invitations',
      on: {
        inviteExperts: t(['experts_invited'], ['expertsValid']),
        respondInvitation: t(['experts_invited'], ['invitationPending']),
        schedule: t(['scheduled'], ['expertAccepted', 'startInFuture', 'atLeast24hAhead', 'linkValid']),
        cancel,
      },
    },
    scheduled: {
      step: 'G-3.4 scheduling, G-2.7 participant list',
      on: {
        inviteExperts: t(['scheduled'], ['expertsValid']),
        respondInvitation: t(['scheduled'], ['invitationPending']),
        schedule: t(['scheduled'], ['startInFuture', 'atLeast24hAhead', 'linkValid']),
        proposeParticipants: t(['scheduled'], ['participantsValid']),
        approveParticipants: t(['scheduled', 'participants_approved'], ['participantsListed', 'notYetApproved']),
        cancel,
      },
    },
    participants_approved: {
      step: 'G-3.5 activation',
      on: { recordConnectionTest: t(['participants_approved', 'connection_tested'], ['connectionTestValid']), cancel },
    },
    connection_tested: {
      step: 'G-3.5 activation',
      on: {
        recordConnectionTest: t(['connection_tested', 'participants_approved'], ['connectionTestValid']),
        startSession: t(['in_session'], ['allDirectorsApproved', 'connectionTestedBothSides']),
        cancel,
      },
    },
    in_session: {
      step: 'G-3.6 meeting',
      on: { draftMinutes: t(['minutes_drafted'], ['minutesComplete', 'noIdentityInText']) },
    },
    minutes_drafted: {
      step: 'G-3.7 conclusion',
      on: {
        draftMinutes: t(['minutes_drafted'], ['minutesComplete', 'noIdentityInText']),
        agreeMinutes: t(['minutes_agreed'], ['minutesComplete']),
      },
    },
    minutes_agreed: {
      step: 'G-3.7 conclusion',
      on: {
        draftMinutes: t(['minutes_drafted'], ['minutesComplete', 'noIdentityInText']),
        signMinutes: t(['signed'], ['minutesAgreed', 'minutesComplete']),
      },
    },
    signed: {
      step: 'G-3.7 conclusion, G-3.8 follow-up',
      on: { close: t(['closed']), addFollowUp: t(['signed'], ['followUpGiven', 'noIdentityInText']) },
    },
    closed: {
      step: 'G-3.8 follow-up (final)',
      on: { addFollowUp: t(['closed'], ['followUpGiven', 'noIdentityInText']) },
    },
    cancelled: { step: 'cancelled (final)', on: {} },
  },
} as const satisfies {
  initial: ConsultState;
  final: readonly ConsultState[];
  states: Readonly<Record<ConsultState, StateSpec>>;
};

/** The spec for `command` in `state`, or undefined when the command is illegal there (→ 409). */
export function specFor(state: ConsultState, command: CommandType): TransitionSpec | undefined {
  const on: Readonly<Partial<Record<CommandType, TransitionSpec>>> = MACHINE.states[state].on;
  return on[command];
}

/** The commands legal in `state`. */
export function commandsIn(state: ConsultState): CommandType[] {
  return Object.keys(MACHINE.states[state].on) as CommandType[];
}

/** True when no command leaves `state` except follow-ups (declined, cancelled, closed). */
export function isFinal(state: ConsultState): boolean {
  return (MACHINE.final as readonly ConsultState[]).includes(state);
}

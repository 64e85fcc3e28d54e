import type {
  CaseSummary,
  ConsentMethod,
  ConsentSigner,
  ConsultType,
  Role,
  TreatmentDirection,
  Urgency,
} from '../model/index.js';

/** An expert to invite for a specialty (G-3.4). */
export interface ExpertRequest {
  readonly expertUserId: string;
  readonly specialty: string;
}

/** A person the proposing side puts on the participant list (G-2.7, G-3.4). */
export interface ParticipantRequest {
  readonly userId: string;
  readonly role: Role;
}

/** Fields of a draft the requesting side may change before submission (G-3.2). */
export interface DraftPatch {
  readonly type?: ConsultType;
  readonly urgency?: Urgency;
  readonly caseSummary?: Partial<CaseSummary>;
  /** ISO 8601, or null to clear. */
  readonly requestedTime?: string | null;
}

/**
 * Every command a user can send to a consult, discriminated on `type`. Each is one API call; `transition()`
 * checks who may send it (403), whether the consult's state allows it (409) and whether its data is complete (422).
 */
export type Command =
  /** Requesting side edits the draft (G-3.2). */
  | { readonly type: 'editDraft'; readonly patch: DraftPatch }
  /** Requesting side records the patient's signed consent (G-2.12); `signedAt` defaults to now. */
  | { readonly type: 'recordConsent'; readonly method: ConsentMethod; readonly signer: ConsentSigner; readonly signedAt?: string }
  /** Requesting side registers the consult and sends the summary (G-3.2). */
  | { readonly type: 'submit' }
  /** Planning office asks for more information (G-3.3). */
  | { readonly type: 'returnForInfo'; readonly questions: readonly string[] }
  /** Requesting side answers every question (and may amend the summary), then resubmits (G-3.3). */
  | {
      readonly type: 'answerAndResubmit';
      readonly answers: readonly string[];
      readonly summaryPatch?: Partial<CaseSummary>;
      /** A new requested time, when the old one no longer leaves 24 h (G-3.2). */
      readonly requestedTime?: string;
    }
  /** Planning office declines, with a reason (G-3.3). */
  | { readonly type: 'decline'; readonly reason: string }
  /** Planning office accepts (G-3.3). An emergency must name its experts: they are invited and the consult scheduled at once (G-3.4). */
  | { readonly type: 'accept'; readonly experts?: readonly ExpertRequest[]; readonly link?: string }
  /** Planning office invites experts by specialty (G-3.4); allowed again to add experts. */
  | { readonly type: 'inviteExperts'; readonly experts: readonly ExpertRequest[] }
  /** An invited expert accepts or declines (G-3.4). */
  | { readonly type: 'respondInvitation'; readonly response: 'accept' | 'decline'; readonly reason?: string }
  /** Planning office sets (or moves) the time; the requesting hospital is told (G-3.4). */
  | { readonly type: 'schedule'; readonly start: string; readonly end?: string; readonly link?: string }
  /** A side's coordinator replaces its own part of the participant list (G-2.7, G-3.4); resets that side's approval. */
  | { readonly type: 'proposeParticipants'; readonly facilityId: string; readonly participants: readonly ParticipantRequest[] }
  /** A facility director approves the facility's part of the participant list (G-2.7). */
  | { readonly type: 'approveParticipants'; readonly facilityId: string }
  /** IT of one side records a connection test (G-3.5). */
  | {
      readonly type: 'recordConnectionTest';
      readonly facilityId: string;
      readonly result: 'ok' | 'failed';
      readonly rttMs?: number;
      readonly bandwidthMbps?: number;
      readonly notes?: string;
    }
  /** The meeting starts (G-3.6). */
  | { readonly type: 'startSession' }
  /** Requesting side drafts (or revises) the minutes (G-3.7); a revision withdraws an earlier agreement. */
  | {
      readonly type: 'draftMinutes';
      readonly assessment: string;
      readonly definitiveDiagnosis: string;
      readonly treatmentDirection: TreatmentDirection;
      readonly notes?: string;
    }
  /** Consulting planning office agrees to the current minutes (G-3.7). */
  | { readonly type: 'agreeMinutes' }
  /** Requesting side signs the agreed minutes (G-3.7). */
  | { readonly type: 'signMinutes' }
  /** The consult is closed; follow-ups may still attach (G-3.8). */
  | { readonly type: 'close' }
  /** A follow-up report or an urgent escalation (G-3.8). */
  | { readonly type: 'addFollowUp'; readonly kind: 'report' | 'urgent_escalation'; readonly text: string }
  /** Either side cancels before the meeting, with a reason. */
  | { readonly type: 'cancel'; readonly reason: string };

/** The `type` of a {@link Command}. */
export type CommandType = Command['type'];

/** The command of a given type. */
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** Every command type, in procedure order (for generated tests and the OpenAPI enum). */
export const COMMAND_TYPES = [
  'editDraft',
  'recordConsent',
  'submit',
  'returnForInfo',
  'answerAndResubmit',
  'decline',
  'accept',
  'inviteExperts',
  'respondInvitation',
  'schedule',
  'proposeParticipants',
  'approveParticipants',
  'recordConnectionTest',
  'startSession',
  'draftMinutes',
  'agreeMinutes',
  'signMinutes',
  'close',
  'addFollowUp',
  'cancel',
] as const satisfies readonly CommandType[];

// Compile-time check that COMMAND_TYPES lists every command type.
type Missing = Exclude<CommandType, (typeof COMMAND_TYPES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

import { COMMAND_TYPES } from '../consult/events.js';
import type { CommandType } from '../consult/events.js';
import type { Role } from '../model/index.js';

/**
 * Reads (and non-command writes) checked by `can()`. Commands (events.ts) are actions too, under their own type.
 * - `consult.list`: may call the list endpoint at all (each item is then filtered with `consult.read`).
 * - `consult.read`: the logistics view: state, schedule, invitations, participants, approvals, tests.
 * - `consult.readClinical`: the case summary, intake questions, minutes, follow-ups (pseudonymous).
 * - `patient.identity`: the patient's identity held at the requesting facility (G-2.3: never the consulting side).
 * - `casePack.read` / `image.read`: the anonymized pack and its images (DICOMweb, WADO, DIMSE retrieve).
 * - `casePack.write`: add images or documents to the consult's pack (uploads, C-STORE routed to the consult).
 * - `audit.read` / `audit.verify`: the audit log (G-2.11); directors are scoped to their facility (auditScope()).
 * - `create`: register a new draft consult at the actor's own facility.
 */
export const READ_ACTIONS = [
  'consult.list',
  'consult.read',
  'consult.readClinical',
  'patient.identity',
  'casePack.read',
  'image.read',
  'casePack.write',
  'audit.read',
  'audit.verify',
  'create',
] as const;

/** A non-command action of {@link READ_ACTIONS}. */
export type ReadAction = (typeof READ_ACTIONS)[number];

/** Everything `can()` decides: the read actions and every command type. */
export type Action = ReadAction | CommandType;

/** Every action, reads first then commands in procedure order (for generated matrices). */
export const ACTIONS: readonly Action[] = [...READ_ACTIONS, ...COMMAND_TYPES];

/**
 * How one role may perform one action (G-2.9: by role, facility and invitation):
 * - `never`: refused.
 * - `always`: any consult, any facility (admin reads only).
 * - `ownFacility`: no consult involved; the action is scoped to the actor's facility by the caller.
 * - `requestingSide`: the actor's facility requested the consult.
 * - `consultingSide`: the actor's facility is the consulting one and the consult has been submitted (drafts
 *   stay private to the requesting hospital: nothing is shared before consent and submission, G-2.12).
 * - `eitherSide`: requestingSide or consultingSide.
 * - `invited`: the actor holds an invitation to this submitted consult that they have not declined.
 */
export type Rule = 'never' | 'always' | 'ownFacility' | 'requestingSide' | 'consultingSide' | 'eitherSide' | 'invited';

/** True when the rule can only be decided with a consult in hand. */
export function ruleNeedsConsult(rule: Rule): boolean {
  return rule !== 'never' && rule !== 'always' && rule !== 'ownFacility';
}

type Row = Readonly<Record<Action, Rule>>;

const none = Object.fromEntries(ACTIONS.map((a) => [a, 'never'])) as Record<Action, Rule>;
const row = (rules: Partial<Record<Action, Rule>>): Row => Object.freeze({ ...none, ...rules });
const all = (actions: readonly Action[], rule: Rule): Partial<Record<Action, Rule>> =>
  Object.fromEntries(actions.map((a) => [a, rule]));

/**
 * The access matrix (G-2.9) as data: role × action → rule. `can()` reads it; the gateway generates its
 * endpoint × role test matrix from it. An actor holding several roles is allowed when any of them allows.
 */
export const ACCESS_MATRIX: Readonly<Record<Role, Row>> = Object.freeze({
  requesting_doctor: row({
    'consult.list': 'ownFacility',
    create: 'ownFacility',
    ...all(['consult.read', 'consult.readClinical', 'patient.identity', 'casePack.read', 'image.read', 'casePack.write'], 'requestingSide'),
    ...all(
      ['editDraft', 'recordConsent', 'submit', 'answerAndResubmit', 'proposeParticipants', 'startSession', 'draftMinutes', 'signMinutes', 'addFollowUp', 'cancel'],
      'requestingSide',
    ),
  }),
  requesting_coordinator: row({
    'consult.list': 'ownFacility',
    create: 'ownFacility',
    ...all(['consult.read', 'consult.readClinical', 'patient.identity', 'casePack.read', 'image.read', 'casePack.write'], 'requestingSide'),
    ...all(
      ['editDraft', 'recordConsent', 'submit', 'answerAndResubmit', 'proposeParticipants', 'startSession', 'draftMinutes', 'close', 'addFollowUp', 'cancel'],
      'requestingSide',
    ),
  }),
  consulting_coordinator: row({
    'consult.list': 'ownFacility',
    ...all(['consult.read', 'consult.readClinical', 'casePack.read', 'image.read'], 'consultingSide'),
    ...all(
      ['returnForInfo', 'decline', 'accept', 'inviteExperts', 'schedule', 'proposeParticipants', 'startSession', 'agreeMinutes', 'close', 'cancel'],
      'consultingSide',
    ),
  }),
  consultant_expert: row({
    'consult.list': 'ownFacility',
    ...all(['consult.read', 'consult.readClinical', 'casePack.read', 'image.read', 'respondInvitation'], 'invited'),
  }),
  it_technician: row({
    'consult.list': 'ownFacility',
    'consult.read': 'eitherSide',
    recordConnectionTest: 'eitherSide',
  }),
  facility_director: row({
    'consult.list': 'ownFacility',
    'consult.read': 'eitherSide',
    'consult.readClinical': 'eitherSide',
    'patient.identity': 'requestingSide',
    'audit.read': 'ownFacility',
    approveParticipants: 'eitherSide',
    signMinutes: 'requestingSide',
  }),
  admin: row({
    'consult.list': 'always',
    'consult.read': 'always',
    'audit.read': 'always',
    'audit.verify': 'always',
  }),
});

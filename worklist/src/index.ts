/**
 * @hoichan/worklist: the consult procedure of the Ministry of Health guideline (G-3.1 … G-3.8) as a pure
 * domain: model, state machine, guards, access policy (G-2.9) and the audit hash chain (G-2.11). No HTTP and
 * no database inside; the gateway implements the ports (ports.ts).
 */
export * from './model/index.js';

export { COMMAND_TYPES } from './consult/events.js';
export type { Command, CommandOf, CommandType, DraftPatch, ExpertRequest, ParticipantRequest } from './consult/events.js';
export { MACHINE, specFor, commandsIn, isFinal } from './consult/machine.js';
export type { StateSpec, TransitionSpec } from './consult/machine.js';
export {
  GUARDS,
  missingSummaryFields,
  missingMinutesFields,
  identityFoundIn,
  isAtLeastOneDayAfter,
  directorsApproved,
  sidesNotTested,
} from './consult/guards.js';
export type { Guard, GuardContext, GuardName, GuidelineId } from './consult/guards.js';
export { transition, isCommandType } from './consult/transition.js';
export type { TransitionFailure, TransitionOk, TransitionOptions, TransitionResult } from './consult/transition.js';
export { createDraft } from './consult/createDraft.js';
export type { NewConsult } from './consult/createDraft.js';
export { MIN_BANDWIDTH_MBPS } from './consult/actions.js';
export { NOTIFICATION_KINDS } from './consult/notifications.js';
export type { Notification, NotificationKind, Recipient } from './consult/notifications.js';

export { ACCESS_MATRIX, ACTIONS, READ_ACTIONS, ruleNeedsConsult } from './policy/matrix.js';
export type { Action, ReadAction, Rule } from './policy/matrix.js';
export { can, filterVisible, auditScope, isRequestingSide, isConsultingSide, isInvited } from './policy/can.js';
export type { Decision, DenialGuard } from './policy/can.js';
export { viewFor } from './policy/viewFor.js';
export type { ClinicalView, ConsultView, PatientView } from './policy/viewFor.js';
export { REQUESTING_SIDE_ROLES, CONSULTING_SIDE_ROLES, FACILITY_ROLES } from './policy/roles.js';

export { appendEntry, appendEntries, verifyChain, entryHash, GENESIS_HASH } from './audit/chain.js';
export type { ChainVerdict, VerifyOptions } from './audit/chain.js';
export { canonicalJson } from './audit/canonicalJson.js';
export { auditAccess, auditRole } from './audit/auditAccess.js';
export type { AuditDetail, AuditEntry, AuditEntryFields, AuditOutcome } from './audit/AuditEntry.js';

export { systemClock } from './ports.js';
export type { AuditQuery, AuditSink, Clock, ConsultQuery, ConsultRepo, ConsultTransaction, Notifier, PatientRepo } from './ports.js';
export { executeCommand, executeCreate, readConsult } from './service.js';
export type { UseCaseResult, WorklistDeps } from './service.js';

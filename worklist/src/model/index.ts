export type { Facility } from './Facility.js';
export { ROLES, isRole } from './Role.js';
export type { Role } from './Role.js';
export type { Actor } from './Actor.js';
export { IDENTITY_FIELDS } from './Patient.js';
export type { Patient, PatientIdentity, PatientIdRef } from './Patient.js';
export { CONSULT_STATES, CASE_SUMMARY_REQUIRED, TREATMENT_DIRECTIONS, CONSULT_SCHEMA_VERSION } from './Consult.js';
export type {
  CaseSummary,
  Consent,
  ConsentMethod,
  ConsentSigner,
  ConnectionTest,
  Consult,
  ConsultState,
  ConsultType,
  Ending,
  FollowUp,
  HistoryEntry,
  IntakeRound,
  Invitation,
  InvitationStatus,
  Minutes,
  MinutesContent,
  MinutesVersion,
  Participant,
  ParticipantApproval,
  Schedule,
  Stamp,
  TreatmentDirection,
  Urgency,
} from './Consult.js';

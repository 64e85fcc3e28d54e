import type {
  CaseSummary,
  ConnectionTest,
  Consult,
  ConsultState,
  ConsultType,
  Ending,
  FollowUp,
  HistoryEntry,
  IntakeRound,
  Invitation,
  Minutes,
  Participant,
  ParticipantApproval,
  Patient,
  PatientIdentity,
  Schedule,
  Stamp,
  Urgency,
} from '../model/index.js';
import type { Actor } from '../model/index.js';
import { can } from './can.js';

/** The patient as a view shows it: always the pseudonym; the id and identity only for the requesting side. */
export interface PatientView {
  readonly pseudonym: string;
  readonly id?: string;
  readonly identity?: PatientIdentity;
}

/** The clinical part of a view (`consult.readClinical`): pseudonymous by construction. */
export interface ClinicalView {
  readonly caseSummary: CaseSummary;
  readonly consent: { readonly recorded: boolean; readonly at: string | null; readonly method: string | null; readonly signer: string | null };
  readonly intake: readonly IntakeRound[];
  readonly minutes: Minutes | null;
  readonly followUps: readonly FollowUp[];
}

/**
 * What an API answer may carry about a consult for one actor. Built field by field (never by deleting from
 * the stored consult), so a field added to {@link Consult} later stays out until someone adds it here.
 */
export interface ConsultView {
  readonly id: string;
  readonly rev: number;
  readonly type: ConsultType;
  readonly urgency: Urgency;
  readonly state: ConsultState;
  readonly requestingFacilityId: string;
  readonly consultingFacilityId: string;
  readonly createdBy: Stamp;
  readonly submittedAt: string | null;
  readonly requestedTime: string | null;
  readonly patient: PatientView;
  readonly invitations: readonly Invitation[];
  readonly schedule: Schedule | null;
  readonly participants: readonly Participant[];
  readonly approvals: readonly ParticipantApproval[];
  readonly connectionTests: readonly ConnectionTest[];
  readonly ending: Ending | null;
  readonly history: readonly HistoryEntry[];
  /** Present when the actor may read clinical content. */
  readonly clinical?: ClinicalView;
}

const copy = <T>(v: T): T => structuredClone(v);

/**
 * The consult as `actor` may see it, or null when they may not read it (G-2.9). Consulting-side roles
 * (coordinator, experts) get the pseudonym and the clinical content but never the patient's id or identity
 * (G-2.3, G-2.13); IT, and directors of the consulting side, get no identity either; admin gets the logistics
 * view only. `patient` is passed by the requesting facility's gateway when it has it; it is used only for
 * actors allowed `patient.identity`, and must be the consult's patient.
 */
export function viewFor(actor: Actor, consult: Consult, patient?: Patient): ConsultView | null {
  if (!can(actor, 'consult.read', consult).ok) return null;
  const identified = can(actor, 'patient.identity', consult).ok;
  const patientView: PatientView = identified
    ? {
        pseudonym: consult.pseudonym,
        id: consult.patientId,
        ...(patient !== undefined && patient.id === consult.patientId ? { identity: copy(patient.identity) } : {}),
      }
    : { pseudonym: consult.pseudonym };
  const clinical: ClinicalView | undefined = can(actor, 'consult.readClinical', consult).ok
    ? {
        caseSummary: copy(consult.caseSummary),
        consent: {
          recorded: consult.consent.recorded,
          at: consult.consent.at,
          method: consult.consent.method,
          signer: consult.consent.signer,
        },
        intake: copy(consult.intake),
        minutes: copy(consult.minutes),
        followUps: copy(consult.followUps),
      }
    : undefined;
  return {
    id: consult.id,
    rev: consult.rev,
    type: consult.type,
    urgency: consult.urgency,
    state: consult.state,
    requestingFacilityId: consult.requestingFacilityId,
    consultingFacilityId: consult.consultingFacilityId,
    createdBy: copy(consult.createdBy),
    submittedAt: consult.submittedAt,
    requestedTime: consult.requestedTime,
    patient: patientView,
    invitations: copy(consult.invitations),
    schedule: copy(consult.schedule),
    participants: copy(consult.participants),
    approvals: copy(consult.approvals),
    connectionTests: copy(consult.connectionTests),
    ending: copy(consult.ending),
    history: copy(consult.history),
    ...(clinical !== undefined ? { clinical } : {}),
  };
}

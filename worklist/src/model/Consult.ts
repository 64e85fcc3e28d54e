import type { Role } from './Role.js';

/**
 * The states of a consult, in procedure order (G-3.2 … G-3.8). `returned` ↔ `resubmitted` loop during intake
 * (G-3.3); `declined`, `cancelled` and `closed` are final. The transitions are in consult/machine.ts.
 */
export const CONSULT_STATES = [
  'draft',
  'submitted',
  'returned',
  'resubmitted',
  'declined',
  'accepted',
  'experts_invited',
  'scheduled',
  'participants_approved',
  'connection_tested',
  'in_session',
  'minutes_drafted',
  'minutes_agreed',
  'signed',
  'closed',
  'cancelled',
] as const;

/** One of {@link CONSULT_STATES}. */
export type ConsultState = (typeof CONSULT_STATES)[number];

/** G-3.1: a case consult (a hard case) or online training (knowledge gaps seen in past consults). */
export type ConsultType = 'case' | 'training';

/** G-3.2 / G-3.4: an emergency skips the 24 h notice and is scheduled at once. */
export type Urgency = 'routine' | 'emergency';

/** Who did something, and when (ISO 8601 UTC). */
export interface Stamp {
  readonly userId: string;
  readonly at: string;
}

/** G-2.2 / G-3.2: the case summary (tóm tắt bệnh án) sent before the consult. */
export interface CaseSummary {
  readonly history: string;
  readonly pastHistory: string;
  readonly examination: string;
  readonly paraclinical: string;
  readonly preliminaryDiagnosis: string;
  readonly treatmentSoFar: string;
  /** What advice the requesting hospital wants ("stating clearly what advice it wants", G-3.2). */
  readonly question: string;
  /** Other information useful for diagnosis and treatment (optional). */
  readonly other?: string;
}

/** The fields of {@link CaseSummary} that G-3.2 requires before submission. */
export const CASE_SUMMARY_REQUIRED = [
  'history',
  'pastHistory',
  'examination',
  'paraclinical',
  'preliminaryDiagnosis',
  'treatmentSoFar',
  'question',
] as const satisfies readonly (keyof CaseSummary)[];

/** How the consent was given (G-2.12). */
export type ConsentMethod = 'paper' | 'electronic';
/** Who signed the consent (G-2.12: the patient or the legal representative). */
export type ConsentSigner = 'patient' | 'legal_representative';

/** G-2.12: the patient (or legal representative) was counselled and signed a consent to remote consultation. */
export interface Consent {
  readonly recorded: boolean;
  /** The staff user who recorded it. */
  readonly by: string | null;
  /** When it was signed (ISO 8601). */
  readonly at: string | null;
  readonly method: ConsentMethod | null;
  readonly signer: ConsentSigner | null;
  /** When it was recorded in the system. */
  readonly recordedAt: string | null;
}

/** G-3.3: one round of "return for more information": the planning office's questions and the answers. */
export interface IntakeRound {
  readonly questions: readonly string[];
  readonly askedBy: Stamp;
  readonly answers: readonly string[] | null;
  readonly answeredBy: Stamp | null;
}

/** An invitation's answer. */
export type InvitationStatus = 'invited' | 'accepted' | 'declined';

/** G-3.4: an expert of the consulting facility invited for a specialty. */
export interface Invitation {
  readonly expertUserId: string;
  /** The expert's facility: always the consult's consulting facility. */
  readonly facilityId: string;
  readonly specialty: string;
  readonly status: InvitationStatus;
  readonly reason?: string;
  readonly invitedBy: Stamp;
  readonly respondedAt: string | null;
}

/** G-3.4: the time of the consult, set by the planning office. */
export interface Schedule {
  /** ISO 8601. */
  readonly start: string;
  readonly end?: string;
  /** The video-conference link (G-1.1). */
  readonly link?: string;
  readonly setBy: Stamp;
}

/** G-2.7: one person on the participant list, with the role they take part in. */
export interface Participant {
  readonly userId: string;
  readonly facilityId: string;
  readonly role: Role;
}

/** G-2.7: a facility director's approval of the facility's part of the participant list. */
export interface ParticipantApproval {
  readonly facilityId: string;
  readonly directorUserId: string;
  readonly at: string;
  /** The user ids approved, kept as the record G-2.7 asks facilities to keep. */
  readonly userIds: readonly string[];
}

/** G-3.5: a connection test by the IT staff of one side. */
export interface ConnectionTest {
  readonly facilityId: string;
  readonly by: string;
  readonly at: string;
  readonly result: 'ok' | 'failed';
  readonly rttMs?: number;
  readonly bandwidthMbps?: number;
  readonly notes?: string;
}

/** G-3.7: the treatment direction the minutes must state. */
export type TreatmentDirection = 'continue_here' | 'transfer' | 'training_support';

/** The values of {@link TreatmentDirection}. */
export const TREATMENT_DIRECTIONS = ['continue_here', 'transfer', 'training_support'] as const satisfies readonly TreatmentDirection[];

/** G-3.7: what the minutes (biên bản hội chẩn) contain at least. */
export interface MinutesContent {
  /** Assessment of the case's course. */
  readonly assessment: string;
  readonly definitiveDiagnosis: string;
  readonly treatmentDirection: TreatmentDirection;
  readonly notes: string;
}

/** One drafted version of the minutes. */
export interface MinutesVersion extends MinutesContent {
  readonly version: number;
  readonly draftedBy: Stamp;
}

/** G-3.7: the current minutes, who agreed (consulting planning office) and who signed (requesting side). */
export interface Minutes extends MinutesVersion {
  readonly agreedBy: Stamp | null;
  readonly signedBy: Stamp | null;
  /** Every drafted version, oldest first, the current one last. */
  readonly versions: readonly MinutesVersion[];
}

/** G-3.8: a follow-up report, or an urgent escalation through the planning office's hotline. */
export interface FollowUp {
  readonly kind: 'report' | 'urgent_escalation';
  readonly text: string;
  readonly by: string;
  readonly facilityId: string;
  readonly at: string;
}

/** One applied command, kept on the consult (the audit chain keeps the tamper-evident record, G-2.11). */
export interface HistoryEntry {
  readonly at: string;
  readonly userId: string;
  readonly role: Role;
  readonly command: string;
  readonly from: ConsultState;
  readonly to: ConsultState;
}

/** Why a consult ended early: declined at intake (G-3.3) or cancelled. */
export interface Ending {
  readonly kind: 'declined' | 'cancelled';
  readonly reason: string;
  readonly by: Stamp;
}

/** The snapshot format version; bump it and add a migration when {@link Consult} changes shape. */
export const CONSULT_SCHEMA_VERSION = 1;

/**
 * One consult (hội chẩn) from draft to closed: a plain, JSON-serialisable snapshot. The gateway stores it as
 * is and hands it back to `transition()`; nothing here holds the patient's identity (only `patientId`, an id at
 * the requesting facility, and the `pseudonym`).
 */
export interface Consult {
  readonly schemaVersion: typeof CONSULT_SCHEMA_VERSION;
  readonly id: string;
  /** Revision, +1 per applied command; the repository saves with `expectedRev` (optimistic locking). */
  readonly rev: number;
  readonly type: ConsultType;
  readonly urgency: Urgency;
  readonly requestingFacilityId: string;
  readonly consultingFacilityId: string;
  readonly patientId: string;
  readonly pseudonym: string;
  readonly state: ConsultState;
  readonly createdBy: Stamp;
  /** The last submission or resubmission (the "summary sent" time of G-3.2). */
  readonly submittedAt: string | null;
  readonly caseSummary: CaseSummary;
  readonly consent: Consent;
  /** The time the requesting hospital asks for (ISO 8601); G-3.2 wants it ≥ 24 h after submission. */
  readonly requestedTime: string | null;
  readonly intake: readonly IntakeRound[];
  readonly invitations: readonly Invitation[];
  readonly schedule: Schedule | null;
  readonly participants: readonly Participant[];
  readonly approvals: readonly ParticipantApproval[];
  readonly connectionTests: readonly ConnectionTest[];
  readonly minutes: Minutes | null;
  readonly followUps: readonly FollowUp[];
  readonly ending: Ending | null;
  readonly history: readonly HistoryEntry[];
}

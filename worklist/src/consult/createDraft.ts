import type { AuditEntryFields } from '../audit/AuditEntry.js';
import { auditRole } from '../audit/auditAccess.js';
import { CONSULT_SCHEMA_VERSION } from '../model/index.js';
import type { Actor, CaseSummary, Consult, ConsultType, Facility, Patient, Urgency } from '../model/index.js';
import { can } from '../policy/can.js';
import type { Clock } from '../ports.js';
import { parseInstant } from './time.js';
import { filled } from './text.js';
import type { TransitionResult } from './transition.js';

/** What registering a new consult needs; the gateway generates `id` and loads the two facilities and the patient. */
export interface NewConsult {
  readonly id: string;
  readonly type: ConsultType;
  readonly urgency: Urgency;
  /** The actor's own facility. */
  readonly requesting: Facility;
  readonly consulting: Facility;
  /** A patient of the requesting facility; only its id and pseudonym go into the consult. */
  readonly patient: Pick<Patient, 'id' | 'facilityId' | 'pseudonym'>;
  readonly caseSummary?: Partial<CaseSummary>;
  readonly requestedTime?: string;
}

const EMPTY_SUMMARY: CaseSummary = {
  history: '',
  pastHistory: '',
  examination: '',
  paraclinical: '',
  preliminaryDiagnosis: '',
  treatmentSoFar: '',
  question: '',
};

/**
 * G-3.1/G-3.2: a new consult in `draft` at the actor's facility, with the creator on the requesting side's
 * participant list. Pure like `transition()`; refuses with 403 (role or facility, G-2.9) or 422 (data).
 */
export function createDraft(actor: Actor, input: NewConsult, clock: Clock): TransitionResult {
  const at = clock.now().toISOString();
  const decision = can(actor, 'create');
  const audit = (outcome: 'ok' | 'denied' | 'error', detail: Record<string, string | number | boolean | null>): AuditEntryFields => ({
    at,
    userId: actor.userId,
    facilityId: actor.facilityId,
    role: auditRole(actor, decision),
    action: 'consult.create',
    objectType: 'consult',
    objectId: input.id,
    outcome,
    detail,
  });
  const refuse = (status: 403 | 422, reason: string, guard?: 'roleAllowed' | 'sameFacility'): TransitionResult => ({
    ok: false,
    status,
    reason,
    ...(guard !== undefined ? { guard, rule: 'G-2.9' as const } : {}),
    audit: [audit(status === 403 ? 'denied' : 'error', { status })],
  });

  if (!decision.ok) return refuse(403, decision.reason, 'roleAllowed');
  if (input.requesting.id !== actor.facilityId) return refuse(403, 'a consult is registered by the requesting facility itself', 'sameFacility');
  if (input.patient.facilityId !== actor.facilityId) return refuse(403, "the patient is not held at the actor's facility", 'sameFacility');
  if (!filled(input.id)) return refuse(422, 'id is required');
  if (input.type !== 'case' && input.type !== 'training') return refuse(422, 'type must be case or training (G-3.1)');
  if (input.urgency !== 'routine' && input.urgency !== 'emergency') return refuse(422, 'urgency must be routine or emergency');
  if (!input.requesting.canRequest) return refuse(422, `${input.requesting.name} is not set up to request consults`);
  if (!input.consulting.canConsult) return refuse(422, `${input.consulting.name} does not receive consults`);
  if (input.consulting.id === input.requesting.id) return refuse(422, 'the consulting facility must be another facility');
  if (!filled(input.patient.pseudonym)) return refuse(422, 'the patient has no pseudonym');
  if (input.requestedTime !== undefined && parseInstant(input.requestedTime) === null) {
    return refuse(422, 'requestedTime must be an ISO 8601 date-time with offset');
  }

  const consult: Consult = {
    schemaVersion: CONSULT_SCHEMA_VERSION,
    id: input.id,
    rev: 1,
    type: input.type,
    urgency: input.urgency,
    requestingFacilityId: input.requesting.id,
    consultingFacilityId: input.consulting.id,
    patientId: input.patient.id,
    pseudonym: input.patient.pseudonym,
    state: 'draft',
    createdBy: { userId: actor.userId, at },
    submittedAt: null,
    caseSummary: { ...EMPTY_SUMMARY, ...input.caseSummary },
    consent: { recorded: false, by: null, at: null, method: null, signer: null, recordedAt: null },
    requestedTime: input.requestedTime ?? null,
    intake: [],
    invitations: [],
    schedule: null,
    participants: [{ userId: actor.userId, facilityId: actor.facilityId, role: decision.role }],
    approvals: [],
    connectionTests: [],
    minutes: null,
    followUps: [],
    ending: null,
    history: [],
  };
  return {
    ok: true,
    consult,
    audit: [audit('ok', { to: 'draft', type: input.type, urgency: input.urgency })],
    notify: [],
  };
}

import { CONSULT_STATES, COMMAND_TYPES, ROLES, TREATMENT_DIRECTIONS } from '@hoichan/worklist';

/**
 * JSON Schemas of the worklist API's bodies (validated by the worklist routes' own Ajv: strict, no coercion,
 * nothing removed, so a wrong field is a 400 rather than silently dropped). They also feed the OpenAPI document.
 */
const str = (max = 4000) => ({ type: 'string', maxLength: max }) as const;
const text = str(20_000);
const isoTime = { type: 'string', maxLength: 64, description: 'ISO 8601 date-time with offset' } as const;
const role = { type: 'string', enum: [...ROLES] } as const;
const id = { type: 'string', minLength: 1, maxLength: 128 } as const;

const summaryProps = {
  history: text, pastHistory: text, examination: text, paraclinical: text, preliminaryDiagnosis: text,
  treatmentSoFar: text, question: text, other: text,
} as const;
const caseSummaryPatch = { type: 'object', additionalProperties: false, properties: summaryProps } as const;
const expert = {
  type: 'object', additionalProperties: false, required: ['expertUserId', 'specialty'],
  properties: { expertUserId: id, specialty: str(200) },
} as const;

const cmd = (type: string, props: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object', additionalProperties: false, required: ['type', ...required],
  properties: { type: { const: type }, ...props },
});

/** One schema per command type of the worklist's `Command` union (events.ts), discriminated on `type`. */
export const COMMAND_SCHEMAS = {
  editDraft: cmd('editDraft', {
    patch: {
      type: 'object', additionalProperties: false,
      properties: {
        type: { enum: ['case', 'training'] }, urgency: { enum: ['routine', 'emergency'] },
        caseSummary: caseSummaryPatch, requestedTime: { anyOf: [isoTime, { type: 'null' }] },
      },
    },
  }, ['patch']),
  recordConsent: cmd('recordConsent', { method: { enum: ['paper', 'electronic'] }, signer: { enum: ['patient', 'legal_representative'] }, signedAt: isoTime }, ['method', 'signer']),
  submit: cmd('submit'),
  returnForInfo: cmd('returnForInfo', { questions: { type: 'array', items: str(), maxItems: 50 } }, ['questions']),
  answerAndResubmit: cmd('answerAndResubmit', { answers: { type: 'array', items: text, maxItems: 50 }, summaryPatch: caseSummaryPatch, requestedTime: isoTime }, ['answers']),
  decline: cmd('decline', { reason: str() }, ['reason']),
  accept: cmd('accept', { experts: { type: 'array', items: expert, maxItems: 50 }, link: str(2000) }),
  inviteExperts: cmd('inviteExperts', { experts: { type: 'array', items: expert, maxItems: 50 } }, ['experts']),
  respondInvitation: cmd('respondInvitation', { response: { enum: ['accept', 'decline'] }, reason: str() }, ['response']),
  schedule: cmd('schedule', { start: isoTime, end: isoTime, link: str(2000) }, ['start']),
  proposeParticipants: cmd('proposeParticipants', {
    facilityId: id,
    participants: { type: 'array', maxItems: 200, items: { type: 'object', additionalProperties: false, required: ['userId', 'role'], properties: { userId: id, role } } },
  }, ['facilityId', 'participants']),
  approveParticipants: cmd('approveParticipants', { facilityId: id }, ['facilityId']),
  recordConnectionTest: cmd('recordConnectionTest', {
    facilityId: id, result: { enum: ['ok', 'failed'] }, rttMs: { type: 'number' }, bandwidthMbps: { type: 'number' }, notes: str(),
  }, ['facilityId', 'result']),
  startSession: cmd('startSession'),
  draftMinutes: cmd('draftMinutes', {
    assessment: text, definitiveDiagnosis: text, treatmentDirection: { enum: [...TREATMENT_DIRECTIONS] }, notes: text,
  }, ['assessment', 'definitiveDiagnosis', 'treatmentDirection']),
  agreeMinutes: cmd('agreeMinutes'),
  signMinutes: cmd('signMinutes'),
  close: cmd('close'),
  addFollowUp: cmd('addFollowUp', { kind: { enum: ['report', 'urgent_escalation'] }, text }, ['kind', 'text']),
  cancel: cmd('cancel', { reason: str() }, ['reason']),
} satisfies Record<(typeof COMMAND_TYPES)[number], unknown>;

/** The `Command` union: `type` picks the branch (Ajv discriminator), so an error names the right fields. */
export const commandSchema = {
  $id: 'Command',
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: COMMAND_TYPES.map((t) => COMMAND_SCHEMAS[t]),
} as const;

const patientIdsSchema = {
  type: 'array', maxItems: 20,
  items: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, issuer: { type: 'string', minLength: 1, maxLength: 64 } } },
} as const;

export const identitySchema = {
  type: 'object', additionalProperties: false, required: ['fullName', 'birthDate', 'sex'],
  properties: {
    fullName: { type: 'string', minLength: 1, maxLength: 200 },
    birthDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    sex: { enum: ['male', 'female', 'other', 'unknown'] },
    nationalId: str(32), address: str(500),
    // The hospital's PACS Patient ID(s) (+ issuer): what a case pack's source studies are checked against.
    patientIds: patientIdsSchema,
  },
} as const;

export const patientIdsBodySchema = {
  type: 'object', additionalProperties: false, required: ['patientIds'], properties: { patientIds: patientIdsSchema },
} as const;

export const createConsultSchema = {
  type: 'object', additionalProperties: false, required: ['type', 'urgency', 'consultingFacilityId', 'patient'],
  properties: {
    type: { enum: ['case', 'training'] },
    urgency: { enum: ['routine', 'emergency'] },
    consultingFacilityId: id,
    patient: { type: 'object', additionalProperties: false, properties: { id, identity: identitySchema } },
    caseSummary: caseSummaryPatch,
    requestedTime: isoTime,
  },
} as const;

export const facilitySchema = {
  type: 'object', additionalProperties: false, required: ['id', 'name', 'canRequest', 'canConsult'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }, name: { type: 'string', minLength: 1, maxLength: 200 }, canRequest: { type: 'boolean' }, canConsult: { type: 'boolean' } },
} as const;

export const newUserSchema = {
  type: 'object', additionalProperties: false, required: ['username', 'password', 'roles'],
  properties: {
    username: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    password: { type: 'string', minLength: 10, maxLength: 1024 },
    roles: { type: 'array', items: role, minItems: 1, uniqueItems: true },
    displayName: { type: 'string', maxLength: 200 },
  },
} as const;

export const userFacilitySchema = {
  type: 'object', additionalProperties: false, required: ['facilityId'],
  properties: { facilityId: { anyOf: [id, { type: 'null' }] }, roles: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1 } },
} as const;

export const listQuerySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    state: { type: 'string', pattern: `^(${CONSULT_STATES.join('|')})(,(${CONSULT_STATES.join('|')}))*$` },
    urgency: { enum: ['routine', 'emergency'] },
    facility: id,
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export const auditQuerySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    facility: id, user: id, objectType: str(64), objectId: str(512), action: str(128),
    outcome: { enum: ['ok', 'denied', 'error'] }, from: isoTime, to: isoTime,
    afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' }, limit: { type: 'string', pattern: '^[0-9]{1,5}$' },
  },
} as const;

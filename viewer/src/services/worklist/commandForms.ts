import type { MessageKey } from '../../i18n/i18n';
import type { Actor, Command, CommandType, ConsultItem } from './types';

/** How one form field is entered and turned into command data. */
export type FieldKind =
  | 'text'
  | 'textarea'
  | 'select'
  /** `<input type=datetime-local>`, sent as ISO 8601 (UTC). */
  | 'datetime'
  | 'number'
  /** A textarea, one item per line. */
  | 'lines'
  /** One textarea per question of the open intake round (G-3.3). */
  | 'answers'
  /** A user picked from the directory, with a second value (specialty or role), one per line: `user: value`. */
  | 'userPairs';

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly label: MessageKey;
  readonly hint?: MessageKey;
  readonly required?: boolean;
  readonly options?: readonly { readonly value: string; readonly label: MessageKey }[];
}

/** The form of one command: its fields and how their values become the command (the server validates again). */
export interface CommandFormSpec {
  readonly type: CommandType;
  readonly fields: readonly FieldSpec[];
  /** Shown as a warning-coloured button (it ends or undoes something). */
  readonly danger?: boolean;
  readonly build: (v: FormValues, ctx: { actor: Actor; view: ConsultItem }) => Command;
}

/** Raw form values: strings, and string lists for `answers`. */
export type FormValues = Readonly<Record<string, string | readonly string[]>>;

const str = (v: FormValues, k: string): string => {
  const x = v[k];
  return typeof x === 'string' ? x.trim() : '';
};
const opt = (v: FormValues, k: string): string | undefined => str(v, k) || undefined;
const num = (v: FormValues, k: string): number | undefined => {
  const s = str(v, k).replace(',', '.');
  return s && Number.isFinite(Number(s)) ? Number(s) : undefined;
};

/** Lines of a textarea, trimmed, empty ones dropped. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/** `user: value` lines → pairs; a line without a colon gives an empty value (the server then answers 422). */
export function pairs(text: string): { user: string; value: string }[] {
  return lines(text).map((l) => {
    const i = l.indexOf(':');
    return i < 0 ? { user: l, value: '' } : { user: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
  });
}

/** A `datetime-local` value (local wall time) as ISO 8601 UTC; undefined when empty or invalid. */
export function isoFromLocal(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** An ISO time as a `datetime-local` value in local time ('' when absent). */
export function localFromIso(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const reason: FieldSpec = { name: 'reason', kind: 'textarea', label: 'field.reason', required: true };
const experts: FieldSpec = { name: 'experts', kind: 'userPairs', label: 'field.experts', hint: 'field.experts.hint' };
const link: FieldSpec = { name: 'link', kind: 'text', label: 'field.link', hint: 'field.link.hint' };
const confirmOnly = (type: CommandType, danger = false): CommandFormSpec => ({ type, fields: [], danger, build: () => ({ type }) as Command });

/**
 * Every command's form, in procedure order (G-3.2 … G-3.8). `editDraft` has its own screen (the case summary
 * form); the rest are built from these specs by components/consult/CommandForm.
 */
export const COMMAND_FORMS: Readonly<Partial<Record<CommandType, CommandFormSpec>>> = {
  recordConsent: {
    type: 'recordConsent',
    fields: [
      { name: 'method', kind: 'select', label: 'field.method', required: true, options: [{ value: 'paper', label: 'consent.method.paper' }, { value: 'electronic', label: 'consent.method.electronic' }] },
      { name: 'signer', kind: 'select', label: 'field.signer', required: true, options: [{ value: 'patient', label: 'consent.signer.patient' }, { value: 'legal_representative', label: 'consent.signer.legal_representative' }] },
      { name: 'signedAt', kind: 'datetime', label: 'field.signedAt' },
    ],
    build: (v) => ({ type: 'recordConsent', method: str(v, 'method') === 'electronic' ? 'electronic' : 'paper', signer: str(v, 'signer') === 'legal_representative' ? 'legal_representative' : 'patient', ...(isoFromLocal(str(v, 'signedAt')) ? { signedAt: isoFromLocal(str(v, 'signedAt'))! } : {}) }),
  },
  submit: confirmOnly('submit'),
  returnForInfo: {
    type: 'returnForInfo',
    fields: [{ name: 'questions', kind: 'lines', label: 'field.questions', hint: 'field.lines.hint', required: true }],
    build: (v) => ({ type: 'returnForInfo', questions: lines(str(v, 'questions')) }),
  },
  answerAndResubmit: {
    type: 'answerAndResubmit',
    fields: [{ name: 'answers', kind: 'answers', label: 'field.answers', required: true }, { name: 'requestedTime', kind: 'datetime', label: 'field.requestedTime' }],
    build: (v) => {
      const a = v.answers;
      const t = isoFromLocal(str(v, 'requestedTime'));
      return { type: 'answerAndResubmit', answers: (Array.isArray(a) ? a : []).map((x: string) => x.trim()), ...(t ? { requestedTime: t } : {}) };
    },
  },
  decline: { type: 'decline', danger: true, fields: [reason], build: (v) => ({ type: 'decline', reason: str(v, 'reason') }) },
  accept: {
    type: 'accept',
    fields: [experts, link],
    build: (v) => {
      const e = pairs(str(v, 'experts')).map((p) => ({ expertUserId: p.user, specialty: p.value }));
      return { type: 'accept', ...(e.length ? { experts: e } : {}), ...(opt(v, 'link') ? { link: opt(v, 'link')! } : {}) };
    },
  },
  inviteExperts: {
    type: 'inviteExperts',
    fields: [{ ...experts, required: true }],
    build: (v) => ({ type: 'inviteExperts', experts: pairs(str(v, 'experts')).map((p) => ({ expertUserId: p.user, specialty: p.value })) }),
  },
  respondInvitation: {
    type: 'respondInvitation',
    fields: [
      { name: 'response', kind: 'select', label: 'field.response', required: true, options: [{ value: 'accept', label: 'response.accept' }, { value: 'decline', label: 'response.decline' }] },
      { name: 'reason', kind: 'textarea', label: 'field.reason' },
    ],
    build: (v) => ({ type: 'respondInvitation', response: str(v, 'response') === 'decline' ? 'decline' : 'accept', ...(opt(v, 'reason') ? { reason: opt(v, 'reason')! } : {}) }),
  },
  schedule: {
    type: 'schedule',
    fields: [{ name: 'start', kind: 'datetime', label: 'field.start', required: true }, { name: 'end', kind: 'datetime', label: 'field.end' }, link],
    build: (v) => ({ type: 'schedule', start: isoFromLocal(str(v, 'start')) ?? '', ...(isoFromLocal(str(v, 'end')) ? { end: isoFromLocal(str(v, 'end'))! } : {}), ...(opt(v, 'link') ? { link: opt(v, 'link')! } : {}) }),
  },
  proposeParticipants: {
    type: 'proposeParticipants',
    fields: [{ name: 'participants', kind: 'userPairs', label: 'field.participants', hint: 'field.participants.hint', required: true }],
    build: (v, { actor }) => ({ type: 'proposeParticipants', facilityId: actor.facilityId, participants: pairs(str(v, 'participants')).map((p) => ({ userId: p.user, role: p.value as never })) }),
  },
  approveParticipants: { type: 'approveParticipants', fields: [], build: (_v, { actor }) => ({ type: 'approveParticipants', facilityId: actor.facilityId }) },
  recordConnectionTest: {
    type: 'recordConnectionTest',
    fields: [
      { name: 'result', kind: 'select', label: 'field.result', required: true, options: [{ value: 'ok', label: 'result.ok' }, { value: 'failed', label: 'result.failed' }] },
      { name: 'rttMs', kind: 'number', label: 'field.rttMs' },
      { name: 'bandwidthMbps', kind: 'number', label: 'field.bandwidthMbps', hint: 'field.bandwidthMbps.hint' },
      { name: 'notes', kind: 'textarea', label: 'field.notes' },
    ],
    build: (v, { actor }) => ({
      type: 'recordConnectionTest',
      facilityId: actor.facilityId,
      result: str(v, 'result') === 'failed' ? 'failed' : 'ok',
      ...(num(v, 'rttMs') !== undefined ? { rttMs: num(v, 'rttMs')! } : {}),
      ...(num(v, 'bandwidthMbps') !== undefined ? { bandwidthMbps: num(v, 'bandwidthMbps')! } : {}),
      ...(opt(v, 'notes') ? { notes: opt(v, 'notes')! } : {}),
    }),
  },
  startSession: confirmOnly('startSession'),
  draftMinutes: {
    type: 'draftMinutes',
    fields: [
      { name: 'assessment', kind: 'textarea', label: 'field.assessment', required: true },
      { name: 'definitiveDiagnosis', kind: 'textarea', label: 'field.definitiveDiagnosis', required: true },
      {
        name: 'treatmentDirection', kind: 'select', label: 'field.treatmentDirection', required: true,
        options: [{ value: 'continue_here', label: 'direction.continue_here' }, { value: 'transfer', label: 'direction.transfer' }, { value: 'training_support', label: 'direction.training_support' }],
      },
      { name: 'notes', kind: 'textarea', label: 'field.notes' },
    ],
    build: (v) => ({
      type: 'draftMinutes',
      assessment: str(v, 'assessment'),
      definitiveDiagnosis: str(v, 'definitiveDiagnosis'),
      treatmentDirection: (['continue_here', 'transfer', 'training_support'] as const).find((d) => d === str(v, 'treatmentDirection')) ?? 'continue_here',
      ...(opt(v, 'notes') ? { notes: opt(v, 'notes')! } : {}),
    }),
  },
  agreeMinutes: confirmOnly('agreeMinutes'),
  signMinutes: confirmOnly('signMinutes'),
  close: confirmOnly('close'),
  addFollowUp: {
    type: 'addFollowUp',
    fields: [
      { name: 'kind', kind: 'select', label: 'field.kind', required: true, options: [{ value: 'report', label: 'followUp.report' }, { value: 'urgent_escalation', label: 'followUp.urgent_escalation' }] },
      { name: 'text', kind: 'textarea', label: 'field.text', required: true },
    ],
    build: (v) => ({ type: 'addFollowUp', kind: str(v, 'kind') === 'urgent_escalation' ? 'urgent_escalation' : 'report', text: str(v, 'text') }),
  },
  cancel: { type: 'cancel', danger: true, fields: [reason], build: (v) => ({ type: 'cancel', reason: str(v, 'reason') }) },
};

/** Initial values of a command's form from the consult (the current minutes, the open questions). */
export function initialValues(type: CommandType, view: ConsultItem): Record<string, string> {
  const m = view.clinical?.minutes;
  if (type === 'draftMinutes' && m) return { assessment: m.assessment, definitiveDiagnosis: m.definitiveDiagnosis, treatmentDirection: m.treatmentDirection, notes: m.notes };
  if (type === 'schedule' && view.schedule) return { start: localFromIso(view.schedule.start), end: localFromIso(view.schedule.end), link: view.schedule.link ?? '' };
  return {};
}

/** The questions of the last intake round, when it is still unanswered (the `answers` field asks one per question). */
export function openQuestions(view: ConsultItem): readonly string[] {
  const last = view.clinical?.intake.at(-1);
  return last && !last.answers ? last.questions : [];
}

import { createDraft } from '../consult/createDraft.js';
import type { Command, CommandType } from '../consult/events.js';
import { transition } from '../consult/transition.js';
import type { TransitionResult } from '../consult/transition.js';
import { DAY_MS } from '../consult/time.js';
import type { Actor, CaseSummary, Consult, ConsultState, Facility, Patient, Role, Urgency } from '../model/index.js';
import { ManualClock } from './memory.js';

/** Demo facilities: a district hospital that requests, a central hospital that consults, and a third one. */
export const FACILITIES = {
  district: { id: 'bv-huyen-dong-anh', name: 'Bệnh viện huyện Đông Anh', canRequest: true, canConsult: false },
  central: { id: 'bv-trung-uong', name: 'Bệnh viện Trung ương', canRequest: true, canConsult: true },
  other: { id: 'bv-tinh-bac-ninh', name: 'Bệnh viện tỉnh Bắc Ninh', canRequest: true, canConsult: true },
} as const satisfies Record<string, Facility>;

const actor = (userId: string, facilityId: string, ...roles: Role[]): Actor => ({ userId, facilityId, roles });

/** One user per role, on the side where the role acts (the demo data set's users). */
export const CAST = {
  reqDoctor: actor('bs.lan', FACILITIES.district.id, 'requesting_doctor'),
  reqCoordinator: actor('dp.minh', FACILITIES.district.id, 'requesting_coordinator'),
  reqIT: actor('it.hung', FACILITIES.district.id, 'it_technician'),
  reqDirector: actor('gd.thu', FACILITIES.district.id, 'facility_director'),
  conCoordinator: actor('khth.ha', FACILITIES.central.id, 'consulting_coordinator'),
  expert: actor('cg.quang', FACILITIES.central.id, 'consultant_expert'),
  expert2: actor('cg.vy', FACILITIES.central.id, 'consultant_expert'),
  conIT: actor('it.son', FACILITIES.central.id, 'it_technician'),
  conDirector: actor('gd.binh', FACILITIES.central.id, 'facility_director'),
  admin: actor('admin', FACILITIES.central.id, 'admin'),
} as const satisfies Record<string, Actor>;

/** The demo patient, held at the district hospital. Its identity must never reach the central hospital. */
export const PATIENT: Patient = {
  id: 'bn-000123',
  facilityId: FACILITIES.district.id,
  pseudonym: 'HC-7Q4K2',
  identity: {
    fullName: 'Nguyễn Thị Hoa',
    birthDate: '1961-04-17',
    sex: 'female',
    nationalId: '001161012345',
    address: '12 Đường Trần Phú, Hà Đông, Hà Nội',
    // Her Patient ID in the district hospital's PACS: a case pack takes only studies carrying it.
    patientIds: [{ id: 'DA-2025-000123', issuer: 'BVH-DONG-ANH' }],
  },
};

/** A complete, identity-free case summary (G-3.2). */
export const SUMMARY: CaseSummary = {
  history: 'Đau ngực trái 3 ngày, khó thở tăng dần.',
  pastHistory: 'Tăng huyết áp 10 năm, đái tháo đường type 2.',
  examination: 'Mạch 102 l/p, HA 150/90 mmHg, ran nổ đáy phổi phải.',
  paraclinical: 'CT ngực: đông đặc thùy dưới phổi phải; troponin âm tính.',
  preliminaryDiagnosis: 'Viêm phổi thùy dưới phải / theo dõi nhồi máu phổi.',
  treatmentSoFar: 'Ceftriaxone 2 g/ngày, thở oxy 3 l/p.',
  question: 'Có cần chụp CT mạch phổi và chuyển tuyến không?',
};

/** 2025-03-03 08:00 Hanoi time: the scenarios' start. */
export const T0 = '2025-03-03T01:00:00.000Z';

/** One step of a scenario: who sends what, after how much time. */
export interface Step {
  readonly actor: Actor;
  readonly command: Command;
  readonly advanceMs?: number;
  /** The state the consult must reach. */
  readonly expect: ConsultState;
}

const after = (t0: string, ms: number): string => new Date(new Date(t0).getTime() + ms).toISOString();
const F = FACILITIES;
const C = CAST;

/**
 * The shortest routine path after the draft (draft → … → closed) of a draft registered at `t0`: the session is
 * scheduled 3 days after `t0` and starts on time (the demo places it relative to its load time).
 */
export function routineSteps(t0: string = T0): readonly Step[] {
  const at = (ms: number) => after(t0, ms);
  return [
  { actor: C.reqDoctor, command: { type: 'recordConsent', method: 'paper', signer: 'patient' }, expect: 'draft' },
  { actor: C.reqDoctor, command: { type: 'submit' }, expect: 'submitted' },
  { actor: C.conCoordinator, command: { type: 'accept' }, advanceMs: 2 * 3600_000, expect: 'accepted' },
  { actor: C.conCoordinator, command: { type: 'inviteExperts', experts: [{ expertUserId: C.expert.userId, specialty: 'radiology' }] }, expect: 'experts_invited' },
  { actor: C.expert, command: { type: 'respondInvitation', response: 'accept' }, advanceMs: 3600_000, expect: 'experts_invited' },
  { actor: C.conCoordinator, command: { type: 'schedule', start: at(3 * DAY_MS), end: at(3 * DAY_MS + 3600_000), link: 'https://meet.bvtw.example/r/hc-7q4k2' }, expect: 'scheduled' },
  { actor: C.reqDirector, command: { type: 'approveParticipants', facilityId: F.district.id }, expect: 'scheduled' },
  { actor: C.conDirector, command: { type: 'approveParticipants', facilityId: F.central.id }, expect: 'participants_approved' },
  { actor: C.reqIT, command: { type: 'recordConnectionTest', facilityId: F.district.id, result: 'ok', rttMs: 38, bandwidthMbps: 80 }, advanceMs: 2 * DAY_MS, expect: 'participants_approved' },
  { actor: C.conIT, command: { type: 'recordConnectionTest', facilityId: F.central.id, result: 'ok', rttMs: 35, bandwidthMbps: 200 }, expect: 'connection_tested' },
  // The connection tests ran at 2 d 3 h; the session opens at its scheduled start (3 d).
  { actor: C.conCoordinator, command: { type: 'startSession' }, advanceMs: DAY_MS - 3 * 3600_000, expect: 'in_session' },
  {
    actor: C.reqDoctor,
    command: {
      type: 'draftMinutes',
      assessment: 'Diễn biến ổn định, đáp ứng kém với kháng sinh sau 72 giờ.',
      definitiveDiagnosis: 'Nhồi máu phổi thùy dưới phải.',
      treatmentDirection: 'transfer',
      notes: 'Chuyển tuyến trung ương để chụp CT mạch phổi và điều trị chống đông.',
    },
    advanceMs: 3600_000,
    expect: 'minutes_drafted',
  },
  { actor: C.conCoordinator, command: { type: 'agreeMinutes' }, expect: 'minutes_agreed' },
  { actor: C.reqDirector, command: { type: 'signMinutes' }, expect: 'signed' },
  { actor: C.reqCoordinator, command: { type: 'close' }, expect: 'closed' },
  ];
}

/** {@link routineSteps} from {@link T0}. */
export const ROUTINE_STEPS: readonly Step[] = routineSteps(T0);

/** The shortest emergency path after the draft: accepted with its experts and scheduled at once (G-3.4). */
export const EMERGENCY_STEPS: readonly Step[] = [
  { actor: C.reqDoctor, command: { type: 'recordConsent', method: 'electronic', signer: 'legal_representative' }, expect: 'draft' },
  { actor: C.reqDoctor, command: { type: 'submit' }, expect: 'submitted' },
  { actor: C.conCoordinator, command: { type: 'accept', experts: [{ expertUserId: C.expert.userId, specialty: 'cardiology' }], link: 'https://meet.bvtw.example/r/cc' }, advanceMs: 300_000, expect: 'scheduled' },
  { actor: C.expert, command: { type: 'respondInvitation', response: 'accept' }, advanceMs: 120_000, expect: 'scheduled' },
  { actor: C.reqDirector, command: { type: 'approveParticipants', facilityId: F.district.id }, expect: 'scheduled' },
  { actor: C.conDirector, command: { type: 'approveParticipants', facilityId: F.central.id }, expect: 'participants_approved' },
  { actor: C.reqIT, command: { type: 'recordConnectionTest', facilityId: F.district.id, result: 'ok' }, expect: 'participants_approved' },
  { actor: C.conIT, command: { type: 'recordConnectionTest', facilityId: F.central.id, result: 'ok' }, expect: 'connection_tested' },
  { actor: C.reqDoctor, command: { type: 'startSession' }, expect: 'in_session' },
  { actor: C.reqDoctor, command: { type: 'draftMinutes', assessment: 'Tụt huyết áp, đáp ứng với bù dịch.', definitiveDiagnosis: 'Sốc nhiễm khuẩn.', treatmentDirection: 'continue_here' }, advanceMs: 1800_000, expect: 'minutes_drafted' },
  { actor: C.conCoordinator, command: { type: 'agreeMinutes' }, expect: 'minutes_agreed' },
  { actor: C.reqDoctor, command: { type: 'signMinutes' }, expect: 'signed' },
  { actor: C.conCoordinator, command: { type: 'close' }, expect: 'closed' },
];

/** A registered draft (by the requesting doctor) at `t0`, with its clock. */
export function newDraft(urgency: Urgency = 'routine', id = 'hc-2025-0001', t0: string = T0): { consult: Consult; clock: ManualClock } {
  const clock = new ManualClock(t0);
  const at = (ms: number) => after(t0, ms);
  const r = createDraft(
    C.reqDoctor,
    {
      id,
      type: 'case',
      urgency,
      requesting: F.district,
      consulting: F.central,
      patient: PATIENT,
      caseSummary: SUMMARY,
      ...(urgency === 'routine' ? { requestedTime: at(3 * DAY_MS) } : {}),
    },
    clock,
  );
  if (!r.ok) throw new Error(`scenario: createDraft refused: ${r.reason}`);
  return { consult: r.consult, clock };
}

/** Runs steps on a consult, throwing at the first refusal or unexpected state; returns each step's result. */
export function runSteps(consult: Consult, clock: ManualClock, steps: readonly Step[]): { consult: Consult; results: TransitionResult[] } {
  let c = consult;
  const results: TransitionResult[] = [];
  for (const s of steps) {
    if (s.advanceMs) clock.advance(s.advanceMs);
    const r = transition(c, s.actor, s.command, clock, { patient: PATIENT });
    results.push(r);
    if (!r.ok) throw new Error(`scenario: ${s.command.type} by ${s.actor.userId} in ${c.state} refused ${r.status}: ${r.reason}`);
    if (r.consult.state !== s.expect) throw new Error(`scenario: ${s.command.type} led to ${r.consult.state}, expected ${s.expect}`);
    c = r.consult;
  }
  return { consult: c, results };
}

const upToIn = (state: ConsultState, steps: readonly Step[]): Step[] => {
  const i = steps.findIndex((s) => s.expect === state);
  return steps.slice(0, i + 1);
};

/**
 * A routine consult brought to `state` through the real transitions (the demo data set's "a consult at each
 * state"), with its clock. `draft` has the consent recorded; side states branch from `submitted`.
 */
export function consultIn(state: ConsultState, id = `hc-${state}`, t0: string = T0): { consult: Consult; clock: ManualClock } {
  const { consult, clock } = newDraft('routine', id, t0);
  const routine = routineSteps(t0);
  const upTo = (s: ConsultState) => upToIn(s, routine);
  const submitted = upTo('submitted');
  const returned: Step = { actor: C.conCoordinator, command: { type: 'returnForInfo', questions: ['Có phim X-quang cũ không?'] }, expect: 'returned' };
  const resubmitted: Step = { actor: C.reqDoctor, command: { type: 'answerAndResubmit', answers: ['Có, đã tải lên gói ca bệnh.'] }, expect: 'resubmitted' };
  const branch: Partial<Record<ConsultState, Step[]>> = {
    draft: upTo('draft'),
    returned: [...submitted, returned],
    resubmitted: [...submitted, returned, resubmitted],
    declined: [...submitted, { actor: C.conCoordinator, command: { type: 'decline', reason: 'Ngoài phạm vi chuyên môn.' }, expect: 'declined' }],
    cancelled: [...submitted, { actor: C.reqDoctor, command: { type: 'cancel', reason: 'Bệnh nhân đã chuyển viện.' }, expect: 'cancelled' }],
  };
  const steps = branch[state] ?? upTo(state);
  if (steps.length === 0) throw new Error(`scenario: no path to ${state}`);
  return { consult: runSteps(consult, clock, steps).consult, clock };
}

/**
 * A well-formed example of each command for `actor` on `consult` (facility-bound commands use the actor's
 * facility), for generated tests.
 */
export function sampleCommand(type: CommandType, actor: Actor, consult: Consult, now: Date): Command {
  const later = (ms: number): string => new Date(now.getTime() + ms).toISOString();
  switch (type) {
    case 'editDraft':
      return { type, patch: { caseSummary: { other: 'Dị ứng penicillin.' } } };
    case 'recordConsent':
      return { type, method: 'paper', signer: 'patient' };
    case 'submit':
    case 'startSession':
    case 'agreeMinutes':
    case 'signMinutes':
    case 'close':
      return { type };
    case 'returnForInfo':
      return { type, questions: ['Xin kết quả khí máu động mạch.'] };
    case 'answerAndResubmit': {
      const open = consult.intake.at(-1);
      return { type, answers: (open?.questions ?? ['?']).map(() => 'Đã bổ sung.'), requestedTime: later(3 * DAY_MS) };
    }
    case 'decline':
      return { type, reason: 'Không đủ chuyên gia trong tuần này.' };
    case 'accept':
      return consult.urgency === 'emergency' ? { type, experts: [{ expertUserId: C.expert2.userId, specialty: 'cardiology' }] } : { type };
    case 'inviteExperts':
      return { type, experts: [{ expertUserId: C.expert2.userId, specialty: 'cardiology' }] };
    case 'respondInvitation':
      return { type, response: 'accept' };
    case 'schedule':
      return { type, start: later(3 * DAY_MS) };
    case 'proposeParticipants':
      return { type, facilityId: actor.facilityId, participants: [{ userId: actor.userId, role: actor.roles[0] ?? 'requesting_doctor' }] };
    case 'approveParticipants':
      return { type, facilityId: actor.facilityId };
    case 'recordConnectionTest':
      return { type, facilityId: actor.facilityId, result: 'ok', rttMs: 40, bandwidthMbps: 60 };
    case 'draftMinutes':
      return { type, assessment: 'Ổn định.', definitiveDiagnosis: 'Viêm phổi.', treatmentDirection: 'continue_here' };
    case 'addFollowUp':
      return { type, kind: 'report', text: 'Bệnh nhân hết sốt sau 48 giờ.' };
    case 'cancel':
      return { type, reason: 'Gia đình xin dừng.' };
  }
}

import { describe, expect, it } from 'vitest';
import { CONSULT_STATES } from '../model/index.js';
import type { Consult } from '../model/index.js';
import { CAST, FACILITIES, PATIENT, consultIn, newDraft, sampleCommand, T0 } from '../testing/scenario.js';
import { ManualClock } from '../testing/memory.js';
import { createDraft } from './createDraft.js';
import { COMMAND_TYPES } from './events.js';
import type { Command } from './events.js';
import { transition } from './transition.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

const ok = (r: ReturnType<typeof transition>): Consult => {
  if (!r.ok) throw new Error(`${r.status} ${r.guard ?? ''}: ${r.reason}`);
  return r.consult;
};

describe('transition() is pure', () => {
  it('never mutates its (deep-frozen) input, for every state × command × actor', () => {
    let runs = 0;
    for (const state of CONSULT_STATES) {
      const { consult, clock } = consultIn(state);
      const before = JSON.stringify(consult);
      deepFreeze(consult);
      for (const type of COMMAND_TYPES) {
        for (const actor of Object.values(CAST)) {
          const command = deepFreeze(sampleCommand(type, actor, consult, clock.now()));
          const r = transition(consult, actor, command, clock, { patient: deepFreeze(structuredClone(PATIENT)) });
          runs += 1;
          if (r.ok) expect(r.consult).not.toBe(consult);
        }
      }
      expect(JSON.stringify(consult)).toBe(before);
    }
    expect(runs).toBe(CONSULT_STATES.length * COMMAND_TYPES.length * Object.keys(CAST).length);
  });

  it('takes the time only from the injected clock', () => {
    const { consult } = consultIn('draft');
    const a = transition(consult, CAST.reqDoctor, { type: 'submit' }, new ManualClock('2025-03-03T02:00:00Z'));
    const b = transition(consult, CAST.reqDoctor, { type: 'submit' }, new ManualClock('2025-03-03T02:00:00Z'));
    expect(a).toEqual(b);
    expect(ok(a).submittedAt).toBe('2025-03-03T02:00:00.000Z');
  });
});

describe('transition() answers', () => {
  it('422 for an unknown command, audited as an error', () => {
    const { consult, clock } = consultIn('draft');
    const r = transition(consult, CAST.reqDoctor, { type: 'approveEverything' } as unknown as Command, clock);
    expect(r.ok ? 0 : [r.status, r.audit[0]?.outcome, r.audit[0]?.action]).toEqual([422, 'error', 'consult.approveEverything']);
  });

  it('409 names the command and the state', () => {
    const { consult, clock } = consultIn('closed');
    const r = transition(consult, CAST.reqDoctor, { type: 'submit' }, clock);
    expect(r.ok ? '' : `${r.status} ${r.reason}`).toBe('409 submit is not allowed when the consult is closed');
  });

  it('422 with the guard and its rule, and nothing changes', () => {
    const { consult, clock } = newDraft('routine');
    const r = transition(consult, CAST.reqDoctor, { type: 'submit' }, clock);
    expect(r.ok ? 0 : [r.status, r.guard, r.rule]).toEqual([422, 'consentRecorded', 'G-2.12']);
  });

  it('refuses a summary that names the patient when the gateway passes the patient (G-2.3)', () => {
    const { consult, clock } = newDraft('routine');
    let c = ok(transition(consult, CAST.reqDoctor, { type: 'recordConsent', method: 'paper', signer: 'patient' }, clock));
    c = ok(transition(c, CAST.reqDoctor, { type: 'editDraft', patch: { caseSummary: { history: 'Bà Nguyễn Thị Hoa, 64 tuổi, đau ngực.' } } }, clock));
    const r = transition(c, CAST.reqDoctor, { type: 'submit' }, clock, { patient: PATIENT });
    expect(r.ok ? 0 : [r.status, r.guard]).toEqual([422, 'noIdentityInText']);
  });

  it('throws when handed another patient (a gateway bug, not a user error)', () => {
    const { consult, clock } = newDraft('routine');
    expect(() => transition(consult, CAST.reqDoctor, { type: 'submit' }, clock, { patient: { ...PATIENT, id: 'other' } })).toThrow(TypeError);
  });
});

describe('the steps in detail', () => {
  it('G-3.3: return for information ↔ answer and resubmit, several rounds, then accept', () => {
    let { consult: c, clock } = consultIn('submitted');
    c = ok(transition(c, CAST.conCoordinator, { type: 'returnForInfo', questions: ['Có phim cũ?', 'Kết quả khí máu?'] }, clock));
    expect(c.state).toBe('returned');
    const short = transition(c, CAST.reqDoctor, { type: 'answerAndResubmit', answers: ['Có'] }, clock);
    expect(short.ok ? 0 : short.guard).toBe('answersGiven');
    c = ok(transition(c, CAST.reqDoctor, { type: 'answerAndResubmit', answers: ['Có', 'pH 7,31'], summaryPatch: { paraclinical: 'CT + khí máu' } }, clock));
    expect(c.state).toBe('resubmitted');
    expect(c.caseSummary.paraclinical).toBe('CT + khí máu');
    c = ok(transition(c, CAST.conCoordinator, { type: 'returnForInfo', questions: ['D-dimer?'] }, clock));
    c = ok(transition(c, CAST.reqDoctor, { type: 'answerAndResubmit', answers: ['1200 ng/ml'] }, clock));
    c = ok(transition(c, CAST.conCoordinator, { type: 'accept' }, clock));
    expect(c.state).toBe('accepted');
    expect(c.intake.map((r) => r.answers)).toEqual([['Có', 'pH 7,31'], ['1200 ng/ml']]);
  });

  it('G-3.3: decline records the reason and ends the consult', () => {
    const { consult, clock } = consultIn('resubmitted');
    const c = ok(transition(consult, CAST.conCoordinator, { type: 'decline', reason: 'Ngoài chuyên môn.' }, clock));
    expect(c.state).toBe('declined');
    expect(c.ending).toEqual({ kind: 'declined', reason: 'Ngoài chuyên môn.', by: { userId: CAST.conCoordinator.userId, at: clock.now().toISOString() } });
  });

  it('G-3.4: an expert who accepts joins the list, and that side must approve again (G-2.7)', () => {
    let { consult: c, clock } = consultIn('scheduled');
    c = ok(transition(c, CAST.conDirector, { type: 'approveParticipants', facilityId: FACILITIES.central.id }, clock));
    expect(c.approvals).toHaveLength(1);
    c = ok(transition(c, CAST.conCoordinator, { type: 'inviteExperts', experts: [{ expertUserId: CAST.expert2.userId, specialty: 'cardiology' }] }, clock));
    c = ok(transition(c, CAST.expert2, { type: 'respondInvitation', response: 'accept' }, clock));
    expect(c.participants.map((p) => p.userId)).toContain(CAST.expert2.userId);
    expect(c.approvals).toHaveLength(0);
    c = ok(transition(c, CAST.conDirector, { type: 'approveParticipants', facilityId: FACILITIES.central.id }, clock));
    c = ok(transition(c, CAST.reqDirector, { type: 'approveParticipants', facilityId: FACILITIES.district.id }, clock));
    expect(c.state).toBe('participants_approved');
    expect(c.approvals.find((a) => a.facilityId === FACILITIES.central.id)?.userIds).toEqual([CAST.expert.userId, CAST.expert2.userId]);
  });

  it('G-2.7: a new list from a coordinator resets only that side’s approval', () => {
    let { consult: c, clock } = consultIn('scheduled');
    c = ok(transition(c, CAST.reqDirector, { type: 'approveParticipants', facilityId: FACILITIES.district.id }, clock));
    c = ok(transition(c, CAST.conCoordinator, { type: 'proposeParticipants', facilityId: FACILITIES.central.id, participants: [{ userId: CAST.expert.userId, role: 'consultant_expert' }, { userId: CAST.conCoordinator.userId, role: 'consulting_coordinator' }] }, clock));
    expect(c.approvals.map((a) => a.facilityId)).toEqual([FACILITIES.district.id]);
    const again = transition(c, CAST.reqDirector, { type: 'approveParticipants', facilityId: FACILITIES.district.id }, clock);
    expect(again.ok ? 0 : [again.status, again.guard]).toEqual([409, 'notYetApproved']);
  });

  it('G-3.5: a failed retest takes the consult back until it passes again; slow links are flagged (G-1.4)', () => {
    let { consult: c, clock } = consultIn('connection_tested');
    const r = transition(c, CAST.conIT, { type: 'recordConnectionTest', facilityId: FACILITIES.central.id, result: 'failed', notes: 'mất âm thanh' }, clock);
    c = ok(r);
    expect(c.state).toBe('participants_approved');
    expect(r.ok && r.notify[0]?.kind).toBe('connection.failed');
    expect(transition(c, CAST.conCoordinator, { type: 'startSession' }, clock).ok).toBe(false);
    const slow = transition(c, CAST.conIT, { type: 'recordConnectionTest', facilityId: FACILITIES.central.id, result: 'ok', bandwidthMbps: 20 }, clock);
    expect(ok(slow).state).toBe('connection_tested');
    expect(slow.audit[0]?.detail?.belowMinimumBandwidth).toBe(true);
  });

  it('G-3.7: revising agreed minutes withdraws the agreement; signing needs a fresh one', () => {
    let { consult: c, clock } = consultIn('minutes_agreed');
    c = ok(transition(c, CAST.reqDoctor, { type: 'draftMinutes', assessment: 'Sửa: diễn biến xấu hơn.', definitiveDiagnosis: 'Nhồi máu phổi.', treatmentDirection: 'transfer' }, clock));
    expect(c.state).toBe('minutes_drafted');
    expect(c.minutes?.version).toBe(2);
    expect(c.minutes?.agreedBy).toBeNull();
    expect(c.minutes?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(transition(c, CAST.reqDirector, { type: 'signMinutes' }, clock).ok).toBe(false);
    c = ok(transition(c, CAST.conCoordinator, { type: 'agreeMinutes' }, clock));
    c = ok(transition(c, CAST.reqDoctor, { type: 'signMinutes' }, clock));
    expect(c.minutes?.signedBy?.userId).toBe(CAST.reqDoctor.userId);
  });

  it('G-3.8: follow-ups attach after signing and after closing; an urgent escalation reaches the office and the experts at once', () => {
    let { consult: c, clock } = consultIn('closed');
    const r = transition(c, CAST.reqDoctor, { type: 'addFollowUp', kind: 'urgent_escalation', text: 'Khó thở tăng, SpO2 85%.' }, clock);
    c = ok(r);
    expect(c.state).toBe('closed');
    expect(c.followUps).toHaveLength(1);
    expect(r.ok && r.notify[0]).toMatchObject({ kind: 'followUp.added', urgent: true });
    expect(r.ok && r.notify[0]?.to).toEqual([{ facilityId: FACILITIES.central.id, role: 'consulting_coordinator' }, { userId: CAST.expert.userId }]);
  });

  it('cancel tells everyone concerned so far; a draft cancel stays at home', () => {
    const s = consultIn('scheduled');
    const r = transition(s.consult, CAST.conCoordinator, { type: 'cancel', reason: 'Chuyên gia ốm.' }, s.clock);
    expect(ok(r).state).toBe('cancelled');
    expect(r.ok && r.notify[0]?.to).toEqual(expect.arrayContaining([{ userId: CAST.reqDoctor.userId }, { userId: CAST.expert.userId }]));
    const d = consultIn('draft');
    const rd = transition(d.consult, CAST.reqDoctor, { type: 'cancel', reason: 'Nhầm.' }, d.clock);
    expect(rd.ok && rd.notify[0]?.to).toEqual([{ userId: CAST.reqDoctor.userId }, { facilityId: FACILITIES.district.id, role: 'requesting_coordinator' }]);
  });

  it('cancel is not possible once the meeting has started', () => {
    const { consult, clock } = consultIn('in_session');
    expect(transition(consult, CAST.reqDoctor, { type: 'cancel', reason: 'x' }, clock)).toMatchObject({ ok: false, status: 409 });
  });

  it('history and rev grow by one per applied command; refusals leave no trace on the consult', () => {
    const { consult, clock } = consultIn('submitted');
    const refused = transition(consult, CAST.conCoordinator, { type: 'decline', reason: '' }, clock);
    expect(refused.ok).toBe(false);
    const c = ok(transition(consult, CAST.conCoordinator, { type: 'accept' }, clock));
    expect(c.rev).toBe(consult.rev + 1);
    expect(c.history.at(-1)).toEqual({ at: clock.now().toISOString(), userId: CAST.conCoordinator.userId, role: 'consulting_coordinator', command: 'accept', from: 'submitted', to: 'accepted' });
  });

  it('notifications carry ids and state only, never clinical text or identity', () => {
    const { consult, clock } = consultIn('in_session');
    const r = transition(consult, CAST.reqDoctor, sampleCommand('draftMinutes', CAST.reqDoctor, consult, clock.now()), clock);
    const json = JSON.stringify(r.ok && r.notify);
    expect(json).not.toContain('Viêm phổi');
    expect(json).not.toContain(PATIENT.identity.fullName);
  });
});

describe('createDraft() (G-3.1, G-3.2)', () => {
  const clock = new ManualClock(T0);
  const input = { id: 'hc-x', type: 'training', urgency: 'routine', requesting: FACILITIES.district, consulting: FACILITIES.central, patient: PATIENT } as const;
  it('registers a draft at the actor’s facility, the creator on the list', () => {
    const r = createDraft(CAST.reqCoordinator, input, clock);
    expect(r.ok && r.consult).toMatchObject({ state: 'draft', type: 'training', rev: 1, pseudonym: PATIENT.pseudonym, participants: [{ userId: CAST.reqCoordinator.userId, role: 'requesting_coordinator' }] });
    expect(JSON.stringify(r.ok && r.consult)).not.toContain(PATIENT.identity.fullName);
  });
  it.each([
    ['a consulting-side role', CAST.conCoordinator, input, 403],
    ['an IT technician', CAST.reqIT, input, 403],
    ['another facility’s doctor', { ...CAST.reqDoctor, facilityId: FACILITIES.other.id }, input, 403],
    ['a patient of another facility', CAST.reqDoctor, { ...input, patient: { ...PATIENT, facilityId: FACILITIES.other.id } }, 403],
    ['a facility that does not consult', CAST.reqDoctor, { ...input, consulting: FACILITIES.district }, 422],
    ['an unknown type', CAST.reqDoctor, { ...input, type: 'webinar' }, 422],
    ['a local requested time', CAST.reqDoctor, { ...input, requestedTime: '2025-03-09 09:00' }, 422],
  ] as const)('refuses %s', (_l, actor, inp, status) => {
    const r = createDraft(actor, inp as never, clock);
    expect(r.ok ? 0 : r.status).toBe(status);
    expect(r.audit[0]?.outcome).toBe(status === 403 ? 'denied' : 'error');
  });
});

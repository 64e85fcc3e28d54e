import { describe, expect, it } from 'vitest';
import type { Actor, Consult } from '../model/index.js';
import { CAST, FACILITIES, PATIENT, SUMMARY, T0, consultIn } from '../testing/scenario.js';
import type { Command } from './events.js';
import { GUARDS, identityFoundIn, missingMinutesFields, missingSummaryFields } from './guards.js';
import type { GuardContext, GuardName } from './guards.js';
import { MACHINE } from './machine.js';
import { DAY_MS } from './time.js';

const now = new Date(T0);
const inH = (h: number, from = now): string => new Date(from.getTime() + h * 3600_000).toISOString();
const base = consultIn('draft').consult;
const ctx = (command: Command, consult: Partial<Consult> = {}, actor: Actor = CAST.reqDoctor, withPatient = false): GuardContext => ({
  consult: { ...base, ...consult },
  actor,
  command,
  now,
  ...(withPatient ? { patient: PATIENT } : {}),
});
const check = (name: GuardName, c: GuardContext): string | null => GUARDS[name].check(c);

describe('every guard cites a guideline rule and is used', () => {
  it('names, rules and statuses', () => {
    for (const [name, g] of Object.entries(GUARDS)) {
      expect(g.name).toBe(name);
      expect(g.rule).toMatch(/^G-\d+\.\d+$/);
      expect([403, 409, 422]).toContain(g.status);
    }
    const used = new Set(Object.values(MACHINE.states).flatMap((s) => Object.values(s.on).flatMap((t) => [...(t?.guards ?? [])])));
    for (const name of Object.keys(GUARDS)) {
      if (['roleAllowed', 'sameFacility', 'invited'].includes(name)) continue; // run by transition() before the table
      expect(used.has(name as GuardName), name).toBe(true);
    }
  });
});

describe('G-3.2 caseSummaryComplete', () => {
  const blank = (k: keyof typeof SUMMARY) => ({ ...SUMMARY, [k]: '   ' });
  it.each([
    ['complete summary', SUMMARY, null],
    ['history blank', blank('history'), 'history'],
    ['past history blank', blank('pastHistory'), 'pastHistory'],
    ['examination blank', blank('examination'), 'examination'],
    ['paraclinical blank', blank('paraclinical'), 'paraclinical'],
    ['preliminary diagnosis blank', blank('preliminaryDiagnosis'), 'preliminaryDiagnosis'],
    ['treatment so far blank', blank('treatmentSoFar'), 'treatmentSoFar'],
    ['question blank', blank('question'), 'question'],
    ['"other" is optional', { ...SUMMARY, other: '' }, null],
  ] as const)('%s', (_label, summary, missing) => {
    const r = check('caseSummaryComplete', ctx({ type: 'submit' }, { caseSummary: summary }));
    if (missing === null) expect(r).toBeNull();
    else expect(r).toContain(missing);
    expect(missingSummaryFields(summary)).toEqual(missing === null ? [] : [missing]);
  });
  it('a resubmission may complete the summary with its patch', () => {
    const c = ctx({ type: 'answerAndResubmit', answers: ['x'], summaryPatch: { question: 'Có nên mổ không?' } }, { caseSummary: { ...SUMMARY, question: '' } });
    expect(check('caseSummaryComplete', c)).toBeNull();
  });
});

describe('G-2.12 consentRecorded', () => {
  const full = { recorded: true, by: 'bs.lan', at: T0, method: 'paper', signer: 'patient', recordedAt: T0 } as const;
  it.each([
    ['recorded with method and signer', full, true],
    ['not recorded', { ...full, recorded: false }, false],
    ['no recorder', { ...full, by: null }, false],
    ['no signing time', { ...full, at: null }, false],
    ['no method', { ...full, method: null }, false],
    ['no signer', { ...full, signer: null }, false],
    ['legal representative', { ...full, signer: 'legal_representative' }, true],
  ] as const)('%s', (_l, consent, ok) => {
    expect(check('consentRecorded', ctx({ type: 'submit' }, { consent })) === null).toBe(ok);
  });
});

describe('G-2.12 consentValid', () => {
  it.each([
    ['paper, by the patient', { method: 'paper', signer: 'patient' }, true],
    ['electronic, by the representative, signed an hour ago', { method: 'electronic', signer: 'legal_representative', signedAt: inH(-1) }, true],
    ['signed in the future', { method: 'paper', signer: 'patient', signedAt: inH(1) }, false],
    ['signedAt without offset', { method: 'paper', signer: 'patient', signedAt: '2025-03-03T08:00:00' }, false],
    ['unknown method', { method: 'verbal', signer: 'patient' }, false],
    ['unknown signer', { method: 'paper', signer: 'neighbour' }, false],
  ] as const)('%s', (_l, c, ok) => {
    expect(check('consentValid', ctx({ type: 'recordConsent', ...c } as Command)) === null).toBe(ok);
  });
});

describe('G-3.2 atLeast24hAhead (unless emergency)', () => {
  it.each([
    ['routine, requested 25 h ahead', 'routine', inH(25), true],
    ['routine, exactly 24 h ahead', 'routine', inH(24), true],
    ['routine, 23 h 59 ahead', 'routine', new Date(now.getTime() + DAY_MS - 60_000).toISOString(), false],
    ['routine, in the past', 'routine', inH(-2), false],
    ['routine, no requested time', 'routine', null, false],
    ['emergency, in an hour', 'emergency', inH(1), true],
    ['emergency, no requested time', 'emergency', null, true],
  ] as const)('submit: %s', (_l, urgency, requestedTime, ok) => {
    expect(check('atLeast24hAhead', ctx({ type: 'submit' }, { urgency, requestedTime })) === null).toBe(ok);
  });
  it.each([
    ['start 2 days after the summary was sent', inH(48), true],
    ['start 12 h after the summary was sent', inH(12), false],
  ] as const)('schedule: %s', (_l, start, ok) => {
    expect(check('atLeast24hAhead', ctx({ type: 'schedule', start }, { submittedAt: T0 })) === null).toBe(ok);
  });
  it('a resubmission may move the requested time', () => {
    expect(check('atLeast24hAhead', ctx({ type: 'answerAndResubmit', answers: ['x'], requestedTime: inH(30) }, { requestedTime: inH(2) }))).toBeNull();
    expect(check('atLeast24hAhead', ctx({ type: 'answerAndResubmit', answers: ['x'] }, { requestedTime: inH(2) }))).not.toBeNull();
  });
});

describe('G-2.3 noIdentityInText', () => {
  const withText = (question: string) => ctx({ type: 'submit' }, { caseSummary: { ...SUMMARY, question } }, CAST.reqDoctor, true);
  it.each([
    ['clean summary', 'Có nên chuyển tuyến không?', []],
    ['full name', 'Bà Nguyễn Thị Hoa có nên mổ?', ['fullName']],
    ['full name without diacritics, other case', 'ba NGUYEN THI HOA co nen mo?', ['fullName']],
    ['national id', 'CCCD 001161012345', ['nationalId']],
    ['address', 'nhà ở 12 Đường Trần Phú, Hà Đông, Hà Nội', ['address']],
    ['birth date ISO', 'sinh 1961-04-17', ['birthDate']],
    ['birth date dd/mm/yyyy', 'sinh ngày 17/04/1961', ['birthDate']],
  ] as const)('%s', (_l, text, found) => {
    expect(identityFoundIn(PATIENT, [text])).toEqual(found);
    expect(check('noIdentityInText', withText(text)) === null).toBe(found.length === 0);
  });
  it('checks minutes and follow-ups too', () => {
    expect(check('noIdentityInText', ctx({ type: 'draftMinutes', assessment: 'Nguyễn Thị Hoa ổn', definitiveDiagnosis: 'x', treatmentDirection: 'transfer' }, {}, CAST.reqDoctor, true))).not.toBeNull();
    expect(check('noIdentityInText', ctx({ type: 'addFollowUp', kind: 'report', text: 'CCCD 001161012345' }, {}, CAST.reqDoctor, true))).not.toBeNull();
  });
  it('passes when the gateway has no patient to compare with', () => {
    expect(check('noIdentityInText', ctx({ type: 'submit' }, { caseSummary: { ...SUMMARY, question: 'Nguyễn Thị Hoa' } }))).toBeNull();
  });
});

describe('G-3.3 questionsGiven / answersGiven / reasonGiven', () => {
  const round = { questions: ['a?', 'b?'], askedBy: { userId: 'khth.ha', at: T0 }, answers: null, answeredBy: null };
  it.each([
    ['one question', ['Có phim cũ?'], true],
    ['no question', [], false],
    ['a blank question', ['Có phim cũ?', ' '], false],
  ] as const)('questionsGiven: %s', (_l, questions, ok) => {
    expect(check('questionsGiven', ctx({ type: 'returnForInfo', questions }, {}, CAST.conCoordinator)) === null).toBe(ok);
  });
  it.each([
    ['every question answered', [round], ['x', 'y'], true],
    ['one answer short', [round], ['x'], false],
    ['a blank answer', [round], ['x', ''], false],
    ['no open round', [{ ...round, answers: ['x', 'y'], answeredBy: { userId: 'bs.lan', at: T0 } }], ['x', 'y'], false],
    ['no round at all', [], ['x'], false],
  ] as const)('answersGiven: %s', (_l, intake, answers, ok) => {
    expect(check('answersGiven', ctx({ type: 'answerAndResubmit', answers }, { intake })) === null).toBe(ok);
  });
  it.each([
    ['decline with a reason', { type: 'decline', reason: 'Không đủ chuyên gia.' }, true],
    ['decline without', { type: 'decline', reason: '  ' }, false],
    ['cancel with a reason', { type: 'cancel', reason: 'Bệnh nhân xin về.' }, true],
    ['cancel without', { type: 'cancel', reason: '' }, false],
  ] as const)('reasonGiven: %s', (_l, command, ok) => {
    expect(check('reasonGiven', ctx(command as Command)) === null).toBe(ok);
  });
});

describe('G-3.4 expertsForUrgency / expertsValid / invitationPending / expertAccepted / startInFuture', () => {
  const e = (expertUserId: string, specialty = 'radiology') => ({ expertUserId, specialty });
  it.each([
    ['routine accept, no experts', 'routine', undefined, true],
    ['routine accept naming experts', 'routine', [e('cg.quang')], false],
    ['emergency accept with experts', 'emergency', [e('cg.quang')], true],
    ['emergency accept without experts', 'emergency', [], false],
  ] as const)('expertsForUrgency: %s', (_l, urgency, experts, ok) => {
    const command = (experts === undefined ? { type: 'accept' } : { type: 'accept', experts }) as Command;
    expect(check('expertsForUrgency', ctx(command, { urgency })) === null).toBe(ok);
  });
  const invited = consultIn('experts_invited').consult; // cg.quang invited
  it.each([
    ['a new expert by specialty', [e('cg.vy', 'cardiology')], true],
    ['none', [], false],
    ['no specialty', [e('cg.vy', ' ')], false],
    ['the same expert twice', [e('cg.vy'), e('cg.vy', 'cardiology')], false],
    ['an expert already invited', [e('cg.quang')], false],
  ] as const)('expertsValid: %s', (_l, experts, ok) => {
    expect(check('expertsValid', ctx({ type: 'inviteExperts', experts }, invited, CAST.conCoordinator)) === null).toBe(ok);
  });
  it('expertsValid: a declined expert may be invited again', () => {
    const declined = { ...invited, invitations: invited.invitations.map((i) => ({ ...i, status: 'declined' as const })) };
    expect(check('expertsValid', ctx({ type: 'inviteExperts', experts: [e('cg.quang')] }, declined, CAST.conCoordinator))).toBeNull();
  });
  it.each([
    ['unanswered', 'invited', true],
    ['already accepted', 'accepted', false],
    ['already declined', 'declined', false],
  ] as const)('invitationPending: %s', (_l, status, ok) => {
    const c = { ...invited, invitations: invited.invitations.map((i) => ({ ...i, status })) };
    expect(check('invitationPending', ctx({ type: 'respondInvitation', response: 'accept' }, c, CAST.expert)) === null).toBe(ok);
  });
  it.each([
    ['one accepted', ['accepted', 'declined'], true],
    ['none answered', ['invited'], false],
    ['all declined', ['declined', 'declined'], false],
  ] as const)('expertAccepted: %s', (_l, statuses, ok) => {
    const invitations = statuses.map((status, i) => ({ ...(invited.invitations[0] as Consult['invitations'][number]), expertUserId: `e${i}`, status }));
    expect(check('expertAccepted', ctx({ type: 'schedule', start: inH(48) }, { invitations }, CAST.conCoordinator)) === null).toBe(ok);
  });
  it.each([
    ['in two days', { start: inH(48) }, true],
    ['with an end after the start', { start: inH(48), end: inH(49) }, true],
    ['in the past', { start: inH(-1) }, false],
    ['an end before the start', { start: inH(48), end: inH(47) }, false],
    ['not ISO 8601', { start: 'thứ Hai 9 giờ' }, false],
  ] as const)('startInFuture: %s', (_l, s, ok) => {
    expect(check('startInFuture', ctx({ type: 'schedule', ...s }, {}, CAST.conCoordinator)) === null).toBe(ok);
  });
});

describe('G-2.15 linkValid', () => {
  it.each([
    ['https', 'https://meet.example/r/1', true],
    ['http', 'http://meet.example/r/1', false],
    ['not a URL', 'phòng họp 2', false],
  ] as const)('%s', (_l, link, ok) => {
    expect(check('linkValid', ctx({ type: 'schedule', start: inH(48), link }, {}, CAST.conCoordinator)) === null).toBe(ok);
  });
});

describe('G-2.9 roleAllowed / sameFacility / invited', () => {
  const c = consultIn('scheduled').consult;
  it.each([
    ['the requesting doctor submits (own draft)', 'roleAllowed', { type: 'submit' }, CAST.reqDoctor, base, true],
    ['the expert tries to accept', 'roleAllowed', { type: 'accept' }, CAST.expert, c, false],
    ['the director approves for their own facility', 'sameFacility', { type: 'approveParticipants', facilityId: FACILITIES.district.id }, CAST.reqDirector, c, true],
    ['the director approves for the other facility', 'sameFacility', { type: 'approveParticipants', facilityId: FACILITIES.central.id }, CAST.reqDirector, c, false],
    ['the director names a facility not in the consult', 'sameFacility', { type: 'approveParticipants', facilityId: FACILITIES.other.id }, { ...CAST.reqDirector, facilityId: FACILITIES.other.id }, c, false],
    ['the invited expert', 'invited', { type: 'respondInvitation', response: 'accept' }, CAST.expert, c, true],
    ['an expert not invited', 'invited', { type: 'respondInvitation', response: 'accept' }, CAST.expert2, c, false],
  ] as const)('%s', (_l, name, command, actor, consult, ok) => {
    expect(check(name, ctx(command as Command, consult, actor)) === null).toBe(ok);
  });
});

describe('G-2.7 participantsValid / participantsListed / notYetApproved / allDirectorsApproved', () => {
  const sched = consultIn('scheduled').consult;
  it.each([
    ['two people', [{ userId: 'bs.lan', role: 'requesting_doctor' }, { userId: 'bs.khoa', role: 'requesting_doctor' }], true],
    ['empty', [], false],
    ['a person twice', [{ userId: 'bs.lan', role: 'requesting_doctor' }, { userId: 'bs.lan', role: 'requesting_coordinator' }], false],
    ['admin', [{ userId: 'admin', role: 'admin' }], false],
  ] as const)('participantsValid: %s', (_l, participants, ok) => {
    expect(check('participantsValid', ctx({ type: 'proposeParticipants', facilityId: FACILITIES.district.id, participants }, sched, CAST.reqCoordinator)) === null).toBe(ok);
  });
  it.each([
    ['listed', sched.participants, true],
    ['nobody from this side', sched.participants.filter((p) => p.facilityId !== FACILITIES.district.id), false],
  ] as const)('participantsListed: %s', (_l, participants, ok) => {
    expect(check('participantsListed', ctx({ type: 'approveParticipants', facilityId: FACILITIES.district.id }, { ...sched, participants }, CAST.reqDirector)) === null).toBe(ok);
  });
  const approval = (facilityId: string) => ({ facilityId, directorUserId: 'gd', at: T0, userIds: [] });
  it.each([
    ['not yet', [], true],
    ['already', [approval(FACILITIES.district.id)], false],
  ] as const)('notYetApproved: %s', (_l, approvals, ok) => {
    expect(check('notYetApproved', ctx({ type: 'approveParticipants', facilityId: FACILITIES.district.id }, { ...sched, approvals }, CAST.reqDirector)) === null).toBe(ok);
  });
  it.each([
    ['both directors', [approval(FACILITIES.district.id), approval(FACILITIES.central.id)], true],
    ['requesting only', [approval(FACILITIES.district.id)], false],
    ['consulting only', [approval(FACILITIES.central.id)], false],
    ['none', [], false],
  ] as const)('allDirectorsApproved: %s', (_l, approvals, ok) => {
    expect(check('allDirectorsApproved', ctx({ type: 'startSession' }, { ...sched, approvals }, CAST.conCoordinator)) === null).toBe(ok);
  });
});

describe('G-3.5 connectionTestedBothSides / connectionTestValid', () => {
  const test = (facilityId: string, result: 'ok' | 'failed') => ({ facilityId, by: 'it', at: T0, result });
  const d = FACILITIES.district.id;
  const cc = FACILITIES.central.id;
  it.each([
    ['both ok', [test(d, 'ok'), test(cc, 'ok')], true],
    ['only the requesting side', [test(d, 'ok')], false],
    ['consulting side failed', [test(d, 'ok'), test(cc, 'failed')], false],
    ['failed, then ok on retest', [test(d, 'ok'), test(cc, 'failed'), test(cc, 'ok')], true],
    ['ok, then failed on retest', [test(d, 'ok'), test(cc, 'ok'), test(d, 'failed')], false],
    ['none', [], false],
  ] as const)('connectionTestedBothSides: %s', (_l, connectionTests, ok) => {
    expect(check('connectionTestedBothSides', ctx({ type: 'startSession' }, { connectionTests }, CAST.conCoordinator)) === null).toBe(ok);
  });
  it.each([
    ['ok with numbers', { result: 'ok', rttMs: 30, bandwidthMbps: 80 }, true],
    ['failed with notes', { result: 'failed', notes: 'mất tín hiệu' }, true],
    ['negative rtt', { result: 'ok', rttMs: -1 }, false],
    ['bandwidth not a number', { result: 'ok', bandwidthMbps: Number.NaN }, false],
    ['unknown result', { result: 'maybe' }, false],
  ] as const)('connectionTestValid: %s', (_l, t, ok) => {
    expect(check('connectionTestValid', ctx({ type: 'recordConnectionTest', facilityId: d, ...t } as Command, {}, CAST.reqIT)) === null).toBe(ok);
  });
});

describe('G-3.7 minutesComplete / minutesAgreed', () => {
  const m = { assessment: 'Diễn biến xấu.', definitiveDiagnosis: 'Nhồi máu phổi.', treatmentDirection: 'transfer' } as const;
  it.each([
    ['complete, transfer', m, true],
    ['continue here', { ...m, treatmentDirection: 'continue_here' }, true],
    ['training support', { ...m, treatmentDirection: 'training_support' }, true],
    ['no assessment of the course', { ...m, assessment: '' }, false],
    ['no definitive diagnosis', { ...m, definitiveDiagnosis: ' ' }, false],
    ['unknown direction', { ...m, treatmentDirection: 'wait_and_see' }, false],
  ] as const)('minutesComplete: %s', (_l, minutes, ok) => {
    expect(check('minutesComplete', ctx({ type: 'draftMinutes', ...minutes } as Command)) === null).toBe(ok);
    expect(missingMinutesFields(minutes as never).length === 0).toBe(ok);
  });
  const agreed = consultIn('minutes_agreed').consult;
  it.each([
    ['agreed', agreed.minutes, true],
    ['drafted, not agreed', agreed.minutes && { ...agreed.minutes, agreedBy: null }, false],
    ['no minutes', null, false],
  ] as const)('minutesAgreed: %s', (_l, minutes, ok) => {
    expect(check('minutesAgreed', ctx({ type: 'signMinutes' }, { ...agreed, minutes }, CAST.reqDirector)) === null).toBe(ok);
  });
});

describe('G-3.8 followUpGiven', () => {
  it.each([
    ['a report', { kind: 'report', text: 'Hết sốt.' }, true],
    ['an urgent escalation', { kind: 'urgent_escalation', text: 'Suy hô hấp.' }, true],
    ['empty text', { kind: 'report', text: '' }, false],
    ['unknown kind', { kind: 'gossip', text: 'x' }, false],
  ] as const)('%s', (_l, f, ok) => {
    expect(check('followUpGiven', ctx({ type: 'addFollowUp', ...f } as Command)) === null).toBe(ok);
  });
});

describe('G-3.2 draftPatchValid', () => {
  it.each([
    ['a summary field', { caseSummary: { history: 'x' } }, true],
    ['clear the requested time', { requestedTime: null }, true],
    ['a local time', { requestedTime: '2025-03-05 09:00' }, false],
    ['unknown urgency', { urgency: 'soon' }, false],
    ['unknown type', { type: 'chat' }, false],
  ] as const)('%s', (_l, patch, ok) => {
    expect(check('draftPatchValid', ctx({ type: 'editDraft', patch } as Command)) === null).toBe(ok);
  });
});

import { describe, expect, it } from 'vitest';
import { viewFor } from '@worklist/policy/viewFor';
import { transition } from '@worklist/consult/transition';
import { CAST, consultIn } from '@worklist/testing/index';
import { COMMAND_FORMS, initialValues, isoFromLocal, lines, localFromIso, openQuestions, pairs } from './commandForms';

describe('command forms', () => {
  it('parses one item per line and user: value pairs', () => {
    expect(lines(' a \n\n b\r\nc ')).toEqual(['a', 'b', 'c']);
    expect(pairs('cg.quang: Tim mạch\ncg.vy:Hô hấp\nlonely')).toEqual([
      { user: 'cg.quang', value: 'Tim mạch' },
      { user: 'cg.vy', value: 'Hô hấp' },
      { user: 'lonely', value: '' },
    ]);
  });

  it('turns datetime-local values into ISO UTC and back', () => {
    const iso = isoFromLocal('2025-03-05T09:30');
    expect(iso).toMatch(/^2025-03-0\dT\d\d:30:00\.000Z$/);
    expect(localFromIso(iso)).toBe('2025-03-05T09:30');
    expect(isoFromLocal('')).toBeUndefined();
    expect(isoFromLocal('not a date')).toBeUndefined();
  });

  it('builds commands the worklist accepts (intake questions, then the answers)', () => {
    const { consult, clock } = consultIn('submitted');
    const view = viewFor(CAST.conCoordinator, consult)!;
    const ask = COMMAND_FORMS.returnForInfo!.build({ questions: 'Có phim cũ không?\nĐã làm D-dimer chưa?' }, { actor: CAST.conCoordinator, view });
    expect(ask).toEqual({ type: 'returnForInfo', questions: ['Có phim cũ không?', 'Đã làm D-dimer chưa?'] });
    const r = transition(consult, CAST.conCoordinator, ask, clock);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const docView = viewFor(CAST.reqDoctor, r.consult)!;
    expect(openQuestions(docView)).toEqual(['Có phim cũ không?', 'Đã làm D-dimer chưa?']);
    const answer = COMMAND_FORMS.answerAndResubmit!.build({ answers: [' Có ', 'Chưa'], requestedTime: '' }, { actor: CAST.reqDoctor, view: docView });
    expect(answer).toEqual({ type: 'answerAndResubmit', answers: ['Có', 'Chưa'] });
    const r2 = transition(r.consult, CAST.reqDoctor, answer, clock);
    expect(r2.ok ? r2.consult.state : r2).toBe('resubmitted');
  });

  it("fills the actor's own facility where a side acts for itself, and numbers from decimal commas", () => {
    const { consult } = consultIn('participants_approved');
    const view = viewFor(CAST.conIT, consult)!;
    const cmd = COMMAND_FORMS.recordConnectionTest!.build({ result: 'ok', rttMs: '35', bandwidthMbps: '80,5', notes: '' }, { actor: CAST.conIT, view });
    expect(cmd).toEqual({ type: 'recordConnectionTest', facilityId: CAST.conIT.facilityId, result: 'ok', rttMs: 35, bandwidthMbps: 80.5 });
    const approve = COMMAND_FORMS.approveParticipants!.build({}, { actor: CAST.reqDirector, view });
    expect(approve).toEqual({ type: 'approveParticipants', facilityId: CAST.reqDirector.facilityId });
  });

  it('prefills the minutes editor with the current minutes', () => {
    const { consult } = consultIn('minutes_drafted');
    const view = viewFor(CAST.reqDoctor, consult)!;
    const v = initialValues('draftMinutes', view);
    expect(v.assessment).toBe(consult.minutes!.assessment);
    expect(v.treatmentDirection).toBe(consult.minutes!.treatmentDirection);
    const again = COMMAND_FORMS.draftMinutes!.build(v, { actor: CAST.reqDoctor, view });
    expect(again).toMatchObject({ type: 'draftMinutes', assessment: consult.minutes!.assessment, definitiveDiagnosis: consult.minutes!.definitiveDiagnosis });
  });
});

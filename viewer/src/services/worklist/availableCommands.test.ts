import { describe, expect, it } from 'vitest';
import { CONSULT_STATES } from '@worklist/model/Consult';
import { can } from '@worklist/policy/can';
import { viewFor } from '@worklist/policy/viewFor';
import { commandsIn } from '@worklist/consult/machine';
import { CAST, PATIENT, consultIn } from '@worklist/testing/index';
import { actorFrom, availableCommands, mayViewImages, policyConsult } from './availableCommands';
import type { ConsultItem } from './types';

const ACTORS = Object.values(CAST);

describe('availableCommands (which actions the screens offer)', () => {
  it('rebuilds from each actor\'s view a consult on which can() decides exactly as on the stored one', () => {
    for (const state of CONSULT_STATES) {
      const { consult } = consultIn(state);
      for (const actor of ACTORS) {
        const view = viewFor(actor, consult, PATIENT);
        if (!view) continue;
        const rebuilt = policyConsult(view);
        for (const type of commandsIn(state)) {
          expect(can(actor, type, rebuilt).ok, `${state} ${actor.userId} ${type}`).toBe(can(actor, type, consult).ok);
        }
      }
    }
  });

  it('offers each role its step: draft to the requesting doctor, intake to the planning office, nothing to others', () => {
    const offered = (state: (typeof CONSULT_STATES)[number], actor: (typeof ACTORS)[number]) => {
      const { consult } = consultIn(state);
      const view = viewFor(actor, consult, PATIENT);
      return view ? availableCommands(actor, view) : null;
    };
    expect(offered('draft', CAST.reqDoctor)).toEqual(['editDraft', 'recordConsent', 'submit', 'cancel']);
    expect(offered('draft', CAST.conCoordinator)).toBeNull();
    expect(offered('submitted', CAST.conCoordinator)).toEqual(['returnForInfo', 'decline', 'accept', 'cancel']);
    expect(offered('submitted', CAST.reqDoctor)).toEqual(['cancel']);
    expect(offered('submitted', CAST.expert)).toBeNull();
    expect(offered('returned', CAST.reqDoctor)).toEqual(['answerAndResubmit', 'cancel']);
    expect(offered('in_session', CAST.reqDoctor)).toEqual(['draftMinutes']);
    expect(offered('minutes_drafted', CAST.conCoordinator)).toEqual(['agreeMinutes']);
    expect(offered('minutes_agreed', CAST.reqDirector)).toEqual(['signMinutes']);
    expect(offered('participants_approved', CAST.conIT)).toEqual(['recordConnectionTest']);
    for (const state of CONSULT_STATES) expect(offered(state, CAST.admin) ?? [], state).toEqual([]);
  });

  it('offers an invited expert the answer once, and a director the approval of their own side once', () => {
    const { consult } = consultIn('experts_invited');
    const invited = consult.invitations.find((i) => i.status === 'invited');
    const expert = ACTORS.find((a) => a.userId === invited?.expertUserId);
    if (expert) expect(availableCommands(expert, viewFor(expert, consult)!)).toContain('respondInvitation');
    const scheduled = consultIn('scheduled').consult;
    for (const director of [CAST.reqDirector, CAST.conDirector]) {
      const v = viewFor(director, scheduled)!;
      const hasPart = v.participants.some((p) => p.facilityId === director.facilityId);
      const approved = v.approvals.some((a) => a.facilityId === director.facilityId);
      expect(availableCommands(director, v).includes('approveParticipants'), director.userId).toBe(hasPart && !approved);
    }
  });

  it("prefers the server's allowedCommands when the API sends them", () => {
    const { consult } = consultIn('submitted');
    const view: ConsultItem = { ...viewFor(CAST.conCoordinator, consult)!, allowedCommands: ['accept'] };
    expect(availableCommands(CAST.conCoordinator, view)).toEqual(['accept']);
  });

  it('lets the consulting side open images only when invited or coordinating (G-2.9)', () => {
    const { consult } = consultIn('scheduled');
    expect(mayViewImages(CAST.conCoordinator, viewFor(CAST.conCoordinator, consult)!)).toBe(true);
    expect(mayViewImages(CAST.conIT, viewFor(CAST.conIT, consult)!)).toBe(false);
  });

  it('builds the actor from GET /api/me', () => {
    expect(actorFrom({ username: 'bs.lan', facility: { id: 'f1', name: 'F', canRequest: true, canConsult: false }, roles: ['requesting_doctor', 'x'], worklistRoles: ['requesting_doctor'] }))
      .toEqual({ userId: 'bs.lan', facilityId: 'f1', roles: ['requesting_doctor'] });
  });
});

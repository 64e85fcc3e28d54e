import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES } from '../consult/events.js';
import type { CommandType } from '../consult/events.js';
import { MACHINE, specFor } from '../consult/machine.js';
import { transition } from '../consult/transition.js';
import { CONSULT_STATES, ROLES } from '../model/index.js';
import type { Actor, Consult, ConsultState, Role } from '../model/index.js';
import { CAST, FACILITIES, consultIn, sampleCommand } from '../testing/scenario.js';
import { can, filterVisible, auditScope } from './can.js';
import { ACCESS_MATRIX, ACTIONS, READ_ACTIONS } from './matrix.js';
import type { Action, Rule } from './matrix.js';

type Position = 'requesting' | 'consulting' | 'other';
const POSITIONS: readonly Position[] = ['requesting', 'consulting', 'other'];
const facilityAt: Record<Position, string> = { requesting: FACILITIES.district.id, consulting: FACILITIES.central.id, other: FACILITIES.other.id };

/** The actor for a role at a position; the consulting expert is the one the scenarios invite. */
function actorFor(role: Role, pos: Position): Actor {
  const userId = role === 'consultant_expert' && pos === 'consulting' ? CAST.expert.userId : `${role}.${pos}`;
  return { userId, facilityId: facilityAt[pos], roles: [role] };
}

/** The expected answer, written from the matrix's meaning and the fixture (not from can()'s code). */
function expected(rule: Rule, pos: Position, actor: Actor, consult: Consult | undefined): boolean {
  const shared = consult !== undefined && consult.state !== 'draft';
  switch (rule) {
    case 'never':
      return false;
    case 'always':
    case 'ownFacility':
      return true;
    case 'requestingSide':
      return consult !== undefined && pos === 'requesting';
    case 'consultingSide':
      return shared && pos === 'consulting';
    case 'eitherSide':
      return consult !== undefined && (pos === 'requesting' || (shared && pos === 'consulting'));
    case 'invited':
      return shared && pos === 'consulting' && consult.invitations.some((i) => i.expertUserId === actor.userId && i.status !== 'declined');
  }
}

/** The first state where a command is legal, preferring a submitted consult over a draft. */
function stateFor(type: CommandType): ConsultState {
  const legal = CONSULT_STATES.filter((s) => specFor(s, type) !== undefined);
  return legal.find((s) => s !== 'draft') ?? (legal[0] as ConsultState);
}

describe('G-2.9 role × command × facility: 403 exactly where the matrix refuses', () => {
  const cases = COMMAND_TYPES.flatMap((c) => ROLES.flatMap((r) => POSITIONS.map((p) => [c, r, p] as [CommandType, Role, Position])));
  let refused = 0;
  it.each(cases)('%s by %s at the %s facility', (type, role, pos) => {
    const { consult, clock } = consultIn(stateFor(type));
    const actor = actorFor(role, pos);
    const allowed = expected(ACCESS_MATRIX[role][type], pos, actor, consult);
    const r = transition(consult, actor, sampleCommand(type, actor, consult, clock.now()), clock);
    if (allowed) {
      expect(r.ok || r.status !== 403, r.ok ? '' : r.reason).toBe(true);
    } else {
      refused += 1;
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.status).toBe(403);
      expect(['roleAllowed', 'sameFacility', 'invited']).toContain(r.guard);
      expect(r.rule).toBe('G-2.9');
      expect(r.audit[0]?.outcome).toBe('denied');
      expect('consult' in r).toBe(false);
    }
  });
  it('refuses most pairs and allows some for every command', () => {
    expect(refused).toBeGreaterThan(cases.length / 2);
    for (const c of COMMAND_TYPES) expect(ROLES.some((r) => ACCESS_MATRIX[r][c] !== 'never'), c).toBe(true);
  });
});

describe('G-2.9 role × read action × facility × state: can() matches the matrix', () => {
  const states: ConsultState[] = ['draft', 'submitted', 'scheduled', 'in_session', 'closed'];
  const cases = READ_ACTIONS.flatMap((a) => ROLES.flatMap((r) => POSITIONS.flatMap((p) => states.map((s) => [a, r, p, s] as [Action, Role, Position, ConsultState]))));
  it.each(cases)('%s by %s at the %s facility, consult %s', (action, role, pos, state) => {
    const { consult } = consultIn(state);
    const actor = actorFor(role, pos);
    const rule = ACCESS_MATRIX[role][action];
    const withConsult = action === 'create' || action === 'audit.read' || action === 'audit.verify' || action === 'consult.list' ? undefined : consult;
    expect(can(actor, action, withConsult).ok).toBe(expected(rule, pos, actor, withConsult));
  });
});

describe('G-2.9 access rules in words', () => {
  it('the matrix has a rule for every role × action', () => {
    for (const r of ROLES) expect(Object.keys(ACCESS_MATRIX[r]).sort()).toEqual([...ACTIONS].sort());
  });

  it('a consultant expert sees only consults they are invited to, and loses them by declining', () => {
    const { consult, clock } = consultIn('experts_invited');
    expect(can(CAST.expert, 'consult.read', consult).ok).toBe(true);
    const other = can(CAST.expert2, 'consult.read', consult);
    expect(other.ok ? '' : other.guard).toBe('invited');
    const declined = transition(consult, CAST.expert, { type: 'respondInvitation', response: 'decline', reason: 'Đi công tác.' }, clock);
    expect(declined.ok).toBe(true);
    if (!declined.ok) return;
    expect(can(CAST.expert, 'consult.read', declined.consult).ok).toBe(false);
    expect(can(CAST.expert, 'image.read', declined.consult).ok).toBe(false);
  });

  it('a draft stays with the requesting facility (nothing shared before consent and submission, G-2.12)', () => {
    const { consult } = consultIn('draft');
    expect(can(CAST.conCoordinator, 'consult.read', consult).ok).toBe(false);
    expect(can(CAST.conDirector, 'consult.read', consult).ok).toBe(false);
    expect(can(CAST.conIT, 'consult.read', consult).ok).toBe(false);
    expect(can(CAST.reqCoordinator, 'consult.read', consult).ok).toBe(true);
  });

  it('cross-facility: the same roles at a third facility are refused every read and command', () => {
    const { consult } = consultIn('in_session');
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const outsider: Actor = { userId: `x.${role}`, facilityId: FACILITIES.other.id, roles: [role] };
      for (const a of ACTIONS) {
        if (a === 'create' || a === 'consult.list' || a === 'audit.read') continue; // not about a consult
        expect(can(outsider, a, consult).ok, `${role} ${a}`).toBe(false);
      }
    }
  });

  it('admin sees every consult (logistics view) but no clinical content, no identity, no images, no commands', () => {
    const { consult } = consultIn('in_session');
    expect(can(CAST.admin, 'consult.read', consult).ok).toBe(true);
    for (const a of ['consult.readClinical', 'patient.identity', 'image.read', 'casePack.read'] as const) expect(can(CAST.admin, a, consult).ok).toBe(false);
    for (const c of COMMAND_TYPES) expect(can(CAST.admin, c, consult).ok).toBe(false);
    expect(auditScope(CAST.admin)).toEqual({ all: true });
  });

  it("directors see their facility's consults and read only their facility's audit entries", () => {
    const mine = consultIn('submitted').consult;
    const elsewhere: Consult = { ...mine, id: 'elsewhere', requestingFacilityId: FACILITIES.other.id };
    expect(filterVisible(CAST.reqDirector, [mine, elsewhere]).map((c) => c.id)).toEqual([mine.id]);
    expect(auditScope(CAST.reqDirector)).toEqual({ all: false, facilityId: FACILITIES.district.id });
    expect(auditScope(CAST.reqDoctor)).toBeNull();
  });

  it('a director approves only their own facility; IT tests only their own side (sameFacility)', () => {
    const { consult, clock } = consultIn('scheduled');
    const r = transition(consult, CAST.reqDirector, { type: 'approveParticipants', facilityId: FACILITIES.central.id }, clock);
    expect(r.ok ? 0 : [r.status, r.guard]).toEqual([403, 'sameFacility']);
    const t = consultIn('participants_approved');
    const it2 = transition(t.consult, CAST.reqIT, { type: 'recordConnectionTest', facilityId: FACILITIES.central.id, result: 'ok' }, t.clock);
    expect(it2.ok ? 0 : [it2.status, it2.guard]).toEqual([403, 'sameFacility']);
  });

  it('a coordinator lists participants only for their own side', () => {
    const { consult, clock } = consultIn('scheduled');
    const r = transition(consult, CAST.reqCoordinator, { type: 'proposeParticipants', facilityId: FACILITIES.central.id, participants: [{ userId: 'x', role: 'consultant_expert' }] }, clock);
    expect(r.ok ? 0 : [r.status, r.guard]).toEqual([403, 'sameFacility']);
  });

  it('authorization answers before the state: a refused actor never learns the state', () => {
    const { consult, clock } = consultIn('closed');
    const r = transition(consult, CAST.expert2, { type: 'accept' }, clock);
    expect(r.ok ? 0 : r.status).toBe(403);
  });

  it('the machine and the matrix agree: every legal transition has someone allowed to send it', () => {
    for (const s of CONSULT_STATES) {
      for (const c of Object.keys(MACHINE.states[s].on) as CommandType[]) {
        const { consult } = consultIn(s);
        expect(Object.values(CAST).some((a) => can(a, c, consult).ok), `${s} ${c}`).toBe(true);
      }
    }
  });
});

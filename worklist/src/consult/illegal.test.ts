import { describe, expect, it } from 'vitest';
import { CONSULT_STATES } from '../model/index.js';
import type { Actor, ConsultState } from '../model/index.js';
import { can } from '../policy/can.js';
import { CAST, consultIn, sampleCommand } from '../testing/scenario.js';
import { COMMAND_TYPES } from './events.js';
import type { CommandType } from './events.js';
import { specFor } from './machine.js';
import { transition } from './transition.js';

const cast: readonly Actor[] = Object.values(CAST);

const illegal: [ConsultState, CommandType][] = CONSULT_STATES.flatMap((s) =>
  COMMAND_TYPES.filter((c) => specFor(s, c) === undefined).map((c) => [s, c] as [ConsultState, CommandType]),
);

describe('every illegal command in every state answers 409 with the reason', () => {
  let with409 = 0;
  let hiddenFromEveryone = 0;

  it.each(illegal)('%s × %s', (state, type) => {
    const { consult, clock } = consultIn(state);
    const allowed = cast.filter((a) => can(a, type, consult).ok);
    if (allowed.length === 0) {
      // Nobody may even send it here (e.g. consulting-side commands on a draft, which only its own facility
      // sees; or answering an invitation before anyone is invited): authorization answers first, G-2.9.
      hiddenFromEveryone += 1;
      for (const a of cast) expect(transition(consult, a, sampleCommand(type, a, consult, clock.now()), clock).ok).toBe(false);
      const r = transition(consult, CAST.conCoordinator, sampleCommand(type, CAST.conCoordinator, consult, clock.now()), clock);
      expect(r.ok ? 0 : r.status).toBe(403);
      return;
    }
    for (const a of allowed) {
      const r = transition(consult, a, sampleCommand(type, a, consult, clock.now()), clock);
      expect(r.ok, `${a.userId} ${type} in ${state}`).toBe(false);
      if (r.ok) return;
      expect(r.status).toBe(409);
      expect(r.reason).toContain(type);
      expect(r.reason).toContain(state);
      expect(r.audit).toHaveLength(1);
      expect(r.audit[0]?.outcome).toBe('error');
    }
    with409 += 1;
  });

  it('covers the table', () => {
    expect(illegal.length).toBe(CONSULT_STATES.length * COMMAND_TYPES.length - CONSULT_STATES.reduce((n, s) => n + COMMAND_TYPES.filter((c) => specFor(s, c)).length, 0));
    expect(with409 + hiddenFromEveryone).toBe(illegal.length);
    expect(with409).toBeGreaterThan(illegal.length * 0.8);
  });
});

describe('every legal command in every state passes for the right actor with sample data', () => {
  const legal: [ConsultState, CommandType][] = CONSULT_STATES.flatMap((s) =>
    COMMAND_TYPES.filter((c) => specFor(s, c) !== undefined).map((c) => [s, c] as [ConsultState, CommandType]),
  );
  // Where the generated consult rightly refuses the sample: the guard that must answer.
  const refusedBy: Record<string, string> = {
    'experts_invited×schedule': 'expertAccepted', // the fixture stops before the expert answers
    'scheduled×respondInvitation': 'invitationPending', // the only invited expert already accepted
  };
  it.each(legal)('%s × %s', (state, type) => {
    const { consult, clock } = consultIn(state);
    const allowed = cast.filter((a) => can(a, type, consult).ok);
    expect(allowed.length, 'someone may send it').toBeGreaterThan(0);
    const results = allowed.map((a) => transition(consult, a, sampleCommand(type, a, consult, clock.now()), clock));
    const guard = refusedBy[`${state}×${type}`];
    if (guard !== undefined) {
      expect(results.map((r) => (r.ok ? 'ok' : r.guard))).toContain(guard);
      return;
    }
    const refusals = results.flatMap((r) => (r.ok ? [] : [`${r.status} ${r.guard}: ${r.reason}`]));
    expect(results.filter((r) => r.ok).length, refusals.join('; ')).toBeGreaterThan(0);
    // a legal command is never refused as illegal
    for (const r of results) if (!r.ok && r.status === 409) expect(r.guard).toBeDefined();
  });
});

import { describe, expect, it } from 'vitest';
import { CONSULT_STATES } from '../model/index.js';
import type { Consult, ConsultState } from '../model/index.js';
import { CAST, EMERGENCY_STEPS, PATIENT, ROUTINE_STEPS, consultIn, newDraft } from '../testing/scenario.js';
import { verifyChain, appendEntries } from '../audit/chain.js';
import { MACHINE, commandsIn, isFinal, specFor } from './machine.js';
import { transition } from './transition.js';
import type { Step } from '../testing/scenario.js';
import type { ManualClock } from '../testing/memory.js';

/** Runs steps, passing each snapshot through JSON as the gateway's store would. */
function walk(start: Consult, clock: ManualClock, steps: readonly Step[]) {
  let c = start;
  const audit = [];
  const notify = [];
  for (const s of steps) {
    if (s.advanceMs) clock.advance(s.advanceMs);
    const r = transition(JSON.parse(JSON.stringify(c)) as Consult, s.actor, s.command, clock, { patient: PATIENT });
    if (!r.ok) throw new Error(`${s.command.type}: ${r.status} ${r.reason}`);
    expect(r.consult.state, s.command.type).toBe(s.expect);
    expect(r.consult.rev).toBe(c.rev + 1);
    audit.push(...r.audit);
    notify.push(...r.notify);
    c = r.consult;
  }
  return { consult: c, audit, notify };
}

describe('shortest path draft → closed (G-3.2 … G-3.8)', () => {
  it('routine case: 24 h notice, intake, invitations, scheduling, approvals, tests, meeting, minutes', () => {
    const { consult, clock } = newDraft('routine');
    const { consult: done, audit, notify } = walk(consult, clock, ROUTINE_STEPS);
    expect(done.state).toBe('closed');
    expect(done.history.map((h) => h.to)).toEqual(ROUTINE_STEPS.map((s) => s.expect));
    expect(done.minutes?.signedBy?.userId).toBe(CAST.reqDirector.userId);
    expect(done.minutes?.agreedBy?.userId).toBe(CAST.conCoordinator.userId);
    expect(done.approvals.map((a) => a.facilityId).sort()).toEqual([consult.consultingFacilityId, consult.requestingFacilityId].sort());
    expect(done.participants.map((p) => p.userId)).toEqual([CAST.reqDoctor.userId, CAST.expert.userId]);
    // G-3.4: the requesting hospital is told the time.
    const scheduled = notify.find((n) => n.kind === 'consult.scheduled');
    expect(scheduled?.to).toContainEqual({ userId: CAST.reqDoctor.userId });
    expect(notify.every((n) => !n.urgent)).toBe(true);
    // every step audited, and the entries chain (G-2.11)
    expect(audit).toHaveLength(ROUTINE_STEPS.length);
    expect(audit.every((a) => a.outcome === 'ok' && a.objectId === consult.id)).toBe(true);
    expect(verifyChain(appendEntries(null, audit)).ok).toBe(true);
  });

  it('emergency: accepted with its experts and scheduled at once, everyone notified urgently (G-3.4)', () => {
    const { consult, clock } = newDraft('emergency');
    expect(consult.requestedTime).toBeNull();
    const { consult: done, notify } = walk(consult, clock, EMERGENCY_STEPS);
    expect(done.state).toBe('closed');
    const acceptedAt = done.history.find((h) => h.command === 'accept');
    expect(acceptedAt?.from).toBe('submitted');
    expect(acceptedAt?.to).toBe('scheduled');
    expect(done.schedule?.start).toBe(acceptedAt?.at);
    const n = notify.find((x) => x.kind === 'consult.emergencyScheduled');
    expect(n?.urgent).toBe(true);
    for (const r of [
      { userId: CAST.reqDoctor.userId },
      { userId: CAST.expert.userId },
      { facilityId: consult.consultingFacilityId, role: 'consulting_coordinator' },
      { facilityId: consult.requestingFacilityId, role: 'it_technician' },
      { facilityId: consult.consultingFacilityId, role: 'it_technician' },
      { facilityId: consult.requestingFacilityId, role: 'facility_director' },
      { facilityId: consult.consultingFacilityId, role: 'facility_director' },
    ]) {
      expect(n?.to).toContainEqual(r);
    }
    expect(notify.find((x) => x.kind === 'consult.submitted')?.urgent).toBe(true);
  });

  it.each(CONSULT_STATES.map((s) => [s]))('a consult can be brought to %s through real transitions', (state) => {
    expect(consultIn(state as ConsultState).consult.state).toBe(state);
  });
});

describe('the machine table', () => {
  it('reaches every state from draft, and every non-final state can reach a final one', () => {
    const edges = (s: ConsultState): ConsultState[] => commandsIn(s).flatMap((c) => [...(specFor(s, c)?.targets ?? [])]);
    const reach = (from: ConsultState): Set<ConsultState> => {
      const seen = new Set<ConsultState>([from]);
      const queue = [from];
      while (queue.length) for (const n of edges(queue.shift() as ConsultState)) if (!seen.has(n)) (seen.add(n), queue.push(n));
      return seen;
    };
    expect([...reach(MACHINE.initial)].sort()).toEqual([...CONSULT_STATES].sort());
    for (const s of CONSULT_STATES) {
      if (isFinal(s)) continue;
      expect([...reach(s)].some(isFinal), s).toBe(true);
    }
  });

  it('final states accept nothing but follow-ups (G-3.8)', () => {
    expect(commandsIn('declined')).toEqual([]);
    expect(commandsIn('cancelled')).toEqual([]);
    expect(commandsIn('closed')).toEqual(['addFollowUp']);
  });
});

import { describe, expect, it } from 'vitest';
import { verifyChain } from './audit/chain.js';
import { executeCommand, executeCreate, readConsult } from './service.js';
import type { WorklistDeps } from './service.js';
import { ManualClock, MemoryConsultRepo, MemoryPatientRepo, RecordingNotifier } from './testing/memory.js';
import { CAST, FACILITIES, PATIENT, ROUTINE_STEPS, SUMMARY, T0 } from './testing/scenario.js';

function deps(): WorklistDeps & { consults: MemoryConsultRepo; notifier: RecordingNotifier; clock: ManualClock } {
  return { consults: new MemoryConsultRepo(), patients: new MemoryPatientRepo([PATIENT]), notifier: new RecordingNotifier(), clock: new ManualClock(T0) };
}

describe('reference use-cases over the ports (what the gateway routes do)', () => {
  it('runs the routine path, saving each snapshot and a verifiable audit chain (G-2.11)', async () => {
    const d = deps();
    const created = await executeCreate(d, CAST.reqDoctor, {
      id: 'hc-1', type: 'case', urgency: 'routine', requesting: FACILITIES.district, consulting: FACILITIES.central, patient: PATIENT,
      caseSummary: SUMMARY, requestedTime: new Date(Date.parse(T0) + 3 * 86_400_000).toISOString(),
    });
    expect(created.ok).toBe(true);
    for (const s of ROUTINE_STEPS) {
      if (s.advanceMs) d.clock.advance(s.advanceMs);
      const r = await executeCommand(d, s.actor, 'hc-1', s.command);
      expect(r.ok ? r.view.state : r.reason).toBe(s.expect);
    }
    expect((await d.consults.load('hc-1'))?.state).toBe('closed');
    expect(d.consults.audit.entries).toHaveLength(1 + ROUTINE_STEPS.length);
    expect(verifyChain(d.consults.audit.entries).ok).toBe(true);
    expect(d.notifier.sent.length).toBeGreaterThan(5);
  });

  it('audits refusals, saves nothing for them, and sends no notification', async () => {
    const d = deps();
    await executeCreate(d, CAST.reqDoctor, { id: 'hc-2', type: 'case', urgency: 'emergency', requesting: FACILITIES.district, consulting: FACILITIES.central, patient: PATIENT, caseSummary: SUMMARY });
    const r = await executeCommand(d, CAST.expert, 'hc-2', { type: 'submit' });
    expect(r.ok ? 0 : r.status).toBe(403);
    const missing = await executeCommand(d, CAST.reqDoctor, 'nope', { type: 'submit' });
    expect(missing.ok ? 0 : missing.status).toBe(404);
    expect((await d.consults.load('hc-2'))?.rev).toBe(1);
    expect(d.consults.audit.entries.map((e) => e.outcome)).toEqual(['ok', 'denied', 'error']);
    expect(d.notifier.sent).toEqual([]);
  });

  it('the requesting side reads identity; the consulting side reads the pseudonym; every read is audited', async () => {
    const d = deps();
    await executeCreate(d, CAST.reqDoctor, { id: 'hc-3', type: 'case', urgency: 'emergency', requesting: FACILITIES.district, consulting: FACILITIES.central, patient: PATIENT, caseSummary: SUMMARY });
    await executeCommand(d, CAST.reqDoctor, 'hc-3', { type: 'recordConsent', method: 'paper', signer: 'patient' });
    await executeCommand(d, CAST.reqDoctor, 'hc-3', { type: 'submit' });
    const mine = await readConsult(d, CAST.reqDoctor, 'hc-3');
    expect(mine.ok && mine.view.patient.identity?.fullName).toBe(PATIENT.identity.fullName);
    const theirs = await readConsult(d, CAST.conCoordinator, 'hc-3');
    expect(theirs.ok && theirs.view.patient).toEqual({ pseudonym: PATIENT.pseudonym });
    const expert = await readConsult(d, CAST.expert, 'hc-3');
    expect(expert.ok ? 0 : expert.status).toBe(403);
    expect(d.consults.audit.entries.slice(-3).map((e) => [e.action, e.outcome])).toEqual([['consult.read', 'ok'], ['consult.read', 'ok'], ['consult.read', 'denied']]);
  });

  it('the G-2.3 check runs with the patient the repository holds', async () => {
    const d = deps();
    await executeCreate(d, CAST.reqDoctor, { id: 'hc-4', type: 'case', urgency: 'emergency', requesting: FACILITIES.district, consulting: FACILITIES.central, patient: PATIENT, caseSummary: { ...SUMMARY, history: `BN ${PATIENT.identity.fullName} đau ngực` } });
    await executeCommand(d, CAST.reqDoctor, 'hc-4', { type: 'recordConsent', method: 'paper', signer: 'patient' });
    const r = await executeCommand(d, CAST.reqDoctor, 'hc-4', { type: 'submit' });
    expect(r.ok ? 0 : r.guard).toBe('noIdentityInText');
  });
});

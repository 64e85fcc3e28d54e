import { auditAccess } from './audit/auditAccess.js';
import { createDraft } from './consult/createDraft.js';
import type { NewConsult } from './consult/createDraft.js';
import type { Command } from './consult/events.js';
import type { GuardName, GuidelineId } from './consult/guards.js';
import { transition } from './consult/transition.js';
import type { Actor, Patient } from './model/index.js';
import { can } from './policy/can.js';
import { viewFor } from './policy/viewFor.js';
import type { ConsultView } from './policy/viewFor.js';
import type { Clock, ConsultRepo, Notifier, PatientRepo } from './ports.js';

/** What the reference use-cases need; the gateway builds it from its index and live feed. */
export interface WorklistDeps {
  readonly consults: ConsultRepo;
  /** Present at a requesting facility: identities for its own roles' views and the G-2.3 text check. */
  readonly patients?: PatientRepo;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

/** A use-case's answer, ready for HTTP: the actor's view, or a status and reason. */
export type UseCaseResult =
  | { readonly ok: true; readonly view: ConsultView }
  | { readonly ok: false; readonly status: 403 | 404 | 409 | 422; readonly reason: string; readonly guard?: GuardName; readonly rule?: GuidelineId };

async function patientFor(deps: WorklistDeps, actor: Actor, patientId: string, requestingFacilityId: string): Promise<Patient | undefined> {
  if (deps.patients === undefined || actor.facilityId !== requestingFacilityId) return undefined;
  return (await deps.patients.load(patientId)) ?? undefined;
}

/**
 * The reference flow for one command (what an API route does): in one transaction load the consult, run
 * `transition()`, save the snapshot with its rev check and chain the audit entries (a refusal's audit entry
 * too); after commit, send the notifications. Unknown consult → 404 (audited as an error).
 */
export async function executeCommand(deps: WorklistDeps, actor: Actor, consultId: string, command: Command): Promise<UseCaseResult> {
  const out = await deps.consults.transaction(async (tx) => {
    const consult = await tx.load(consultId);
    if (consult === null) {
      await tx.audit.append([
        auditAccess({ actor, action: `consult.${String(command?.type)}`, objectType: 'consult', objectId: consultId, now: deps.clock.now(), outcome: 'error', detail: { status: 404 } }),
      ]);
      return { result: { ok: false, status: 404, reason: 'no such consult' } as const, notify: [] };
    }
    const patient = await patientFor(deps, actor, consult.patientId, consult.requestingFacilityId);
    const r = transition(consult, actor, command, deps.clock, patient !== undefined ? { patient } : {});
    await tx.audit.append(r.audit);
    if (!r.ok) {
      const { audit: _audit, ok: _ok, ...rest } = r;
      return { result: { ok: false as const, ...rest }, notify: [] };
    }
    await tx.save(r.consult, consult.rev);
    const view = viewFor(actor, r.consult, patient);
    if (view === null) throw new Error('worklist: the actor cannot read the consult they just changed');
    return { result: { ok: true as const, view }, notify: r.notify };
  });
  if (out.notify.length > 0) await deps.notifier.notify(out.notify);
  return out.result;
}

/** The reference flow for registering a draft (POST /api/consults). */
export async function executeCreate(deps: WorklistDeps, actor: Actor, input: NewConsult): Promise<UseCaseResult> {
  return deps.consults.transaction(async (tx) => {
    const r = createDraft(actor, input, deps.clock);
    await tx.audit.append(r.audit);
    if (!r.ok) {
      const { audit: _audit, ok: _ok, ...rest } = r;
      return { ok: false as const, ...rest };
    }
    await tx.insert(r.consult);
    const view = viewFor(actor, r.consult);
    if (view === null) throw new Error('worklist: the creator cannot read the new consult');
    return { ok: true as const, view };
  });
}

/** The reference flow for reading one consult (GET /api/consults/:id): the actor's view, every access audited (G-2.11). */
export async function readConsult(deps: WorklistDeps, actor: Actor, consultId: string): Promise<UseCaseResult> {
  return deps.consults.transaction(async (tx) => {
    const now = deps.clock.now();
    const consult = await tx.load(consultId);
    if (consult === null) {
      await tx.audit.append([auditAccess({ actor, action: 'consult.read', objectType: 'consult', objectId: consultId, now, outcome: 'error', detail: { status: 404 } })]);
      return { ok: false as const, status: 404 as const, reason: 'no such consult' };
    }
    const decision = can(actor, 'consult.read', consult);
    await tx.audit.append([auditAccess({ actor, action: 'consult.read', objectType: 'consult', objectId: consultId, now, decision })]);
    if (!decision.ok) return { ok: false as const, status: 403 as const, reason: decision.reason, guard: decision.guard, rule: decision.ruleId };
    const patient = await patientFor(deps, actor, consult.patientId, consult.requestingFacilityId);
    const view = viewFor(actor, consult, patient);
    return view === null ? { ok: false as const, status: 403 as const, reason: 'not allowed' } : { ok: true as const, view };
  });
}

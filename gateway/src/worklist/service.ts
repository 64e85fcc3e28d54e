import {
  auditAccess, auditScope, can, commandsIn, createDraft, filterVisible, systemClock, transition, viewFor,
  type Actor, type AuditEntry, type AuditEntryFields, type AuditQuery, type Clock, type Command, type CommandType,
  type Consult, type ConsultState, type ConsultView, type GuardName, type GuidelineId, type Patient, type PatientIdentity,
} from '@hoichan/worklist';
import crypto from 'node:crypto';
import type { IndexDb } from '../archive/index/openIndex.js';
import { HoiError } from '../errors.js';
import { readAudit, verifyAuditLog } from './auditStore.js';
import { AccessLog } from './accessLog.js';
import { KyselyConsultRepo, loadPatient, type WorklistTx } from './consultRepo.js';
import { Directory } from './directory.js';
import type { IdentityVault } from './identityVault.js';
import { LiveFeed } from './liveFeed.js';
import { worklistDb, type WDb } from './tables.js';

/** A consult as an API answer: the actor's view plus the commands they may send now. */
export type ConsultAnswer = ConsultView & { readonly allowedCommands: readonly CommandType[] };

/** What POST /api/consults takes (schemas.ts createConsultSchema). */
export interface CreateConsultBody {
  readonly type: 'case' | 'training';
  readonly urgency: 'routine' | 'emergency';
  readonly consultingFacilityId: string;
  readonly patient: { readonly id?: string; readonly identity?: PatientIdentity };
  readonly caseSummary?: Record<string, string>;
  readonly requestedTime?: string;
}

/** A refusal carried as a problem+json (status from the worklist: 403/404/409/422). */
export function refusal(status: number, reason: string, guard?: GuardName | string, rule?: GuidelineId | string): HoiError {
  const code = status === 403 ? 'HOI_ERR_FORBIDDEN' : status === 404 ? 'HOI_ERR_NOT_FOUND' : status === 409 ? 'HOI_ERR_CONFLICT' : 'HOI_ERR_UNPROCESSABLE';
  return new HoiError(code, reason, { reason, ...(guard !== undefined ? { guard } : {}), ...(rule !== undefined ? { rule } : {}) });
}

const GENERIC_404 = 'no such consult';

/**
 * The worklist inside the gateway: the same order as `@hoichan/worklist`'s service.ts (load and lock, transition,
 * chain the audit entries in the same transaction, refusals included, save with the rev check, notify after
 * commit), plus what stays with the gateway: the users and patients behind the ids, the list, the audit reads.
 */
export class Worklist {
  readonly db: WDb;
  readonly repo: KyselyConsultRepo;
  readonly directory: Directory;
  readonly feed = new LiveFeed();
  /** Image and DIMSE accesses (G-2.11), chained in batches. */
  readonly accessLog: AccessLog;
  /**
   * Run after a command commits, before its answer returns (e.g. the signed minutes go into the case pack, G-3.7).
   * The step is already committed: a hook reports its own failures and must not throw.
   */
  readonly afterCommit: ((e: { readonly actor: Actor; readonly command: Command; readonly consult: Consult }) => Promise<void>)[] = [];

  /** `vault` seals patients' identities at rest (IdentityVault.open(dataDir) in the gateway). */
  constructor(readonly index: IndexDb, readonly vault: IdentityVault, readonly clock: Clock = systemClock) {
    this.db = worklistDb(index.db);
    this.repo = new KyselyConsultRepo(this.db, index.dialect, vault);
    this.directory = new Directory(this.db, vault);
    this.accessLog = new AccessLog(this.db, index.dialect, undefined, index.sqlite ?? null);
  }

  answer(actor: Actor, consult: Consult, patient: Patient | null): ConsultAnswer | null {
    const view = viewFor(actor, consult, patient ?? undefined);
    if (view === null) return null;
    const allowedCommands = commandsIn(consult.state).filter((c) => can(actor, c, consult).ok);
    return { ...view, allowedCommands };
  }

  /** POST /api/consults: registers the patient when new, then `createDraft()`; audited either way. */
  async create(actor: Actor, body: CreateConsultBody): Promise<ConsultAnswer> {
    const result = await this.repo.transaction(async (tx) => {
      const id = `hc-${new Date(this.clock.now()).toISOString().slice(0, 10).replace(/-/g, '')}-${crypto.randomBytes(4).toString('hex')}`;
      const fail = async (status: 403 | 404 | 422, reason: string, guard?: string, rule?: string) => {
        await tx.audit.append([auditAccess({ actor, action: 'consult.create', objectType: 'consult', objectId: id, now: this.clock.now(), outcome: status === 403 ? 'denied' : 'error', detail: { status } })]);
        return { error: refusal(status, reason, guard, rule) };
      };
      const decision = can(actor, 'create');
      if (!decision.ok) return fail(403, decision.reason, decision.guard, decision.ruleId);
      const requesting = await this.directory.facility(actor.facilityId, tx.trx);
      if (!requesting) return fail(422, 'your account has no facility: ask an admin to attach it');
      const consulting = await this.directory.facility(body.consultingFacilityId, tx.trx);
      if (!consulting) return fail(422, `no facility ${body.consultingFacilityId}`);
      let patient: Patient | null;
      if (body.patient.id !== undefined) {
        patient = await tx.patient(body.patient.id);
        if (!patient || patient.facilityId !== actor.facilityId) return fail(422, `no patient ${body.patient.id} at ${requesting.name}`);
      } else if (body.patient.identity !== undefined) {
        patient = await this.directory.createPatient(tx.trx, actor.facilityId, body.patient.identity);
      } else return fail(422, 'patient: give the id of a registered patient or the identity of a new one');
      const r = createDraft(actor, {
        id, type: body.type, urgency: body.urgency, requesting, consulting, patient,
        ...(body.caseSummary !== undefined ? { caseSummary: body.caseSummary } : {}),
        ...(body.requestedTime !== undefined ? { requestedTime: body.requestedTime } : {}),
      }, this.clock);
      await tx.audit.append(r.audit);
      if (!r.ok) return { error: refusal(r.status, r.reason, r.guard, r.rule) };
      await tx.insert(r.consult);
      return { answer: this.answer(actor, r.consult, patient)! };
    });
    if ('error' in result) throw result.error;
    return result.answer;
  }

  /**
   * PUT /api/patients/:id/pacs-ids: sets the PACS Patient IDs a case pack's studies are checked against. Only the
   * requesting side of the patient's own facility (G-2.3: the identity stays there) may; audited, refusals too.
   */
  async setPatientIds(actor: Actor, patientId: string, patientIds: NonNullable<PatientIdentity['patientIds']>): Promise<{ id: string; pseudonym: string; patientIds: NonNullable<PatientIdentity['patientIds']> }> {
    const r = await this.repo.transaction(async (tx) => {
      const now = this.clock.now();
      const log = (outcome: 'ok' | 'denied' | 'error', detail: Record<string, string | number>) =>
        tx.audit.append([auditAccess({ actor, action: 'patient.setPacsIds', objectType: 'patient', objectId: patientId, now, outcome, detail })]);
      const patient = await tx.patient(patientId);
      if (!patient || patient.facilityId !== actor.facilityId) {
        // Another facility's patient answers like a missing one: its existence is not disclosed.
        await log('error', { status: 404 });
        return { error: refusal(404, `no patient ${patientId} at your facility`) };
      }
      if (!actor.roles.some((role) => role === 'requesting_doctor' || role === 'requesting_coordinator')) {
        await log('denied', { status: 403, reason: 'only the requesting doctor or coordinator edits a patient' });
        return { error: refusal(403, 'only the requesting doctor or coordinator of the patient\'s facility may edit its PACS ids', 'roleAllowed', 'G-2.9') };
      }
      const identity: PatientIdentity = { ...patient.identity, patientIds };
      await this.directory.updateIdentity(tx.trx, patient.id, identity);
      await log('ok', { count: patientIds.length });
      return { answer: { id: patient.id, pseudonym: patient.pseudonym, patientIds } };
    });
    if ('error' in r) throw r.error;
    return r.answer;
  }

  /** GET /api/consults/:id: the actor's view; the access is audited (G-2.11), refusals too. */
  async read(actor: Actor, id: string, action = 'consult.read'): Promise<ConsultAnswer> {
    const r = await this.repo.transaction(async (tx) => {
      const now = this.clock.now();
      const consult = await tx.load(id);
      if (!consult) {
        await tx.audit.append([auditAccess({ actor, action, objectType: 'consult', objectId: id, now, outcome: 'error', detail: { status: 404 } })]);
        return { error: refusal(404, GENERIC_404) };
      }
      const decision = can(actor, 'consult.read', consult);
      await tx.audit.append([auditAccess({ actor, action, objectType: 'consult', objectId: id, now, decision })]);
      if (!decision.ok) return { error: refusal(403, decision.reason, decision.guard, decision.ruleId) };
      return { answer: this.answer(actor, consult, await tx.patient(consult.patientId))! };
    });
    if ('error' in r) throw r.error;
    return r.answer;
  }

  /** GET /api/consults: what the actor may read (G-2.9), emergencies first; one audit entry per listing. */
  async list(actor: Actor, q: { states?: ConsultState[]; urgency?: string; facilityId?: string; limit?: number }): Promise<ConsultAnswer[]> {
    const decision = can(actor, 'consult.list');
    const now = this.clock.now();
    if (!decision.ok) {
      await this.appendNow([auditAccess({ actor, action: 'consult.list', objectType: 'consult', objectId: '*', now, decision })]);
      throw refusal(403, decision.reason, decision.guard, decision.ruleId);
    }
    const all = decision.rule === 'always';
    // Narrow in SQL to the actor's facility (and invitations), then let the policy decide row by row.
    const rows = await this.repo.list({
      ...(q.states ? { states: q.states } : {}), ...(q.urgency ? { urgency: q.urgency } : {}), limit: q.limit ?? 200,
      ...(all ? (q.facilityId ? { facilityId: q.facilityId } : {}) : { facilityId: actor.facilityId, expertUserId: actor.userId }),
    });
    const visible = filterVisible(actor, rows).filter((c) => !q.facilityId || c.requestingFacilityId === q.facilityId || c.consultingFacilityId === q.facilityId);
    const patients = new Map<string, Patient | null>();
    const out: ConsultAnswer[] = [];
    for (const c of visible) {
      if (can(actor, 'patient.identity', c).ok && !patients.has(c.patientId)) patients.set(c.patientId, await loadPatient(this.db, c.patientId, this.vault));
      out.push(this.answer(actor, c, patients.get(c.patientId) ?? null)!);
    }
    await this.appendNow([auditAccess({ actor, action: 'consult.list', objectType: 'consult', objectId: '*', now, decision, detail: { count: out.length, ids: out.slice(0, 40).map((c) => c.id).join(' ') } })]);
    return out;
  }

  /**
   * POST /api/consults/:id/commands. `expectedRev` (If-Match) refuses a stale client with 409 before anything runs.
   * The gateway's own checks (the users behind expert and participant ids) run after the worklist's.
   */
  async command(actor: Actor, id: string, command: Command, expectedRev?: number): Promise<ConsultAnswer> {
    const out = await this.repo.transaction(async (tx) => {
      const now = this.clock.now();
      const consult = await tx.load(id);
      const fail = async (status: 403 | 404 | 409 | 422, reason: string, guard?: string, rule?: string) => {
        await tx.audit.append([auditAccess({ actor, action: `consult.${command.type}`, objectType: 'consult', objectId: id, now, outcome: status === 403 ? 'denied' : 'error', detail: { status, ...(guard ? { guard } : {}) } })]);
        return { error: refusal(status, reason, guard, rule) };
      };
      if (!consult) return fail(404, GENERIC_404);
      const patient = await tx.patient(consult.patientId);
      const r = transition(consult, actor, command, this.clock, patient ? { patient } : {});
      if (!r.ok) {
        await tx.audit.append(r.audit);
        return { error: refusal(r.status, r.reason, r.guard, r.rule) };
      }
      if (expectedRev !== undefined && expectedRev !== consult.rev) return fail(409, `consult ${id} is at rev ${consult.rev}, not ${expectedRev}: reload it`);
      const bad = await this.checkUsers(tx, consult, command);
      if (bad) return fail(422, bad.reason, bad.guard, bad.rule);
      await tx.audit.append(r.audit);
      await tx.save(r.consult, consult.rev);
      return { answer: this.answer(actor, r.consult, patient)!, notify: r.notify, consult: r.consult };
    });
    if ('error' in out) throw out.error;
    if (out.notify.length > 0) await this.feed.notify(out.notify);
    for (const hook of this.afterCommit) await hook({ actor, command, consult: out.consult }).catch(() => undefined);
    return out.answer;
  }

  /** The users behind the ids a command names exist and hold the expected role at the expected facility. */
  private async checkUsers(tx: WorklistTx, consult: Consult, command: Command): Promise<{ reason: string; guard: string; rule: string } | null> {
    const holds = async (userId: string, facilityId: string, role: string): Promise<boolean> => {
      const u = await tx.trx.selectFrom('users').select(['roles', 'facility_id']).where('username', '=', userId).where('disabled', '=', 0).executeTakeFirst();
      return !!u && u.facility_id === facilityId && (JSON.parse(u.roles) as string[]).includes(role);
    };
    if ((command.type === 'accept' || command.type === 'inviteExperts') && command.experts) {
      for (const e of command.experts) {
        if (!(await holds(e.expertUserId, consult.consultingFacilityId, 'consultant_expert'))) {
          return { reason: `${e.expertUserId} is not a consultant expert of the consulting facility`, guard: 'expertsValid', rule: 'G-3.4' };
        }
      }
    }
    if (command.type === 'proposeParticipants') {
      for (const p of command.participants) {
        if (!(await holds(p.userId, command.facilityId, p.role))) {
          return { reason: `${p.userId} is not a ${p.role} of ${command.facilityId}`, guard: 'participantsValid', rule: 'G-2.7' };
        }
      }
    }
    return null;
  }

  /** GET /api/audit (and a consult's entries): admins all, directors their facility's (G-2.11); the read is audited. */
  async auditRead(actor: Actor, q: AuditQuery): Promise<AuditEntry[]> {
    const scope = auditScope(actor);
    const now = this.clock.now();
    const objectId = q.objectId ?? '*';
    if (scope === null) {
      const decision = can(actor, 'audit.read');
      await this.appendNow([auditAccess({ actor, action: 'audit.read', objectType: 'audit', objectId, now, ...(decision.ok ? { outcome: 'denied' } : { decision }) })]);
      throw refusal(403, decision.ok ? 'audit.read needs a facility' : decision.reason, decision.ok ? 'sameFacility' : decision.guard, 'G-2.11');
    }
    const scoped: AuditQuery = scope.all ? q : { ...q, facilityId: scope.facilityId };
    const entries = await readAudit(this.db, scoped);
    await this.appendNow([auditAccess({ actor, action: 'audit.read', objectType: 'audit', objectId, now, outcome: 'ok', detail: { count: entries.length } })]);
    return entries;
  }

  /** GET /api/audit/verify and `hoichan audit verify`. */
  async auditVerify(actor: Actor | null, expectedHead?: { seq: number; hash: string }) {
    if (actor !== null) {
      const d = can(actor, 'audit.verify');
      if (!d.ok) {
        await this.appendNow([auditAccess({ actor, action: 'audit.verify', objectType: 'audit', objectId: '*', now: this.clock.now(), decision: d })]);
        throw refusal(403, d.reason, d.guard, d.ruleId);
      }
    }
    await this.accessLog.flush();
    const v = await verifyAuditLog(this.db, expectedHead ? { expectedHead } : {});
    if (actor !== null) await this.appendNow([auditAccess({ actor, action: 'audit.verify', objectType: 'audit', objectId: '*', now: this.clock.now(), outcome: v.ok ? 'ok' : 'error', detail: v.ok ? { count: v.count } : { brokenAt: v.brokenAt } })]);
    return v;
  }

  /** Appends audit entries in their own transaction (reads and refusals outside a consult transaction). */
  async appendNow(fields: readonly AuditEntryFields[]): Promise<void> {
    await this.repo.transaction((tx) => tx.audit.append(fields));
  }

  async close(): Promise<void> {
    await this.accessLog.flush();
  }
}

import type { AuditDetail, AuditEntryFields, AuditOutcome } from '../audit/AuditEntry.js';
import { auditRole } from '../audit/auditAccess.js';
import type { Actor, Consult, Patient } from '../model/index.js';
import { can } from '../policy/can.js';
import type { Decision } from '../policy/can.js';
import type { Clock } from '../ports.js';
import { APPLY } from './actions.js';
import type { ActionContext, Applied } from './actions.js';
import { COMMAND_TYPES } from './events.js';
import type { Command, CommandType } from './events.js';
import { GUARDS } from './guards.js';
import type { GuardContext, GuardName, GuidelineId } from './guards.js';
import { specFor } from './machine.js';
import type { Notification } from './notifications.js';

/** The command was applied: the new snapshot, the audit entries to chain, the notifications to send. */
export interface TransitionOk {
  readonly ok: true;
  readonly consult: Consult;
  /** Unchained (no seq/hash yet): `AuditSink.append()` chains them in the same transaction as the save. */
  readonly audit: readonly AuditEntryFields[];
  readonly notify: readonly Notification[];
}

/**
 * The command was refused: 403 (not allowed for this actor, G-2.9), 409 (not in this state), 422 (data
 * missing or invalid). `audit` records the attempt (G-2.11); write it even though nothing else is saved.
 */
export interface TransitionFailure {
  readonly ok: false;
  readonly status: 403 | 409 | 422;
  readonly reason: string;
  /** The guard that refused (guards.ts), when one did. */
  readonly guard?: GuardName;
  /** The guideline rule that guard enforces. */
  readonly rule?: GuidelineId;
  readonly audit: readonly AuditEntryFields[];
}

/** `transition()`'s answer. */
export type TransitionResult = TransitionOk | TransitionFailure;

/** Extra inputs the gateway may pass. */
export interface TransitionOptions {
  /**
   * The consult's patient, when the requesting facility's gateway has it: enables `noIdentityInText` (G-2.3).
   * Must be the consult's patient.
   */
  readonly patient?: Patient;
}

/** The audit fields of one attempt on a consult. */
export function consultAudit(
  consult: Consult,
  actor: Actor,
  action: string,
  at: string,
  outcome: AuditOutcome,
  decision?: Decision,
  detail?: AuditDetail,
): AuditEntryFields {
  return {
    at,
    userId: actor.userId,
    facilityId: actor.facilityId,
    role: auditRole(actor, decision),
    action: `consult.${action}`,
    objectType: 'consult',
    objectId: consult.id,
    outcome,
    ...(detail !== undefined ? { detail } : {}),
  };
}

/**
 * Applies one command to a consult: pure (no I/O, never mutates `consult` or `command`), the time from `clock`.
 * Order of checks: known command (422) → the actor may send it to this consult: role, facility, invitation
 * (403, G-2.9) → the state allows it (409, machine.ts) → the transition's guards in order (409/422) → apply.
 * On success the snapshot's rev is +1 and one history entry is added.
 */
export function transition(consult: Consult, actor: Actor, command: Command, clock: Clock, options: TransitionOptions = {}): TransitionResult {
  const now = clock.now();
  const at = now.toISOString();
  const type = (command as { type?: unknown } | null)?.type;
  const from = consult.state;

  const fail = (status: 403 | 409 | 422, reason: string, guard?: GuardName, decision?: Decision): TransitionFailure => {
    const outcome: AuditOutcome = status === 403 ? 'denied' : 'error';
    const g = guard !== undefined ? GUARDS[guard] : undefined;
    const detail: AuditDetail = { status, state: from, ...(guard !== undefined ? { guard } : {}) };
    return {
      ok: false,
      status,
      reason,
      ...(g !== undefined ? { guard: guard as GuardName, rule: g.rule } : {}),
      audit: [consultAudit(consult, actor, typeof type === 'string' ? type : 'unknown', at, outcome, decision, detail)],
    };
  };

  if (typeof type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(type)) {
    return fail(422, `unknown command ${JSON.stringify(type)}`);
  }
  if (options.patient !== undefined && options.patient.id !== consult.patientId) {
    throw new TypeError(`transition: patient ${options.patient.id} is not the patient of consult ${consult.id}`);
  }

  const decision = can(actor, command.type, consult);
  if (!decision.ok) return fail(403, decision.reason, decision.guard, decision);

  const ctx: GuardContext = { consult, actor, command, now, ...(options.patient !== undefined ? { patient: options.patient } : {}) };
  const facilityCheck = GUARDS.sameFacility.check(ctx);
  if (facilityCheck !== null) return fail(403, facilityCheck, 'sameFacility', decision);

  const spec = specFor(from, command.type);
  if (spec === undefined) {
    return fail(409, `${command.type} is not allowed when the consult is ${from}`, undefined, decision);
  }
  for (const name of spec.guards) {
    const g = GUARDS[name];
    const reason = g.check(ctx);
    if (reason !== null) return fail(g.status, reason, name, decision);
  }

  const actionCtx: ActionContext<Command> = { consult, actor, role: decision.role, command, now, at };
  const applied = (APPLY[command.type] as (c: ActionContext<Command>) => Applied)(actionCtx);
  if (!spec.targets.includes(applied.to)) {
    throw new Error(`worklist machine: ${command.type} from ${from} led to ${applied.to}, not in ${spec.targets.join('|')}`);
  }
  const next: Consult = {
    ...consult,
    ...applied.changes,
    state: applied.to,
    rev: consult.rev + 1,
    history: [...consult.history, { at, userId: actor.userId, role: decision.role, command: command.type, from, to: applied.to }],
  };
  const detail: AuditDetail = { from, to: applied.to, ...applied.detail };
  return {
    ok: true,
    consult: next,
    audit: [consultAudit(consult, actor, command.type, at, 'ok', decision, detail)],
    notify: applied.notify(next).filter((n) => n.to.length > 0),
  };
}

/** True when `type` names a command (for parsing API input). */
export function isCommandType(type: unknown): type is CommandType {
  return typeof type === 'string' && (COMMAND_TYPES as readonly string[]).includes(type);
}

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditAccess, CONSULT_STATES, type Consult, type Facility, type Role } from '@hoichan/worklist';
import { consultIn, EMERGENCY_STEPS, newDraft, PATIENT, runSteps, T0 } from '@hoichan/worklist/testing';
import type { Accounts } from '../auth/Accounts.js';
import { hashPassword } from '../auth/password.js';
import type { Worklist } from './service.js';

interface DemoFile {
  readonly password: string;
  readonly facilities: readonly Facility[];
  readonly users: readonly { username: string; displayName: string; facilityId: string; roles: Role[] }[];
  readonly adminFacilityId: string;
  readonly emergency: boolean;
}

/** fixtures/demo/demo.json at the repository root (from src/worklist or dist/worklist alike). */
export const DEMO_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/demo/demo.json');

/** What was loaded, for the start banner. */
export interface DemoLoaded {
  readonly loaded: boolean;
  readonly password: string;
  readonly logins: readonly { username: string; displayName: string; facility: string; roles: readonly string[] }[];
  readonly consults: number;
}

export interface DemoOptions {
  /** The data set (default fixtures/demo/demo.json). */
  readonly file?: string;
  /** The load time the consults are placed around (default: the worklist's clock; tests inject a fixed one). */
  readonly now?: Date;
}

/**
 * Where a scenario starts so that its last step happens at `now`: each consult's story ends at the load time, so a
 * new user sees upcoming sessions on the consults before the meeting (scheduled 3 days after the draft), the
 * in-session one meeting now, the signed and closed ones in the recent past, and the emergency scheduled now.
 * Deterministic for a given `now` (the scenarios' steps are fixed durations).
 */
function startFor(build: (t0: string) => Consult, now: Date): string {
  const t0 = new Date(T0).getTime();
  const last = (c: Consult) => Math.max(...c.history.map((h) => new Date(h.at).getTime()), new Date(c.createdBy.at).getTime());
  return new Date(now.getTime() - (last(build(T0)) - t0)).toISOString();
}

/**
 * Loads the demo data set (fixtures/demo): facilities, one user per role, the patient, a consult at each state
 * built through the real transitions (`consultIn`), and an emergency, dated relative to `now` (startFor).
 * Idempotent: skipped when the first demo facility exists already.
 */
// `_accounts`: kept in the signature for callers; demo users are inserted with one shared hash (see below).
export async function loadDemo(worklist: Worklist, _accounts: Accounts, opts: DemoOptions = {}): Promise<DemoLoaded> {
  const file = opts.file ?? DEMO_FILE;
  const now = opts.now ?? worklist.clock.now();
  const demo = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoFile;
  const names = Object.fromEntries(demo.facilities.map((f) => [f.id, f.name]));
  const logins = demo.users.map((u) => ({ username: u.username, displayName: u.displayName, facility: names[u.facilityId] ?? u.facilityId, roles: u.roles }));
  const dir = worklist.directory;
  if (await dir.facility(demo.facilities[0]!.id)) return { loaded: false, password: demo.password, logins, consults: 0 };

  for (const f of demo.facilities) await dir.createFacility(f);
  // One KDF run for the shared, published demo password (a hash per user would only cost start-up time).
  const hash = await hashPassword(demo.password);
  for (const u of demo.users) {
    if (!(await dir.user(u.username))) {
      await worklist.db.insertInto('users').values({ username: u.username, password_hash: hash, roles: JSON.stringify(u.roles), display_name: u.displayName, disabled: 0, created_at: new Date().toISOString(), facility_id: u.facilityId }).execute();
    }
    await dir.setUserFacility(u.username, u.facilityId, u.roles);
  }
  if (await dir.user('admin')) await dir.setUserFacility('admin', demo.adminFacilityId);

  const consults: Consult[] = CONSULT_STATES.map((s) => {
    const build = (t0: string) => consultIn(s, `hc-${s}`, t0).consult;
    return build(startFor(build, now));
  });
  if (demo.emergency) {
    const build = (t0: string) => {
      const { consult, clock } = newDraft('emergency', 'hc-emergency', t0);
      return runSteps(consult, clock, EMERGENCY_STEPS.slice(0, 3)).consult;
    };
    consults.push(build(startFor(build, now)));
  }
  await worklist.repo.transaction(async (tx) => {
    await tx.trx.insertInto('patients').values({ id: PATIENT.id, facility_id: PATIENT.facilityId, pseudonym: PATIENT.pseudonym, identity_json: worklist.vault.seal(PATIENT.id, PATIENT.identity), created_at: now.toISOString() }).execute();
    for (const c of consults) await tx.insert(c);
    await tx.audit.append(consults.map((c) => auditAccess({
      actor: { userId: 'demo-loader', facilityId: '', roles: ['admin'] }, action: 'consult.demoLoad', objectType: 'consult', objectId: c.id,
      now: worklist.clock.now(), outcome: 'ok', detail: { state: c.state },
    })));
  });
  return { loaded: true, password: demo.password, logins, consults: consults.length };
}

import crypto from 'node:crypto';
import { isRole, type Actor, type Facility, type Patient, type PatientIdentity, type Role } from '@hoichan/worklist';
import type { User } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import type { WDb, WTx } from './tables.js';
import type { IdentityVault } from './identityVault.js';

/** A user as the worklist lists them (no password, no token). */
export interface DirectoryUser {
  readonly username: string;
  readonly displayName: string | null;
  readonly facilityId: string | null;
  readonly roles: readonly string[];
}

const toFacility = (r: { id: string; name: string; can_request: number; can_consult: number }): Facility => ({
  id: r.id, name: r.name, canRequest: !!r.can_request, canConsult: !!r.can_consult,
});

/** Facilities, the users' facility and worklist roles, and patients registered at this gateway. */
export class Directory {
  constructor(private readonly db: WDb, private readonly vault: IdentityVault) {}

  async facilities(): Promise<Facility[]> {
    return (await this.db.selectFrom('facilities').selectAll().orderBy('name').execute()).map(toFacility);
  }

  async facility(id: string, conn: WDb | WTx = this.db): Promise<Facility | null> {
    const r = await conn.selectFrom('facilities').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toFacility(r) : null;
  }

  async createFacility(f: Facility): Promise<Facility> {
    if (await this.facility(f.id)) throw new HoiError('HOI_ERR_CONFLICT', `facility ${f.id} exists`);
    await this.db.insertInto('facilities').values({ id: f.id, name: f.name, can_request: f.canRequest ? 1 : 0, can_consult: f.canConsult ? 1 : 0, created_at: new Date().toISOString() }).execute();
    return f;
  }

  async setUserFacility(username: string, facilityId: string | null, roles?: readonly string[]): Promise<DirectoryUser> {
    const r = await this.db.updateTable('users').set({ facility_id: facilityId, ...(roles ? { roles: JSON.stringify(roles) } : {}) }).where('username', '=', username).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new HoiError('HOI_ERR_NOT_FOUND', `no user ${username}`);
    return (await this.user(username))!;
  }

  async user(username: string): Promise<DirectoryUser | null> {
    const r = await this.db.selectFrom('users').select(['username', 'display_name', 'facility_id', 'roles']).where('username', '=', username).where('disabled', '=', 0).executeTakeFirst();
    return r ? { username: r.username, displayName: r.display_name, facilityId: r.facility_id, roles: JSON.parse(r.roles) as string[] } : null;
  }

  async users(q: { facilityId?: string; role?: string } = {}): Promise<DirectoryUser[]> {
    let s = this.db.selectFrom('users').select(['username', 'display_name', 'facility_id', 'roles']).where('disabled', '=', 0);
    if (q.facilityId !== undefined) s = s.where('facility_id', '=', q.facilityId);
    const rows = await s.orderBy('username').execute();
    return rows
      .map((r) => ({ username: r.username, displayName: r.display_name, facilityId: r.facility_id, roles: JSON.parse(r.roles) as string[] }))
      .filter((u) => q.role === undefined || u.roles.includes(q.role));
  }

  /** The worklist actor of a logged-in user: username, facility ('' when none) and the worklist roles held. */
  async actorFor(user: User): Promise<Actor> {
    const r = await this.db.selectFrom('users').select('facility_id').where('id', '=', user.id).executeTakeFirst();
    const roles = user.roles.filter((x): x is Role => isRole(x));
    return { userId: user.username, facilityId: r?.facility_id ?? '', roles };
  }

  /**
   * Registers a patient at `facilityId` with a fresh pseudonym (HC- and 6 characters of Crockford base32, no
   * relation to the identity, G-2.3).
   */
  async createPatient(conn: WTx, facilityId: string, identity: PatientIdentity): Promise<Patient> {
    for (let attempt = 0; ; attempt++) {
      const pseudonym = `HC-${randomCode(6)}`;
      const taken = await conn.selectFrom('patients').select('id').where('pseudonym', '=', pseudonym).executeTakeFirst();
      if (taken && attempt < 5) continue;
      const p: Patient = { id: `bn-${crypto.randomUUID()}`, facilityId, pseudonym, identity };
      await conn.insertInto('patients').values({ id: p.id, facility_id: facilityId, pseudonym, identity_json: this.vault.seal(p.id, identity), created_at: new Date().toISOString() }).execute();
      return p;
    }
  }

  /** Re-seals a patient's identity (a fresh IV each time). */
  async updateIdentity(conn: WTx, patientId: string, identity: PatientIdentity): Promise<void> {
    await conn.updateTable('patients').set({ identity_json: this.vault.seal(patientId, identity) }).where('id', '=', patientId).execute();
  }
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function randomCode(n: number): string {
  return [...crypto.randomBytes(n)].map((b) => CROCKFORD[b & 31]).join('');
}

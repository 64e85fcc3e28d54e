import { sql } from 'kysely';
import type { IdentityVault } from './identityVault.js';
import type { AuditSink, Consult, ConsultQuery, ConsultRepo, ConsultTransaction, Patient, PatientIdentity, PatientRepo } from '@hoichan/worklist';
import type { Dialect } from '../archive/index/migrations.js';
import { HoiError } from '../errors.js';
import { auditSinkIn } from './auditStore.js';
import type { ConsultTable, PatientTable, WDb, WTx } from './tables.js';

/** A save whose expected rev is no longer the stored one (someone else changed the consult first). */
export class RevConflict extends HoiError {
  constructor(id: string, expected: number, actual: number | null) {
    super('HOI_ERR_CONFLICT', `consult ${id} changed meanwhile (expected rev ${expected}, stored ${actual ?? 'none'}): reload it and try again`);
  }
}

const expertIds = (c: Consult): string => `|${c.invitations.map((i) => i.expertUserId).join('|')}|`;

function toRow(c: Consult, now: string): Omit<ConsultTable, 'created_at'> {
  return {
    id: c.id, rev: c.rev, state: c.state, type: c.type, urgency: c.urgency,
    requesting_facility_id: c.requestingFacilityId, consulting_facility_id: c.consultingFacilityId,
    expert_ids: expertIds(c), snapshot: JSON.stringify(c), updated_at: now,
  };
}

const parse = (r: { snapshot: string } | undefined): Consult | null => (r ? (JSON.parse(r.snapshot) as Consult) : null);

function toPatient(r: PatientTable, vault: IdentityVault): Patient {
  return { id: r.id, facilityId: r.facility_id, pseudonym: r.pseudonym, identity: vault.unseal(r.id, r.identity_json) };
}

/** Loads a patient (identity unsealed) with whatever connection the caller is on. */
export async function loadPatient(conn: WDb | WTx, id: string, vault: IdentityVault): Promise<Patient | null> {
  const r = await conn.selectFrom('patients').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPatient(r, vault) : null;
}

/** A transaction of the worklist: the ConsultTransaction port plus the patient lookup on the same connection. */
export interface WorklistTx extends ConsultTransaction {
  readonly trx: WTx;
  patient(id: string): Promise<Patient | null>;
}

/** PatientRepo: identities held at this gateway (the requesting facility's, G-2.3). */
export function patientRepo(db: WDb, vault: IdentityVault): PatientRepo {
  return { load: (id) => loadPatient(db, id, vault) };
}

const RETRYABLE = new Set(['SQLITE_BUSY', '40001', '40P01']);

/**
 * ConsultRepo on the gateway's index (SQLite or PostgreSQL): snapshots as JSON with indexed columns, optimistic
 * rev on save, `SELECT … FOR UPDATE` on PostgreSQL (SQLite has one writer), audit chained in the same transaction.
 */
export class KyselyConsultRepo implements ConsultRepo {
  constructor(readonly db: WDb, readonly dialect: Dialect, private readonly vault: IdentityVault) {}

  async load(id: string): Promise<Consult | null> {
    return parse(await this.db.selectFrom('consults').select('snapshot').where('id', '=', id).executeTakeFirst());
  }

  async list(q: ConsultQuery & { readonly urgency?: string; readonly anyFacility?: boolean }): Promise<Consult[]> {
    let s = this.db.selectFrom('consults').select('snapshot');
    if (q.facilityId !== undefined || q.expertUserId !== undefined) {
      s = s.where((eb) => eb.or([
        ...(q.facilityId !== undefined ? [eb('requesting_facility_id', '=', q.facilityId), eb('consulting_facility_id', '=', q.facilityId)] : []),
        ...(q.expertUserId !== undefined ? [eb('expert_ids', 'like', `%|${q.expertUserId.replace(/[%_|]/g, '')}|%`)] : []),
      ]));
    }
    if (q.states !== undefined && q.states.length > 0) s = s.where('state', 'in', [...q.states]);
    if (q.urgency !== undefined) s = s.where('urgency', '=', q.urgency);
    if (q.since !== undefined) s = s.where('updated_at', '>=', q.since);
    // Emergencies first (G-3.4), then the most recently changed.
    const rows = await s.orderBy(sql`CASE WHEN urgency = 'emergency' THEN 0 ELSE 1 END`).orderBy('updated_at', 'desc').orderBy('id')
      .limit(Math.min(q.limit ?? 500, 2000)).execute();
    return rows.map((r) => JSON.parse(r.snapshot) as Consult);
  }

  transaction<T>(fn: (tx: WorklistTx) => Promise<T>): Promise<T> {
    return this.retrying(() => this.db.transaction().execute(async (trx) => fn(this.txOf(trx))));
  }

  private txOf(trx: WTx): WorklistTx {
    const dialect = this.dialect;
    const audit: AuditSink = auditSinkIn(trx, dialect);
    return {
      trx,
      audit,
      patient: (id) => loadPatient(trx, id, this.vault),
      async load(id) {
        let s = trx.selectFrom('consults').select('snapshot').where('id', '=', id);
        if (dialect === 'postgres') s = s.forUpdate();
        return parse(await s.executeTakeFirst());
      },
      async insert(c) {
        const now = new Date().toISOString();
        await trx.insertInto('consults').values({ ...toRow(c, now), created_at: now }).execute();
      },
      async save(c, expectedRev) {
        const r = await trx.updateTable('consults').set(toRow(c, new Date().toISOString())).where('id', '=', c.id).where('rev', '=', expectedRev).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) {
          const cur = await trx.selectFrom('consults').select('rev').where('id', '=', c.id).executeTakeFirst();
          throw new RevConflict(c.id, expectedRev, cur?.rev ?? null);
        }
      },
    };
  }

  private async retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 4 || code === undefined || !RETRYABLE.has(code)) throw err;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  }
}

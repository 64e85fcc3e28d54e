import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import type { PipelineLedger } from '../pipeline/anonymizeStudies.js';
import type { QuarantineReason } from '../pipeline/types.js';
import { packDb, type PackDb, type PackInstanceState, type PackState } from './tables.js';
import type { PackOptions } from './options.js';

export interface Pack {
  id: string;
  consultId: string;
  pseudonym: string;
  state: PackState;
  sourceStudies: string[];
  options: PackOptions;
  report: PackReport | null;
  jobId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PackCounts {
  released: number;
  quarantined: number;
  failed: number;
  pending: number;
  attachments: number;
}

/** The quarantine report: which source instance, why. Source UIDs are shown only to who may see the pack. */
export interface QuarantineEntry {
  source: string;
  reasons: QuarantineReason[];
}

export interface PackReport {
  summary: string;
  counts: PackCounts;
  finishedAt: string;
}

const now = (): string => new Date().toISOString();

/** The packs index: one row per pack, one per source instance or attachment. */
export class PackStore {
  readonly db: PackDb;
  constructor(db: Kysely<Database>) {
    this.db = packDb(db);
  }

  async create(p: { consultId: string; pseudonym: string; sourceStudies: string[]; options: PackOptions; createdBy: string }): Promise<Pack> {
    const id = `pk${crypto.randomBytes(10).toString('hex')}`;
    const t = now();
    await this.db.insertInto('packs').values({
      id, consult_id: p.consultId, pseudonym: p.pseudonym, state: 'building', source_studies: JSON.stringify(p.sourceStudies),
      options: JSON.stringify(p.options), report: null, job_id: null, created_by: p.createdBy, created_at: t, updated_at: t,
    }).execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Pack | null> {
    const r = await this.db.selectFrom('packs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id, consultId: r.consult_id, pseudonym: r.pseudonym, state: r.state, sourceStudies: JSON.parse(r.source_studies) as string[],
      options: JSON.parse(r.options) as PackOptions, report: r.report ? (JSON.parse(r.report) as PackReport) : null, jobId: r.job_id,
      createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }

  async listForConsult(consultId: string): Promise<Pack[]> {
    const rows = await this.db.selectFrom('packs').select('id').where('consult_id', '=', consultId).orderBy('created_at').execute();
    return (await Promise.all(rows.map((r) => this.get(r.id)))).filter((p): p is Pack => !!p);
  }

  /** The consult's current pack: the newest one that is ready (what its documents are added to), or null. */
  async currentReady(consultId: string): Promise<Pack | null> {
    const r = await this.db.selectFrom('packs').select('id').where('consult_id', '=', consultId).where('state', '=', 'ready')
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r ? this.get(r.id) : null;
  }

  async setState(id: string, state: PackState, report?: PackReport): Promise<void> {
    await this.db.updateTable('packs').set({ state, updated_at: now(), ...(report ? { report: JSON.stringify(report) } : {}) }).where('id', '=', id).execute();
  }

  /** Drops the pack's rows (its copies must have been deleted from the archive first). */
  async remove(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('pack_instances').where('pack_id', '=', id).execute();
      await trx.deleteFrom('packs').where('id', '=', id).execute();
    });
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.db.updateTable('packs').set({ job_id: jobId, updated_at: now() }).where('id', '=', id).execute();
  }

  async counts(id: string): Promise<PackCounts> {
    const rows = await this.db.selectFrom('pack_instances').select(['state', 'kind']).select((eb) => eb.fn.countAll<number>().as('n'))
      .where('pack_id', '=', id).groupBy(['state', 'kind']).execute();
    const c: PackCounts = { released: 0, quarantined: 0, failed: 0, pending: 0, attachments: 0 };
    for (const r of rows) {
      c[r.state as PackInstanceState] += Number(r.n);
      if (r.kind === 'attachment' && r.state === 'released') c.attachments += Number(r.n);
    }
    return c;
  }

  async quarantine(id: string): Promise<QuarantineEntry[]> {
    const rows = await this.db.selectFrom('pack_instances').select(['source', 'reasons']).where('pack_id', '=', id)
      .where('state', 'in', ['quarantined', 'failed']).orderBy('pk').execute();
    return rows.map((r) => ({ source: r.source, reasons: r.reasons ? (JSON.parse(r.reasons) as QuarantineReason[]) : [] }));
  }

  /** Released copies, in study/series order, for export and summaries. */
  async released(id: string): Promise<{ studyUid: string; seriesUid: string; sopUid: string; kind: 'dicom' | 'attachment' }[]> {
    const rows = await this.db.selectFrom('pack_instances').select(['study_uid', 'series_uid', 'sop_uid', 'kind'])
      .where('pack_id', '=', id).where('state', '=', 'released').orderBy('study_uid').orderBy('series_uid').orderBy('pk').execute();
    return rows.map((r) => ({ studyUid: r.study_uid!, seriesUid: r.series_uid!, sopUid: r.sop_uid!, kind: r.kind }));
  }

  /** The pack's own study UIDs (released content), e.g. where attachments go. */
  async studies(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('pack_instances').select('study_uid').distinct().where('pack_id', '=', id)
      .where('state', '=', 'released').where('study_uid', 'is not', null).execute();
    return rows.map((r) => r.study_uid!).sort();
  }

  /** The stage's ledger for one pack. */
  ledger(packId: string, kind: 'dicom' | 'attachment' = 'dicom'): PipelineLedger {
    return {
      settled: async () => {
        const rows = await this.db.selectFrom('pack_instances').select('source').where('pack_id', '=', packId)
          .where('state', 'in', ['released', 'quarantined']).execute();
        return new Set(rows.map((r) => r.source));
      },
      reserve: async (items) => {
        if (!items.length) return;
        const t = now();
        await this.db.transaction().execute(async (trx) => {
          for (const it of items) {
            await trx.insertInto('pack_instances').values({
              pack_id: packId, source: it.source, kind, state: 'pending', study_uid: it.studyUid, series_uid: it.seriesUid,
              sop_uid: it.sopUid, reasons: null, updated_at: t,
            }).onConflict((oc) => oc.columns(['pack_id', 'source']).doUpdateSet({
              state: 'pending', study_uid: it.studyUid, series_uid: it.seriesUid, sop_uid: it.sopUid, reasons: null, updated_at: t,
            })).execute();
          }
        });
      },
      settle: async (items) => {
        const t = now();
        await this.db.transaction().execute(async (trx) => {
          for (const it of items) {
            const reasons = it.reasons ? JSON.stringify(it.reasons) : null;
            await trx.insertInto('pack_instances').values({
              pack_id: packId, source: it.source, kind, state: it.state, study_uid: null, series_uid: null, sop_uid: null, reasons, updated_at: t,
            }).onConflict((oc) => oc.columns(['pack_id', 'source']).doUpdateSet({ state: it.state, reasons, updated_at: t })).execute();
          }
        });
      },
    };
  }
}

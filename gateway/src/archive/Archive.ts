import crypto from 'node:crypto';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './index/schema.js';
import type { IndexDb } from './index/openIndex.js';
import type { BlobStore, TempBlob } from './blob/BlobStore.js';
import { Journal } from './journal.js';
import { DiskGuard } from './diskGuard.js';
import { blobKeyFor } from './keys.js';
import { parseBody } from './parseTemp.js';
import { parseInstance } from '../dicom/parseInstance.js';
import type { ParsedInstance } from '../dicom/types.js';
import { normalizeName } from '../dicom/normalize.js';
import { sameDataset } from '../dicom/fileMeta.js';
import { HoiError } from '../errors.js';
import { SqliteWriter, type ExistingRow, type IndexItem } from './index/sqliteWriter.js';

/** One received body, parsed and durably in a temp file, ready to be placed. */
export interface StoreCandidate {
  temp: TempBlob;
  parsed: ParsedInstance;
  size: number;
  sha256: string;
}

export type StoreOutcome =
  | { status: 'stored' | 'duplicate' | 'replaced'; sopClassUid: string; sopInstanceUid: string; studyUid: string; seriesUid: string; coerced: string[] }
  | { status: 'failed'; sopClassUid: string; sopInstanceUid: string; error: HoiError };

export interface ArchiveOptions {
  overwrite: boolean;
  fsync: boolean;
  dataDir: string;
  /** Free space kept in reserve on the data volume (DiskGuard); 0 or absent = no guard. */
  minFreeBytes?: number;
}

/** Where an instance's bytes are, with what the WADO routes need to serve them. */
export interface InstanceLocation {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  blobKey: string;
  size: number;
  numberOfFrames: number | null;
}

export type ArchiveEvent = { kind: 'stored' | 'deleted'; studyUid: string; seriesUid: string | null; sopUid: string | null };

const now = (): string => new Date().toISOString();

interface Placing {
  cand: StoreCandidate;
  idx: number;
  key: string;
  replaces: { pk: number; blob_key: string } | null;
}

/**
 * The archive: index + blobs, and the only code that writes either. DICOMweb, DIMSE and jobs call it.
 * Order of a store: temps named after their keys and fsynced → one index transaction → renames (see `store`).
 */
export class Archive extends EventEmitter {
  readonly db: Kysely<Database>;
  private readonly journal: Journal;
  private readonly sqliteWriter: SqliteWriter | null;
  private readonly diskGuard: DiskGuard;

  constructor(readonly index: IndexDb, readonly blobs: BlobStore, private readonly opts: ArchiveOptions) {
    super();
    this.db = index.db;
    this.sqliteWriter = index.sqlite ? new SqliteWriter(index.sqlite) : null;
    this.journal = new Journal(path.join(opts.dataDir, 'journal'), opts.fsync);
    this.diskGuard = new DiskGuard(opts.dataDir, opts.minFreeBytes ?? 0);
  }

  /** Why a new object must be refused now (the data volume is below its reserve), else null. Receivers ask before reading. */
  storeRefusal(): HoiError | null {
    return this.diskGuard.refusal();
  }

  /**
   * Undoes or finishes what a crash left half-done: a temp tied to its key (named after it, or a written
   * spare, whose content gives the key) is placed if the index references that key (its row was committed,
   * so its instance may have been acknowledged), else dropped; blobs named in an intent journal that the
   * index does not reference are removed.
   */
  async recover(): Promise<{ removedBlobs: number; journals: number; placedTemps: number; droppedTemps: number }> {
    let removedBlobs = 0;
    let placedTemps = 0;
    let droppedTemps = 0;
    const referenced = async (key: string): Promise<boolean> => !!(await this.db.selectFrom('instances').select('pk').where('blob_key', '=', key).executeTakeFirst());
    for (const { name, key: named } of this.blobs.pendingTemps()) {
      const key = named ?? this.keyOfContent(name);
      const place = key !== null && (await referenced(key)) && !this.blobs.exists(key);
      await this.blobs.settleTemp(name, place ? key : null);
      if (place) placedTemps++;
      else droppedTemps++;
    }
    const pending = this.journal.pending();
    for (const { file, keys } of pending) {
      for (const key of keys) {
        if (!(await referenced(key)) && this.blobs.exists(key)) {
          await this.blobs.remove(key);
          removedBlobs++;
        }
      }
      this.journal.close(file);
    }
    return { removedBlobs, journals: pending.length, placedTemps, droppedTemps };
  }

  /**
   * The key a written spare was meant for (`FsBlobStore` SpareFiles), from its bytes: the key of the instance
   * they hold. Null for an empty, cut or unreadable one (never committed: its answer waited for the write).
   */
  private keyOfContent(name: string): string | null {
    const bytes = this.blobs.readTemp(name);
    if (!bytes.length) return null;
    try {
      return this.keyFor(parseBody(bytes, parseInstance))(crypto.createHash('sha256').update(bytes).digest('hex'));
    } catch {
      return null;
    }
  }

  /** True when the blob under `key` holds the dataset of `bytes` (see `sameDataset`); false when unreadable. */
  private async holdsDataset(key: string, bytes: () => Buffer): Promise<boolean> {
    try {
      return sameDataset(await this.blobs.read(key), bytes());
    } catch {
      return false;
    }
  }

  /** Rows of the index with these SOP Instance UIDs. */
  private async existingRows(uids: string[]): Promise<ExistingRow[]> {
    const w = this.sqliteWriter;
    if (w) return this.db.connection().execute(async () => w.existing(uids));
    const out: ExistingRow[] = [];
    for (let i = 0; i < uids.length; i += 500) {
      out.push(...(await this.db.selectFrom('instances').select(['sop_uid', 'sha256', 'blob_key', 'pk']).where('sop_uid', 'in', uids.slice(i, i + 500)).execute()));
    }
    return out;
  }

  /**
   * True when this instance is stored already: its SOP Instance UID with a body of this SHA-256, or, given the
   * body (`bytes`), the same dataset in another file wrapper (see `store`).
   */
  async hasIdentical(sopUid: string, sha256: string, bytes?: () => Buffer): Promise<boolean> {
    const [row] = await this.existingRows([sopUid]);
    if (!row) return false;
    return row.sha256 === sha256 || (bytes !== undefined && (await this.holdsDataset(row.blob_key, bytes)));
  }

  /**
   * The key a received instance will be stored under: pass it to `temp.finish(archive.keyFor(parsed))` and
   * the store needs no intent journal and no directory fsync (the named temp is its own redo record).
   */
  keyFor(parsed: ParsedInstance): (sha256: string) => string {
    return (sha256) => blobKeyFor(parsed.fields.studyInstanceUid, parsed.fields.sopInstanceUid, sha256);
  }

  /**
   * Stores a batch; every candidate gets an outcome, and a failing one never blocks the others.
   * Candidates whose temps were finished with `keyFor` (all of them): index commit, then renames (the
   * named temps let recovery redo them), with an intent journal only for blobs an overwrite replaces.
   * Otherwise: intent journal → renames + directory fsync → index commit → journal removed.
   */
  async store(cands: StoreCandidate[]): Promise<StoreOutcome[]> {
    // Every way in (STOW, C-STORE, imports, pack copies) ends here: the disk reserve is kept whatever the caller.
    const full = this.storeRefusal();
    if (full) {
      return cands.map((c) => {
        c.temp.discard();
        return { status: 'failed', sopClassUid: c.parsed.fields.sopClassUid, sopInstanceUid: c.parsed.fields.sopInstanceUid, error: full };
      });
    }
    const outcomes: (StoreOutcome | null)[] = cands.map(() => null);
    const uids = [...new Set(cands.map((c) => c.parsed.fields.sopInstanceUid))];
    const existing = new Map<string, ExistingRow>();
    for (const r of await this.existingRows(uids)) existing.set(r.sop_uid, r);
    // The same dataset under another file meta is a re-send, not a conflict: C-STORE files get our meta, which
    // names the sending AE, and a STOW keeps the meta it came with (a study pushed by the modality and forwarded
    // later by the PACS, or uploaded from a CD). Compared byte for byte, only when the hashes differ.
    const resent = new Set<StoreCandidate>();
    for (const cand of cands) {
      const prev = existing.get(cand.parsed.fields.sopInstanceUid);
      if (prev && prev.sha256 !== cand.sha256 && (await this.holdsDataset(prev.blob_key, () => cand.temp.head(cand.size)))) resent.add(cand);
    }
    const toPlace: Placing[] = [];
    const seenInBatch = new Map<string, string>();
    cands.forEach((cand, idx) => {
      const f = cand.parsed.fields;
      const base = { sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid };
      const prevInBatch = seenInBatch.get(f.sopInstanceUid);
      const prev = existing.get(f.sopInstanceUid);
      const sameAs = prevInBatch ?? prev?.sha256;
      if (sameAs !== undefined && (sameAs === cand.sha256 || (prevInBatch === undefined && resent.has(cand)))) {
        cand.temp.discard();
        outcomes[idx] = { status: 'duplicate', ...base, studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, coerced: cand.parsed.coerced };
        return;
      }
      if (sameAs !== undefined && (prevInBatch !== undefined || !this.opts.overwrite)) {
        cand.temp.discard();
        outcomes[idx] = { status: 'failed', ...base, error: new HoiError('HOI_ERR_DUPLICATE_DIFFERENT', `SOP Instance ${f.sopInstanceUid} is already stored with different content; set HOICHAN_OVERWRITE_INSTANCES=true to replace it`) };
        return;
      }
      seenInBatch.set(f.sopInstanceUid, cand.sha256);
      toPlace.push({ cand, idx, key: blobKeyFor(f.studyInstanceUid, f.sopInstanceUid, cand.sha256), replaces: prev ? { pk: prev.pk, blob_key: prev.blob_key } : null });
    });
    if (!toPlace.length) return outcomes as StoreOutcome[];

    const named = toPlace.every((p) => p.cand.temp.key === p.key);
    const items = toPlace.map((p) => ({ temp: p.cand.temp, key: p.key }));
    const replaced = toPlace.flatMap((p) => (p.replaces && p.replaces.blob_key !== p.key ? [p.replaces.blob_key] : []));
    const journalKeys = named ? replaced : [...toPlace.map((p) => p.key), ...replaced];
    let jfile: string | null = null;
    let committed = false;
    try {
      if (journalKeys.length) jfile = await this.journal.open(journalKeys);
      if (!named) await this.blobs.commit(items);
      // Renamed right after the commit (on SQLite, still holding the connection): no reader sees a row without its file.
      await this.indexBatch(toPlace, () => {
        committed = true;
        if (named) this.blobs.place(items);
      });
    } catch (err) {
      if (!committed) {
        for (const p of toPlace) {
          p.cand.temp.discard();
          if (!named) await this.blobs.remove(p.key).catch(() => undefined);
          const f = p.cand.parsed.fields;
          outcomes[p.idx] = { status: 'failed', sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid, error: new HoiError('HOI_ERR_STORAGE', `could not store: ${(err as Error).message}`) };
        }
        if (jfile) this.journal.close(jfile);
        return outcomes as StoreOutcome[];
      }
      // Indexed and durable, but a rename failed: the named temps stay for recovery to place at the next start.
      // ('error' would throw without a listener.)
      this.emit('placeFailed', err);
    }
    for (const key of replaced) await this.blobs.remove(key);
    if (jfile) this.journal.close(jfile);
    for (const p of toPlace) {
      const f = p.cand.parsed.fields;
      outcomes[p.idx] = { status: p.replaces ? 'replaced' : 'stored', sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid, studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, coerced: p.cand.parsed.coerced };
      this.emit('change', { kind: 'stored', studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, sopUid: f.sopInstanceUid } satisfies ArchiveEvent);
    }
    return outcomes as StoreOutcome[];
  }

  /** One index transaction for the batch: prepared statements on SQLite, Kysely on PostgreSQL. */
  private async indexBatch(items: Placing[], afterCommit: () => void): Promise<void> {
    const w = this.sqliteWriter;
    if (!w) {
      await this.db.transaction().execute((trx) => this.indexBatchKysely(trx, items));
      return afterCommit();
    }
    const rows: IndexItem[] = items.map((p) => ({ fields: p.cand.parsed.fields, json: p.cand.parsed.json, size: p.cand.size, sha256: p.cand.sha256, blobKey: p.key, replacesPk: p.replaces?.pk ?? null }));
    const t = now();
    await this.db.connection().execute(async () => {
      w.insert(rows, t);
      afterCommit();
    });
  }

  private async indexBatchKysely(trx: Transaction<Database>, items: { cand: StoreCandidate; key: string; replaces: { pk: number } | null }[]): Promise<void> {
    const t = now();
    const studyPks = new Map<string, number>();
    const seriesPks = new Map<string, number>();
    for (const { cand } of items) {
      const f = cand.parsed.fields;
      if (!studyPks.has(f.studyInstanceUid)) {
        const ins = await trx.insertInto('studies').values({
          study_uid: f.studyInstanceUid, patient_id: f.patientId, issuer_of_patient_id: f.issuerOfPatientId,
          patient_name: f.patientName, patient_name_norm: f.patientName ? normalizeName(f.patientName) : null,
          patient_birth_date: f.patientBirthDate, patient_sex: f.patientSex, study_date: f.studyDate, study_time: f.studyTime,
          accession_number: f.accessionNumber, referring_physician_name: f.referringPhysicianName,
          referring_physician_name_norm: f.referringPhysicianName ? normalizeName(f.referringPhysicianName) : null,
          study_id: f.studyId, study_description: f.studyDescription, timezone_offset: f.timezoneOffsetFromUtc,
          study_json: cand.parsed.json.study, modalities: '', num_series: 0, num_instances: 0, updated_at: t,
        }).onConflict((oc) => oc.column('study_uid').doNothing()).returning('pk').executeTakeFirst();
        const pk = ins?.pk ?? (await trx.selectFrom('studies').select('pk').where('study_uid', '=', f.studyInstanceUid).executeTakeFirstOrThrow()).pk;
        studyPks.set(f.studyInstanceUid, pk);
      }
      if (!seriesPks.has(f.seriesInstanceUid)) {
        const studyPk = studyPks.get(f.studyInstanceUid)!;
        const ins = await trx.insertInto('series').values({
          study_pk: studyPk, series_uid: f.seriesInstanceUid, modality: f.modality, series_number: f.seriesNumber,
          series_description: f.seriesDescription, series_date: f.seriesDate, series_time: f.seriesTime,
          pps_start_date: f.performedProcedureStepStartDate, pps_start_time: f.performedProcedureStepStartTime,
          scheduled_procedure_step_id: f.scheduledProcedureStepId, requested_procedure_id: f.requestedProcedureId,
          body_part_examined: f.bodyPartExamined, series_json: cand.parsed.json.series, num_instances: 0, updated_at: t,
        }).onConflict((oc) => oc.column('series_uid').doNothing()).returning(['pk', 'study_pk']).executeTakeFirst();
        let pk: number;
        if (ins) pk = ins.pk;
        else {
          const row = await trx.selectFrom('series').select(['pk', 'study_pk']).where('series_uid', '=', f.seriesInstanceUid).executeTakeFirstOrThrow();
          if (row.study_pk !== studyPk) throw new HoiError('HOI_ERR_CONFLICT', `series ${f.seriesInstanceUid} already belongs to another study`);
          pk = row.pk;
        }
        seriesPks.set(f.seriesInstanceUid, pk);
      }
    }
    const replacedPks = items.flatMap((i) => (i.replaces ? [i.replaces.pk] : []));
    if (replacedPks.length) await trx.deleteFrom('instances').where('pk', 'in', replacedPks).execute();
    const rows = items.map(({ cand, key }) => {
      const f = cand.parsed.fields;
      return {
        series_pk: seriesPks.get(f.seriesInstanceUid)!, study_pk: studyPks.get(f.studyInstanceUid)!, sop_uid: f.sopInstanceUid,
        sop_class_uid: f.sopClassUid, instance_number: f.instanceNumber, rows: f.rows, columns: f.columns,
        bits_allocated: f.bitsAllocated, number_of_frames: f.numberOfFrames, photometric: f.photometricInterpretation,
        content_date: f.contentDate, content_time: f.contentTime, transfer_syntax_uid: f.transferSyntaxUid,
        size: cand.size, sha256: cand.sha256, blob_key: key, instance_json: cand.parsed.json.instance,
        meta_json: cand.parsed.json.metadata, stored_at: t,
      };
    });
    for (let i = 0; i < rows.length; i += 40) await trx.insertInto('instances').values(rows.slice(i, i + 40)).execute();
    await this.recount(trx, [...new Set(studyPks.values())], [...new Set(seriesPks.values())]);
    await trx.insertInto('changes').values(items.map(({ cand }) => ({
      kind: 'stored', study_uid: cand.parsed.fields.studyInstanceUid, series_uid: cand.parsed.fields.seriesInstanceUid,
      sop_uid: cand.parsed.fields.sopInstanceUid, at: t,
    }))).execute();
  }

  /** Recomputes counts and ModalitiesInStudy from the rows, so they can never drift. */
  private async recount(trx: Transaction<Database>, studyPks: number[], seriesPks: number[]): Promise<void> {
    const t = now();
    for (const pk of seriesPks) {
      const c = await trx.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('series_pk', '=', pk).executeTakeFirstOrThrow();
      await trx.updateTable('series').set({ num_instances: Number(c.n), updated_at: t }).where('pk', '=', pk).execute();
    }
    for (const pk of studyPks) {
      const c = await trx.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('study_pk', '=', pk).executeTakeFirstOrThrow();
      const ser = await trx.selectFrom('series').select(['modality']).where('study_pk', '=', pk).execute();
      const mods = [...new Set(ser.map((s) => s.modality).filter((m): m is string => !!m))].sort();
      await trx.updateTable('studies').set({ num_instances: Number(c.n), num_series: ser.length, modalities: mods.join('\\'), updated_at: t }).where('pk', '=', pk).execute();
    }
  }

  /** Deletes a study, a series or an instance (index first, in one transaction, then its blobs). Returns instances removed. */
  async delete(level: 'study' | 'series' | 'instance', uid: string): Promise<number> {
    let q = this.db.selectFrom('instances').innerJoin('series', 'series.pk', 'instances.series_pk').innerJoin('studies', 'studies.pk', 'instances.study_pk')
      .select(['instances.pk', 'instances.blob_key', 'instances.sop_uid', 'series.series_uid', 'studies.study_uid', 'instances.study_pk', 'instances.series_pk']);
    q = level === 'study' ? q.where('studies.study_uid', '=', uid) : level === 'series' ? q.where('series.series_uid', '=', uid) : q.where('instances.sop_uid', '=', uid);
    const rows = await q.execute();
    if (!rows.length) throw new HoiError('HOI_ERR_NOT_FOUND', `${level} ${uid} not found`);
    const jfile = await this.journal.open(rows.map((r) => r.blob_key));
    await this.db.transaction().execute(async (trx) => {
      const studyPks = [...new Set(rows.map((r) => r.study_pk))];
      const seriesPks = [...new Set(rows.map((r) => r.series_pk))];
      for (let i = 0; i < rows.length; i += 500) await trx.deleteFrom('instances').where('pk', 'in', rows.slice(i, i + 500).map((r) => r.pk)).execute();
      // Drop series and studies left empty; recount the rest.
      const emptySeries: number[] = [];
      for (const pk of seriesPks) {
        const left = await trx.selectFrom('instances').select('pk').where('series_pk', '=', pk).limit(1).executeTakeFirst();
        if (!left) emptySeries.push(pk);
      }
      if (emptySeries.length) await trx.deleteFrom('series').where('pk', 'in', emptySeries).execute();
      const emptyStudies: number[] = [];
      for (const pk of studyPks) {
        const left = await trx.selectFrom('series').select('pk').where('study_pk', '=', pk).limit(1).executeTakeFirst();
        if (!left) emptyStudies.push(pk);
      }
      if (emptyStudies.length) await trx.deleteFrom('studies').where('pk', 'in', emptyStudies).execute();
      await this.recount(trx, studyPks.filter((p) => !emptyStudies.includes(p)), seriesPks.filter((p) => !emptySeries.includes(p)));
      await trx.insertInto('changes').values({ kind: 'deleted', study_uid: rows[0]!.study_uid, series_uid: level === 'study' ? null : rows[0]!.series_uid, sop_uid: level === 'instance' ? uid : null, at: now() }).execute();
    });
    for (const r of rows) await this.blobs.remove(r.blob_key);
    this.journal.close(jfile);
    this.emit('change', { kind: 'deleted', studyUid: rows[0]!.study_uid, seriesUid: level === 'study' ? null : rows[0]!.series_uid, sopUid: level === 'instance' ? uid : null } satisfies ArchiveEvent);
    return rows.length;
  }

  /** Instances of a study / series / one instance, in series then instance-number order. */
  async locate(studyUid: string, seriesUid?: string, sopUid?: string): Promise<InstanceLocation[]> {
    let q = this.db.selectFrom('instances').innerJoin('series', 'series.pk', 'instances.series_pk').innerJoin('studies', 'studies.pk', 'instances.study_pk')
      .select(['studies.study_uid', 'series.series_uid', 'instances.sop_uid', 'instances.sop_class_uid', 'instances.transfer_syntax_uid', 'instances.blob_key', 'instances.size', 'instances.number_of_frames'])
      .where('studies.study_uid', '=', studyUid);
    if (seriesUid) q = q.where('series.series_uid', '=', seriesUid);
    if (sopUid) q = q.where('instances.sop_uid', '=', sopUid);
    const rows = await q.orderBy('series.series_number').orderBy('series.pk').orderBy('instances.instance_number').orderBy('instances.pk').execute();
    return rows.map((r) => ({ studyUid: r.study_uid, seriesUid: r.series_uid, sopUid: r.sop_uid, sopClassUid: r.sop_class_uid, transferSyntaxUid: r.transfer_syntax_uid, blobKey: r.blob_key, size: r.size, numberOfFrames: r.number_of_frames }));
  }

  /** Cached whole-dataset DICOM JSON of the instances matched, in `locate` order. */
  async metadata(studyUid: string, seriesUid?: string, sopUid?: string): Promise<string[]> {
    let q = this.db.selectFrom('instances').innerJoin('series', 'series.pk', 'instances.series_pk').innerJoin('studies', 'studies.pk', 'instances.study_pk')
      .select(['instances.meta_json']).where('studies.study_uid', '=', studyUid);
    if (seriesUid) q = q.where('series.series_uid', '=', seriesUid);
    if (sopUid) q = q.where('instances.sop_uid', '=', sopUid);
    const rows = await q.orderBy('series.series_number').orderBy('series.pk').orderBy('instances.instance_number').orderBy('instances.pk').execute();
    return rows.map((r) => r.meta_json);
  }
}

import type BetterSqlite3 from 'better-sqlite3';
import type { IndexFields } from '../../dicom/types.js';
import type { InstanceJson } from '../../dicom/types.js';
import { normalizeName } from '../../dicom/normalize.js';
import { HoiError } from '../../errors.js';

/** One instance to index: what the archive's Kysely path (PostgreSQL) writes too, column for column. */
export interface IndexItem {
  fields: IndexFields;
  json: InstanceJson;
  size: number;
  sha256: string;
  blobKey: string;
  /** pk of the row this instance replaces (overwrite), deleted in the same transaction. */
  replacesPk: number | null;
}

export interface ExistingRow {
  sop_uid: string;
  sha256: string;
  blob_key: string;
  pk: number;
}

/**
 * The archive's store path on SQLite, as prepared statements in one synchronous transaction: Kysely compiles
 * each query anew (~0.1 ms apiece, ~10 per instance), which on a one-instance C-STORE commit costs as
 * much as the commit. Same statements and results as `Archive.indexBatchKysely` (which PostgreSQL uses).
 * The caller holds Kysely's connection lock (`db.connection().execute`), so no Kysely transaction is open.
 */
export class SqliteWriter {
  private readonly s: Record<string, BetterSqlite3.Statement>;
  private readonly tx: (items: IndexItem[], t: string) => void;

  constructor(private readonly db: BetterSqlite3.Database) {
    const prep = (q: string) => db.prepare(q);
    this.s = {
      existing: prep('SELECT sop_uid, sha256, blob_key, pk FROM instances WHERE sop_uid = ?'),
      insertStudy: prep(`INSERT INTO studies (study_uid, patient_id, issuer_of_patient_id, patient_name, patient_name_norm,
        patient_birth_date, patient_sex, study_date, study_time, accession_number, referring_physician_name,
        referring_physician_name_norm, study_id, study_description, timezone_offset, study_json, modalities,
        num_series, num_instances, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, ?)
        ON CONFLICT (study_uid) DO NOTHING RETURNING pk`),
      studyPk: prep('SELECT pk FROM studies WHERE study_uid = ?'),
      insertSeries: prep(`INSERT INTO series (study_pk, series_uid, modality, series_number, series_description, series_date,
        series_time, pps_start_date, pps_start_time, scheduled_procedure_step_id, requested_procedure_id,
        body_part_examined, series_json, num_instances, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
        ON CONFLICT (series_uid) DO NOTHING RETURNING pk`),
      seriesRow: prep('SELECT pk, study_pk FROM series WHERE series_uid = ?'),
      deleteInstance: prep('DELETE FROM instances WHERE pk = ?'),
      insertInstance: prep(`INSERT INTO instances (series_pk, study_pk, sop_uid, sop_class_uid, instance_number, rows, columns,
        bits_allocated, number_of_frames, photometric, content_date, content_time, transfer_syntax_uid, size, sha256,
        blob_key, instance_json, meta_json, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      recountSeries: prep('UPDATE series SET num_instances = (SELECT COUNT(*) FROM instances WHERE series_pk = ?), updated_at = ? WHERE pk = ?'),
      studyModalities: prep('SELECT modality FROM series WHERE study_pk = ?'),
      recountStudy: prep(`UPDATE studies SET num_instances = (SELECT COUNT(*) FROM instances WHERE study_pk = ?),
        num_series = ?, modalities = ?, updated_at = ? WHERE pk = ?`),
      change: prep("INSERT INTO changes (kind, study_uid, series_uid, sop_uid, at) VALUES ('stored', ?, ?, ?, ?)"),
    };
    this.tx = db.transaction((items: IndexItem[], t: string) => this.write(items, t));
  }

  existing(uids: string[]): ExistingRow[] {
    const out: ExistingRow[] = [];
    for (const u of uids) {
      const r = this.s.existing!.get(u) as ExistingRow | undefined;
      if (r) out.push(r);
    }
    return out;
  }

  /** Indexes the batch in one transaction (committed, with its WAL fsync, when this returns). */
  insert(items: IndexItem[], t: string): void {
    this.tx(items, t);
  }

  private write(items: IndexItem[], t: string): void {
    const s = this.s;
    const studyPks = new Map<string, number>();
    const seriesPks = new Map<string, number>();
    for (const { fields: f, json } of items) {
      let studyPk = studyPks.get(f.studyInstanceUid);
      if (studyPk === undefined) {
        const ins = s.insertStudy!.get(f.studyInstanceUid, f.patientId, f.issuerOfPatientId, f.patientName, f.patientName ? normalizeName(f.patientName) : null,
          f.patientBirthDate, f.patientSex, f.studyDate, f.studyTime, f.accessionNumber, f.referringPhysicianName,
          f.referringPhysicianName ? normalizeName(f.referringPhysicianName) : null, f.studyId, f.studyDescription, f.timezoneOffsetFromUtc,
          json.study, t) as { pk: number } | undefined;
        studyPk = ins?.pk ?? (s.studyPk!.get(f.studyInstanceUid) as { pk: number }).pk;
        studyPks.set(f.studyInstanceUid, studyPk);
      }
      if (!seriesPks.has(f.seriesInstanceUid)) {
        const ins = s.insertSeries!.get(studyPk, f.seriesInstanceUid, f.modality, f.seriesNumber, f.seriesDescription, f.seriesDate, f.seriesTime,
          f.performedProcedureStepStartDate, f.performedProcedureStepStartTime, f.scheduledProcedureStepId, f.requestedProcedureId,
          f.bodyPartExamined, json.series, t) as { pk: number } | undefined;
        let pk: number;
        if (ins) pk = ins.pk;
        else {
          const row = s.seriesRow!.get(f.seriesInstanceUid) as { pk: number; study_pk: number };
          if (row.study_pk !== studyPk) throw new HoiError('HOI_ERR_CONFLICT', `series ${f.seriesInstanceUid} already belongs to another study`);
          pk = row.pk;
        }
        seriesPks.set(f.seriesInstanceUid, pk);
      }
    }
    for (const i of items) if (i.replacesPk !== null) s.deleteInstance!.run(i.replacesPk);
    for (const { fields: f, json, size, sha256, blobKey } of items) {
      s.insertInstance!.run(seriesPks.get(f.seriesInstanceUid)!, studyPks.get(f.studyInstanceUid)!, f.sopInstanceUid, f.sopClassUid,
        f.instanceNumber, f.rows, f.columns, f.bitsAllocated, f.numberOfFrames, f.photometricInterpretation, f.contentDate, f.contentTime,
        f.transferSyntaxUid, size, sha256, blobKey, json.instance, json.metadata, t);
    }
    // Counts and ModalitiesInStudy recomputed from the rows, as the Kysely path does, so they can never drift.
    for (const pk of new Set(seriesPks.values())) s.recountSeries!.run(pk, t, pk);
    for (const pk of new Set(studyPks.values())) {
      const ser = s.studyModalities!.all(pk) as { modality: string | null }[];
      const mods = [...new Set(ser.map((r) => r.modality).filter((m): m is string => !!m))].sort();
      s.recountStudy!.run(pk, ser.length, mods.join('\\'), t, pk);
    }
    for (const { fields: f } of items) s.change!.run(f.studyInstanceUid, f.seriesInstanceUid, f.sopInstanceUid, t);
  }
}

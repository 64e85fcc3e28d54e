import type { FastifyRequest } from 'fastify';
import { sql, type SqlBool } from 'kysely';
import type { DicomwebView } from '../dicomweb/view.js';
import type { PackStore } from './PackStore.js';

/**
 * QIDO/C-FIND condition (on `studies`) leaving out case-pack copies. DIMSE uses it too: a DICOM peer has no
 * user behind it that a pack's access rule could check, so packs are reached over their DICOMweb roots only.
 */
export const HIDE_PACK_CONTENT = sql<SqlBool>`NOT EXISTS (SELECT 1 FROM pack_instances hide WHERE hide.study_uid = studies.study_uid)`;

/**
 * The main `/dicom-web` root without pack content: a study that holds any pack copy (pending ones included,
 * so nothing shows between store and release) is not visible there (pack copies live under their own
 * pseudonymous study UIDs, never mixed with a source study).
 */
export function mainView(store: PackStore): DicomwebView {
  return {
    rootPath: () => '/dicom-web',
    restrict: () => HIDE_PACK_CONTENT,
    async filter(_req, locs) {
      const studies = [...new Set(locs.map((l) => l.studyUid))];
      if (!studies.length) return locs;
      const hidden = await store.db.selectFrom('pack_instances').select('study_uid').distinct().where('study_uid', 'in', studies).execute();
      if (!hidden.length) return locs;
      const h = new Set(hidden.map((r) => r.study_uid));
      return locs.filter((l) => !h.has(l.studyUid));
    },
    deletable: true,
  };
}

/** The pack id of a request under `/packs/:pack/dicom-web` (checked by the root's access hook first). */
export const packIdOf = (req: FastifyRequest): string => (req.params as { pack: string }).pack;

/** `/packs/{id}/dicom-web`: the released instances of that pack and nothing else; read-only. */
export function packView(store: PackStore): DicomwebView {
  const released = (req: FastifyRequest, col: 'study_uid' | 'series_uid' | 'sop_uid') =>
    sql`SELECT rel.${sql.ref(col)} FROM pack_instances rel WHERE rel.pack_id = ${packIdOf(req)} AND rel.state = 'released'`;
  return {
    rootPath: (req) => `/packs/${packIdOf(req)}/dicom-web`,
    restrict(req, level) {
      if (level === 'study') return sql<SqlBool>`studies.study_uid IN (${released(req, 'study_uid')})`;
      if (level === 'series') return sql<SqlBool>`series.series_uid IN (${released(req, 'series_uid')})`;
      return sql<SqlBool>`instances.sop_uid IN (${released(req, 'sop_uid')})`;
    },
    async filter(req, locs) {
      if (!locs.length) return locs;
      const rows = await store.db.selectFrom('pack_instances').select('sop_uid').where('pack_id', '=', packIdOf(req))
        .where('state', '=', 'released').where('study_uid', 'in', [...new Set(locs.map((l) => l.studyUid))]).execute();
      const ok = new Set(rows.map((r) => r.sop_uid));
      return locs.filter((l) => ok.has(l.sopUid));
    },
    deletable: false,
  };
}

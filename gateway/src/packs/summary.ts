import type { Archive } from '../archive/Archive.js';
import type { Pack, PackStore } from './PackStore.js';

/** The case summary of a pack (zip `CASE.JSON` and GET /api/packs/{id}): pseudonymous content only. */
export interface CaseSummary {
  pack: string;
  consult: string;
  pseudonym: string;
  state: Pack['state'];
  createdAt: string;
  deidentification: Pack['options']['profile'] & { datesShifted: boolean };
  counts: Awaited<ReturnType<PackStore['counts']>>;
  studies: {
    studyInstanceUid: string;
    studyDate: string | null;
    studyDescription: string | null;
    modalities: string[];
    series: { seriesInstanceUid: string; modality: string | null; seriesDescription: string | null; instances: number }[];
  }[];
}

/**
 * Built from the index rows of the anonymized copies (never from the sources), so it can only hold what the
 * leak gate let through. The date shift itself is not given: with it, real dates could be recomputed.
 */
export async function caseSummary(store: PackStore, archive: Archive, pack: Pack): Promise<CaseSummary> {
  const studyUids = await store.studies(pack.id);
  const studies: CaseSummary['studies'] = [];
  if (studyUids.length) {
    const rows = await archive.db.selectFrom('studies').innerJoin('series', 'series.study_pk', 'studies.pk')
      .select(['studies.study_uid', 'studies.study_date', 'studies.study_description', 'studies.modalities', 'series.series_uid', 'series.modality', 'series.series_description', 'series.num_instances'])
      .where('studies.study_uid', 'in', studyUids).orderBy('studies.study_uid').orderBy('series.series_number').orderBy('series.pk').execute();
    for (const r of rows) {
      let s = studies.find((x) => x.studyInstanceUid === r.study_uid);
      if (!s) {
        s = { studyInstanceUid: r.study_uid, studyDate: r.study_date, studyDescription: r.study_description, modalities: r.modalities.split('\\').filter(Boolean), series: [] };
        studies.push(s);
      }
      s.series.push({ seriesInstanceUid: r.series_uid, modality: r.modality, seriesDescription: r.series_description, instances: r.num_instances });
    }
  }
  return {
    pack: pack.id, consult: pack.consultId, pseudonym: pack.pseudonym, state: pack.state, createdAt: pack.createdAt,
    deidentification: { ...pack.options.profile, datesShifted: pack.options.profile.retainLongitudinalTemporal === 'modified' },
    counts: await store.counts(pack.id), studies,
  };
}

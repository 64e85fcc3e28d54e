import type { DataSource } from '../../dataSource/DataSource';
import type { DicomJson, SeriesSummary } from '../../types';
import { pickDefaultSeries } from './seriesDisplay';

/**
 * The requests a viewer screen makes first (series list, then the metadata of the series it shows first),
 * started by the app shell before the viewer's code (Cornerstone, several MB) has loaded and initialised:
 * neither request needs that code, so they run while it downloads instead of after it (issue 6: time to
 * first image). The screen takes the answers over through {@link StudyService}.
 */
export interface StudyPreload {
  readonly studyUid: string;
  readonly series: Promise<SeriesSummary[]>;
  /** The series' metadata when it is the one preloaded, else null (then the caller fetches it). */
  metadata(seriesUid: string): Promise<DicomJson[] | null>;
}

export function preloadStudy(dataSource: DataSource, studyUid: string, initialSeriesUid?: string): StudyPreload {
  const series = dataSource.query.series(studyUid);
  const first = series.then((list) => pickDefaultSeries(list, initialSeriesUid) ?? null);
  const metadata = first.then((s) => (s ? { seriesUid: s.seriesUid, data: dataSource.retrieve.seriesMetadata(studyUid, s.seriesUid) } : null));
  // Failures are reported by the screen when it asks (and a failed preload is asked again); not unhandled here.
  series.catch(() => {});
  metadata.then((m) => m?.data.catch(() => {}), () => {});
  return {
    studyUid,
    series,
    metadata: (seriesUid) => metadata.then((m) => (m?.seriesUid === seriesUid ? m.data : null), () => null),
  };
}

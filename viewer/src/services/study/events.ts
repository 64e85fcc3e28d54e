/** Events of the {@link StudyService}. */
export const STUDY_EVENTS = {
  /** A series' metadata arrived and its image ids exist; images may still be loading. */
  SERIES_READY: 'HOICHAN_VIEWER_SERIES_READY',
  /** Progress of the background load of a series' images. */
  SERIES_PROGRESS: 'HOICHAN_VIEWER_SERIES_PROGRESS',
  /** Every image of a series is in the cache (or failed). */
  SERIES_LOADED: 'HOICHAN_VIEWER_SERIES_LOADED',
} as const;

export interface SeriesReadyDetail {
  seriesUid: string;
  imageCount: number;
}

export interface SeriesProgressDetail {
  seriesUid: string;
  loaded: number;
  failed: number;
  total: number;
}

export interface SeriesLoadedDetail extends SeriesProgressDetail {
  /** Milliseconds from the start of the background load to its end. */
  ms: number;
}

export type StudyEventMap = {
  [STUDY_EVENTS.SERIES_READY]: SeriesReadyDetail;
  [STUDY_EVENTS.SERIES_PROGRESS]: SeriesProgressDetail;
  [STUDY_EVENTS.SERIES_LOADED]: SeriesLoadedDetail;
};

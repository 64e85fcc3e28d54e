/** Window events of the viewer screen (the benchmark and the browser tests wait for them). */
export const VIEWER_EVENTS = {
  /** The first image of the study is on screen. Detail: {@link ViewerMetrics}. */
  FIRST_IMAGE: 'HOICHAN_VIEWER_FIRST_IMAGE',
  /** Every image of the first series is loaded. Detail: {@link ViewerMetrics} plus counts. */
  SERIES_LOADED: 'HOICHAN_VIEWER_FIRST_SERIES_LOADED',
} as const;

/** Timings of one opening of a study, in `performance.now()` milliseconds. */
export interface ViewerMetrics {
  /** When the viewer screen was created. */
  openedAt: number;
  firstImageAt: number | null;
  seriesLoadedAt: number | null;
  /** Duration of the background load of the first series. */
  seriesLoadMs: number | null;
  firstSeriesUid: string | null;
}

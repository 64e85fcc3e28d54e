/** One series of a study, from QIDO-RS /studies/{study}/series. */
export interface SeriesSummary {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  instanceCount: number | null;
}

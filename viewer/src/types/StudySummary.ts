/** One row of the study list, from QIDO-RS /studies (PS3.18 10.6). */
export interface StudySummary {
  studyUid: string;
  /** Patient's name as stored (`^` separated); shown only to roles that may see identity (G-2.3). */
  patientName: string;
  patientId: string;
  /** YYYYMMDD or ''. */
  studyDate: string;
  studyTime: string;
  description: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
}

/** What the study list searches for (QIDO-RS matching keys). */
export interface StudyQuery {
  /** Free text matched against PatientName with fuzzymatching=true (diacritics and case ignored by the gateway). */
  patientName?: string;
  /** YYYY-MM-DD (from an `<input type=date>`), inclusive. */
  dateFrom?: string;
  dateTo?: string;
  /** One modality, e.g. CT; matched against ModalitiesInStudy. */
  modality?: string;
  limit?: number;
  offset?: number;
}

/**
 * The consult's case summary as the consulting side sees it (G-2.2, G-3.2): pseudonymous, never identity
 * (G-2.3). Every field is plain text; the worklist fills it later, tests and demos pass it in directly.
 */
export interface CaseSummary {
  /** Pseudonym of the case pack, e.g. "HC-2025-0042"; the only patient label a consultant sees. */
  pseudonym: string;
  /** Bệnh sử: history of the present illness (and past history). */
  history?: string;
  /** Tiền sử: past history. */
  pastHistory?: string;
  /** Khám lâm sàng: examination findings. */
  examination?: string;
  /** Cận lâm sàng: paraclinical results. */
  paraclinical?: string;
  /** Chẩn đoán sơ bộ: preliminary diagnosis. */
  preliminaryDiagnosis?: string;
  /** Điều trị đã thực hiện: treatment so far. */
  treatmentSoFar?: string;
  /** Câu hỏi hội chẩn: what the requesting hospital asks of the consultants. */
  question?: string;
  /** Dự thảo biên bản: the minutes draft, when one exists. */
  minutesDraft?: string;
  /** Age and sex as shown to consultants (e.g. "54 · Nam"); no birth date. */
  ageSex?: string;
  emergency?: boolean;
}

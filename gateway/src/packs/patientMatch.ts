import type { PatientIdRef } from '@hoichan/worklist';

/** The patient columns of an archive study row. */
export interface StudyPatient {
  readonly patient_id: string | null;
  readonly issuer_of_patient_id: string | null;
}

const clean = (s: string | null | undefined): string => (s ?? '').trim();

/**
 * Does this study belong to the consult's patient? (G-2.3/G-2.9: a pack shares one patient's images, never another's.)
 * The study's Patient ID must equal one of the ids the requesting hospital recorded for the patient; when both sides
 * name an Issuer of Patient ID they must be the same issuer (the same number from two issuers is two patients).
 * Returns null when it matches, else the reason (without the id values: the message reaches logs and the audit).
 */
export function studyPatientMismatch(study: StudyPatient, ids: readonly PatientIdRef[]): string | null {
  const pid = clean(study.patient_id);
  if (!ids.length) return "the consult's patient record has no PACS Patient ID to check the study against: add it to the patient (PUT /api/patients/{id}/pacs-ids)";
  if (!pid) return 'the study has no Patient ID, so it cannot be shown to belong to the consult\'s patient';
  const issuer = clean(study.issuer_of_patient_id);
  const same = ids.filter((r) => clean(r.id) === pid);
  if (!same.length) return "the study's Patient ID is not one of the consult's patient's ids";
  if (issuer && same.every((r) => clean(r.issuer) && clean(r.issuer) !== issuer)) return "the study's Patient ID matches, but under another issuer (Issuer of Patient ID)";
  return null;
}

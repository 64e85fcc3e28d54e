/**
 * Reads the patient's identifying values from a source dataset, to drive the cleaner and the leak gate.
 */
import type { DicomDataset } from './dicom/io.js';
import { personNameText } from './dicom/dictionary.js';
import type { Identity } from './text/identity.js';

const NAME_TAGS = [
  '00100010', // PatientName
  '00101001', // OtherPatientNames
  '00101005', // PatientBirthName
  '00101060', // PatientMotherBirthName
  '00102297', // ResponsiblePerson
];
const ID_TAGS = [
  '00100020', // PatientID
  '00101000', // OtherPatientIDs (retired)
  '00080050', // AccessionNumber
  '00101090', // MedicalRecordLocator
];
const PATIENT_OTHER_TAGS = [
  '00101040', // PatientAddress
  '00102154', // PatientTelephoneNumbers
  '00102155', // PatientTelecomInformation
  '00102152', // RegionOfResidence
];
const INSTITUTION_TAGS = [
  '00080080', // InstitutionName
  '00080081', // InstitutionAddress
];

function strings(ds: DicomDataset, tag: string): string[] {
  const el = ds[tag];
  if (!el?.Value) return [];
  const out: string[] = [];
  for (const v of el.Value) {
    const s = el.vr === 'PN' ? personNameText(v) : typeof v === 'string' ? v : '';
    if (s.trim()) out.push(s.trim());
  }
  return out;
}

/** Options of `identityOf`. */
export interface IdentityOfOptions {
  /** Include InstitutionName / InstitutionAddress (default true; false under Retain Institution Identity). */
  readonly institution?: boolean;
}

/** The identifying values of the patient of `ds` (top level plus Other Patient IDs Sequence). */
export function identityOf(ds: DicomDataset, opts: IdentityOfOptions = {}): Identity {
  const names = NAME_TAGS.flatMap((t) => strings(ds, t));
  const ids = ID_TAGS.flatMap((t) => strings(ds, t));
  for (const item of (ds['00101002']?.Value ?? []) as DicomDataset[]) ids.push(...strings(item, '00100020'));
  const other = PATIENT_OTHER_TAGS.flatMap((t) => strings(ds, t));
  if (opts.institution !== false) other.push(...INSTITUTION_TAGS.flatMap((t) => strings(ds, t)));
  const birth = strings(ds, '00100030')[0];
  return { names, ids, birthDate: birth && /^\d{8}$/.test(birth) ? birth : undefined, other };
}

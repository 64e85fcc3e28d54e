/**
 * The patient's identity. It is held only at the requesting facility and never shared with the consulting
 * side (G-2.3, G-2.13): consulting-side views carry the pseudonym only (see policy/viewFor.ts).
 */
export interface PatientIdentity {
  readonly fullName: string;
  /** ISO date, YYYY-MM-DD. */
  readonly birthDate: string;
  readonly sex: 'male' | 'female' | 'other' | 'unknown';
  readonly nationalId?: string;
  readonly address?: string;
  /**
   * The patient's ids in the requesting hospital's PACS/HIS (DICOM Patient ID and Issuer of Patient ID): a case
   * pack may take only studies whose Patient ID is one of these (gateway/src/packs/patientMatch.ts).
   */
  readonly patientIds?: readonly PatientIdRef[];
}

/** A Patient ID with its issuer (0010,0020 / 0010,0021), as the requesting hospital's PACS holds it. */
export interface PatientIdRef {
  readonly id: string;
  readonly issuer?: string;
}

/** A patient of the requesting facility: the identity plus the pseudonym used everywhere outside it. */
export interface Patient {
  readonly id: string;
  /** The requesting facility that holds this record. */
  readonly facilityId: string;
  /** The name the consulting side sees (also written into the anonymized case pack). */
  readonly pseudonym: string;
  readonly identity: PatientIdentity;
}

/** The keys of {@link PatientIdentity}; a view for the consulting side must carry none of their values. */
export const IDENTITY_FIELDS = ['fullName', 'birthDate', 'sex', 'nationalId', 'address'] as const satisfies readonly (keyof PatientIdentity)[];

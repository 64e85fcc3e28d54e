import type { ProfileOptions } from '@hoichan/anonymizer';

/** Why an instance is held back. `detail` never contains an original value (G-2.3). */
export type QuarantineCode =
  | 'pixels-uncleanable' // burned-in text or a face that the pixel stage could not remove (e.g. BurnedInAnnotation YES, no text found)
  | 'leak' // the leak gate found the source identity in the output
  | 'not-deidentifiable'; // the anonymizer refused the file (unreadable, unsupported)

export interface QuarantineReason {
  code: QuarantineCode;
  detail: string;
}

/** What the de-identification of one instance needs. */
export interface DeidStageOptions {
  /** Key for this pack's UID pseudonyms (derived from the site secret, see packs/keys.ts). */
  uidKey: Uint8Array;
  /** Patient's Name and Patient ID of every output. */
  pseudonym: string;
  profile: ProfileOptions;
  /** One date shift for the whole consult, so intervals between studies stay true. */
  dateShiftDays: number;
}

/** The outcome of one source instance. */
export type InstanceVerdict =
  | { status: 'released'; part10: Buffer; sopInstanceUid: string }
  | { status: 'quarantined'; reasons: QuarantineReason[] };

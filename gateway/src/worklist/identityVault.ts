import type { PatientIdentity } from '@hoichan/worklist';
import { SecretBox } from '../auth/secretBox.js';

/**
 * The map back from pseudonym to patient (issue 4 point 3, G-2.3): a patient's identity is stored only sealed
 * with AES-256-GCM under a key kept in `<dataDir>/keys/identity.key` (backed up with the data dir), with the
 * patient id as additional data, so a row copied onto another patient does not open. Reading the index alone
 * (a stolen database dump, a PostgreSQL replica) shows pseudonyms, never names.
 */
export class IdentityVault {
  private constructor(private readonly box: SecretBox) {}

  /** The data dir's key, created (0600) on first use. */
  static open(dataDir: string): IdentityVault {
    return new IdentityVault(SecretBox.open(dataDir, 'identity'));
  }

  seal(patientId: string, identity: PatientIdentity): string {
    return this.box.seal(patientId, JSON.stringify(identity));
  }

  /** Throws when the row was altered, moved to another patient, or sealed under another key. */
  unseal(patientId: string, sealed: string): PatientIdentity {
    return JSON.parse(this.box.unseal(patientId, sealed)) as PatientIdentity;
  }
}

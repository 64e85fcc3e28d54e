import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PatientIdentity } from '@hoichan/worklist';

/**
 * The map back from pseudonym to patient (issue 4 point 3, G-2.3): a patient's identity is stored only sealed
 * with AES-256-GCM under a key kept in `<dataDir>/keys/identity.key` (backed up with the data dir), with the
 * patient id as additional data, so a row copied onto another patient does not open. Reading the index alone
 * (a stolen database dump, a PostgreSQL replica) shows pseudonyms, never names.
 */
export class IdentityVault {
  private constructor(private readonly key: Buffer) {}

  /** The data dir's key, created (0600) on first use. */
  static open(dataDir: string): IdentityVault {
    const file = path.join(dataDir, 'keys', 'identity.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      try {
        fs.writeFileSync(file, crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
      }
    }
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file}: expected a base64 32-byte key`);
    return new IdentityVault(key);
  }

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), a fresh 96-bit IV per write. */
  seal(patientId: string, identity: PatientIdentity): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(patientId, 'utf8'));
    const ct = Buffer.concat([c.update(JSON.stringify(identity), 'utf8'), c.final()]);
    return ['v1', iv, c.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws when the row was altered, moved to another patient, or sealed under another key. */
  unseal(patientId: string, sealed: string): PatientIdentity {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error(`patient ${patientId}: identity is not sealed (v1)`);
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(patientId, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    return JSON.parse(text) as PatientIdentity;
  }
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest under a data-dir key (`<dataDir>/keys/<name>.key`, 0600, backed up with the data dir):
 * AES-256-GCM with a fresh 96-bit IV per seal and a caller-given context as additional data, so a sealed
 * value copied onto another row (another patient, another peer) does not open. Reading the index alone
 * (a database dump, a PostgreSQL replica) shows no secret.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The data dir's key `name`, created on first use. */
  static open(dataDir: string, name: string): SecretBox {
    const file = path.join(dataDir, 'keys', `${name}.key`);
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
    return new SecretBox(key);
  }

  static isSealed(value: string): boolean {
    return value.startsWith('v1.');
  }

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  seal(context: string, plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return ['v1', iv, c.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws when the value was altered, sealed for another context, or under another key. */
  unseal(context: string, sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error(`${context}: value is not sealed (v1)`);
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(context, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }
}

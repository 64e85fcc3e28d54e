/**
 * The map back from a case pseudonym to the patient (issue 4 §3): only the requesting hospital may see it, so it is
 * encrypted at rest with AES-256-GCM. Who may call `lookup` is the gateway's decision (admin until the worklist
 * adds roles); this module only keeps the map safe on disk.
 *
 * - Each record is encrypted on its own, with a fresh 96-bit IV, and the pseudonym and key id as additional
 *   authenticated data, so a row cannot be moved to another pseudonym or decrypted under the wrong key.
 * - `pseudonymOf` finds an existing pseudonym for a patient by a keyed hash (HMAC-SHA256 under a key derived from
 *   the current key) of the issuer + Patient ID, never by the ID in clear.
 * - Keys: a key ring with one current key and older ones kept for reading. Rotation: add a new key, make it
 *   current, call `rotate()`; it re-encrypts every row under the current key, after which old keys may be removed.
 * - Storage is a small interface (`PseudonymStore`): `FilePseudonymStore` here, or the gateway's index (Kysely).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AnonymizerError } from './errors.js';

/** What the requesting hospital gets back for a pseudonym. */
export interface PatientIdentityRecord {
  readonly pseudonym: string;
  readonly patientId: string;
  /** Assigning authority of the Patient ID (hospital code), if known. */
  readonly issuer?: string;
  readonly patientName?: string;
  readonly birthDate?: string;
  /** Source → pseudonymous Study Instance UIDs of the case. */
  readonly studies?: readonly { readonly source: string; readonly pseudonymous: string }[];
  readonly recordedAt: string;
}

/** One encrypted row as stored. */
export interface PseudonymRow {
  readonly pseudonym: string;
  readonly keyId: string;
  /** HMAC of issuer + Patient ID, hex; lets `pseudonymOf` find the row without the ID in clear. */
  readonly lookup: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

/** Storage of encrypted rows (file here; the gateway may back it with its index). */
export interface PseudonymStore {
  put(row: PseudonymRow): Promise<void>;
  get(pseudonym: string): Promise<PseudonymRow | undefined>;
  findByLookup(lookup: string): Promise<PseudonymRow | undefined>;
  all(): Promise<PseudonymRow[]>;
}

/** Keys by id; `current` encrypts, every key decrypts rows written with it. */
export interface PseudonymKeyring {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

function checkKey(id: string, key: Buffer): Buffer {
  if (key.length !== 32) throw new AnonymizerError('BAD_KEY', `pseudonym map key "${id}" must be 32 bytes`);
  return key;
}

/**
 * Reads a key ring. Accepted forms (file or `$HOICHAN_PSEUDONYM_KEY`): 32 raw bytes, 64 hex digits, 44 base64
 * characters, or JSON `{ "current": "k2", "keys": { "k1": "<base64>", "k2": "<base64>" } }` for rotation.
 */
export function parseKeyring(text: string | Buffer): PseudonymKeyring {
  const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (raw.length === 32 && typeof text !== 'string') return { current: 'k1', keys: new Map([['k1', raw]]) };
  const s = raw.toString('utf8').trim();
  if (s.startsWith('{')) {
    let j: { current?: unknown; keys?: Record<string, unknown> };
    try {
      j = JSON.parse(s) as typeof j;
    } catch {
      throw new AnonymizerError('BAD_KEY', 'pseudonym key file is not valid JSON');
    }
    if (typeof j.current !== 'string' || !j.keys || typeof j.keys !== 'object') {
      throw new AnonymizerError('BAD_KEY', 'pseudonym key file needs "current" and "keys"');
    }
    const keys = new Map<string, Buffer>();
    for (const [id, v] of Object.entries(j.keys)) keys.set(id, checkKey(id, Buffer.from(String(v), 'base64')));
    if (!keys.has(j.current)) throw new AnonymizerError('BAD_KEY', 'current pseudonym key is not in "keys"');
    return { current: j.current, keys };
  }
  const key = /^[0-9a-f]{64}$/i.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
  return { current: 'k1', keys: new Map([['k1', checkKey('k1', key)]]) };
}

/** Loads the key ring from `keyFile`, or `$HOICHAN_PSEUDONYM_KEY_FILE`, or `$HOICHAN_PSEUDONYM_KEY`. */
export function loadKeyring(keyFile?: string, env: NodeJS.ProcessEnv = process.env): PseudonymKeyring {
  const file = keyFile ?? env.HOICHAN_PSEUDONYM_KEY_FILE;
  if (file) return parseKeyring(readFileSync(file));
  if (env.HOICHAN_PSEUDONYM_KEY) return parseKeyring(env.HOICHAN_PSEUDONYM_KEY);
  throw new AnonymizerError('BAD_KEY', 'no pseudonym map key: set HOICHAN_PSEUDONYM_KEY_FILE or HOICHAN_PSEUDONYM_KEY');
}

/** The encrypted pseudonym → patient map. */
export class PseudonymMap {
  constructor(
    private readonly store: PseudonymStore,
    private readonly keyring: PseudonymKeyring,
  ) {
    if (!keyring.keys.has(keyring.current)) throw new AnonymizerError('BAD_KEY', 'current pseudonym key missing');
  }

  private key(id: string): Buffer {
    const k = this.keyring.keys.get(id);
    if (!k) throw new AnonymizerError('BAD_KEY', `pseudonym map row was written with key "${id}", which is not in the key ring`);
    return k;
  }

  private lookupHash(patientId: string, issuer = ''): string {
    const lookupKey = createHmac('sha256', this.key(this.keyring.current)).update('hoichan pseudonym lookup').digest();
    return createHmac('sha256', lookupKey).update(`${issuer}\u0000${patientId}`, 'utf8').digest('hex');
  }

  private encrypt(record: PatientIdentityRecord): PseudonymRow {
    const keyId = this.keyring.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(keyId), iv);
    cipher.setAAD(Buffer.from(`${record.pseudonym}\u0000${keyId}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(record), 'utf8'), cipher.final()]);
    return {
      pseudonym: record.pseudonym,
      keyId,
      lookup: this.lookupHash(record.patientId, record.issuer),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  private decrypt(row: PseudonymRow): PatientIdentityRecord {
    const decipher = createDecipheriv('aes-256-gcm', this.key(row.keyId), Buffer.from(row.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${row.pseudonym}\u0000${row.keyId}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(row.tag, 'base64'));
    try {
      const plain = Buffer.concat([decipher.update(Buffer.from(row.ciphertext, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as PatientIdentityRecord;
    } catch {
      throw new AnonymizerError('BAD_KEY', 'pseudonym map row failed authentication (wrong key or tampered row)');
    }
  }

  /** Records (or replaces) the patient behind `pseudonym`. */
  async record(record: Omit<PatientIdentityRecord, 'recordedAt'> & { recordedAt?: string }): Promise<void> {
    if (!record.pseudonym.trim() || !record.patientId.trim()) throw new AnonymizerError('BAD_OPTIONS', 'pseudonym and patientId are required');
    await this.store.put(this.encrypt({ ...record, recordedAt: record.recordedAt ?? new Date().toISOString() }));
  }

  /** The patient behind `pseudonym`, or undefined. Access control is the caller's. */
  async lookup(pseudonym: string): Promise<PatientIdentityRecord | undefined> {
    const row = await this.store.get(pseudonym);
    return row && this.decrypt(row);
  }

  /** The pseudonym already given to this patient, so every case of one patient links to one map entry. */
  async pseudonymOf(patientId: string, issuer?: string): Promise<string | undefined> {
    return (await this.store.findByLookup(this.lookupHash(patientId, issuer)))?.pseudonym;
  }

  /** Re-encrypts every row under the current key (key rotation). Returns the number of rows rewritten. */
  async rotate(): Promise<number> {
    let n = 0;
    for (const row of await this.store.all()) {
      const rec = this.decrypt(row);
      if (row.keyId === this.keyring.current && row.lookup === this.lookupHash(rec.patientId, rec.issuer)) continue;
      await this.store.put(this.encrypt(rec));
      n++;
    }
    return n;
  }
}

/** A JSON file of encrypted rows, rewritten atomically (temp file + rename, mode 0600) on every change. */
export class FilePseudonymStore implements PseudonymStore {
  private rows: Map<string, PseudonymRow>;

  constructor(private readonly file: string) {
    this.rows = new Map();
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { rows?: PseudonymRow[] };
      for (const r of parsed.rows ?? []) this.rows.set(r.pseudonym, r);
    }
  }

  async put(row: PseudonymRow): Promise<void> {
    this.rows.set(row.pseudonym, row);
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, rows: [...this.rows.values()] }), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  async get(pseudonym: string): Promise<PseudonymRow | undefined> {
    return this.rows.get(pseudonym);
  }

  async findByLookup(lookup: string): Promise<PseudonymRow | undefined> {
    for (const r of this.rows.values()) if (r.lookup === lookup) return r;
    return undefined;
  }

  async all(): Promise<PseudonymRow[]> {
    return [...this.rows.values()];
  }
}

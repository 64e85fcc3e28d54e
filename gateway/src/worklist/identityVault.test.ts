import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Accounts } from '../auth/Accounts.js';
import { openIndex } from '../archive/index/openIndex.js';
import { loadDemo } from './demo.js';
import { IdentityVault } from './identityVault.js';
import { Worklist } from './service.js';
import { loadPatient } from './consultRepo.js';

const dirs: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-vault-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

const IDENTITY = { name: 'Nguyễn^Văn An', birthDate: '19700101', nationalId: '001070012345' } as never;

describe('IdentityVault (the map back from pseudonym to patient, encrypted at rest; issue 4 point 3, G-2.3)', () => {
  it('round-trips an identity and keeps its key in the data dir (0600), reused on the next open', () => {
    const dir = tmp();
    const sealed = IdentityVault.open(dir).seal('bn-1', IDENTITY);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('Nguy');
    expect(IdentityVault.open(dir).unseal('bn-1', sealed)).toEqual(IDENTITY);
    expect(fs.statSync(path.join(dir, 'keys', 'identity.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses a row moved to another patient, an altered row, another key, and plaintext', () => {
    const dir = tmp();
    const v = IdentityVault.open(dir);
    const sealed = v.seal('bn-1', IDENTITY);
    expect(() => v.unseal('bn-2', sealed)).toThrow();
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url'); ct[0] ^= 1;
    expect(() => v.unseal('bn-1', [parts[0], parts[1], parts[2], ct.toString('base64url')].join('.'))).toThrow();
    expect(() => IdentityVault.open(tmp()).unseal('bn-1', sealed)).toThrow();
    expect(() => v.unseal('bn-1', JSON.stringify(IDENTITY))).toThrow(/not sealed/);
  });

  it('the index holds no identity in clear: the demo patient row is sealed and opens through loadPatient', async () => {
    const dir = tmp();
    const index = await openIndex({ dataDir: dir, databaseUrl: null, schema: 'unused' });
    try {
      const worklist = new Worklist(index, IdentityVault.open(dir));
      await loadDemo(worklist, new Accounts(index.db, 3600));
      const rows = await worklist.db.selectFrom('patients').selectAll().execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        const p = await loadPatient(worklist.db, r.id, worklist.vault);
        const clear = JSON.stringify(p!.identity);
        expect(clear.length).toBeGreaterThan(10);
        // Neither the JSON nor any name/id value appears in the stored column.
        expect(r.identity_json).toMatch(/^v1\./);
        for (const v of Object.values(p!.identity)) if (typeof v === 'string' && v.length >= 4) expect(r.identity_json).not.toContain(v);
      }
    } finally {
      await index.close();
    }
  });
});

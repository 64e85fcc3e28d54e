import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openIndex } from '../archive/index/openIndex.js';
import { SecretBox } from '../auth/secretBox.js';
import { WebPeerRegistry, webPeerFromJson } from './webPeers.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

describe('WebPeerRegistry keeps a DICOMweb peer\'s credentials sealed at rest', () => {
  it('stores no token or password in clear, reads them back, and seals rows an older version wrote in clear', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-webpeers-')); dirs.push(dir);
    const index = await openIndex({ dataDir: dir, databaseUrl: null, schema: 'unused' });
    try {
      const reg = new WebPeerRegistry(index.db, SecretBox.open(dir, 'peers'));
      await reg.upsert(webPeerFromJson({ name: 'pacs-a', baseUrl: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'hoi', password: 'S3cret-pass-word' } }));
      await reg.upsert(webPeerFromJson({ name: 'pacs-b', baseUrl: 'https://pacs.example/b', auth: { type: 'bearer', token: 'tok-0123456789abcdef' } }));
      const raw = () => index.db.selectFrom('web_peers' as never).select(['name' as never, 'auth' as never]).execute() as Promise<{ name: string; auth: string }[]>;
      for (const r of await raw()) {
        expect(r.auth).toMatch(/^v1\./);
        expect(r.auth).not.toContain('S3cret');
        expect(r.auth).not.toContain('tok-0123');
      }
      expect((await reg.get('pacs-a'))!.auth).toEqual({ type: 'basic', username: 'hoi', password: 'S3cret-pass-word' });
      expect((await reg.get('pacs-b'))!.auth).toEqual({ type: 'bearer', token: 'tok-0123456789abcdef' });

      // A sealed value copied onto another peer's row does not open there.
      const rows = await raw();
      await index.db.updateTable('web_peers' as never).set({ auth: rows.find((r) => r.name === 'pacs-a')!.auth } as never).where('name' as never, '=', 'pacs-b' as never).execute();
      await expect(reg.get('pacs-b')).rejects.toThrow();

      // A row in clear (as version ≤ 0.1 wrote it) is still read, and sealed by sealLegacyRows.
      await index.db.updateTable('web_peers' as never).set({ auth: JSON.stringify({ type: 'bearer', token: 'legacy-token-xyz' }) } as never).where('name' as never, '=', 'pacs-b' as never).execute();
      expect((await reg.get('pacs-b'))!.auth).toEqual({ type: 'bearer', token: 'legacy-token-xyz' });
      expect(await reg.sealLegacyRows()).toBe(1);
      expect((await raw()).find((r) => r.name === 'pacs-b')!.auth).not.toContain('legacy-token');
      expect((await reg.get('pacs-b'))!.auth).toEqual({ type: 'bearer', token: 'legacy-token-xyz' });
      expect(fs.statSync(path.join(dir, 'keys', 'peers.key')).mode & 0o777).toBe(0o600);
    } finally {
      await index.close();
    }
  });
});

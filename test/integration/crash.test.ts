import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnGateway, waitExit } from '../helpers/process.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance, newUid } from '../helpers/synth.js';
import Database from 'better-sqlite3';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-crash-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const PASSWORD = 'crash-test-password';
const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };

describe('crash during STOW (kill -9)', () => {
  it('every acknowledged instance survives, and no orphan file or index row is left', async () => {
    const env = { HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD };
    const first = await spawnGateway(env);
    const study = newUid();
    const series = newUid();
    // 500 instances of ~128 KB in batches of 50; the process is killed while batch 6 is in flight.
    const pixels = new Uint8Array(256 * 512).fill(7);
    const acknowledged: string[] = [];
    let killedDuring = -1;
    for (let b = 0; b < 10; b++) {
      const sops = Array.from({ length: 50 }, () => newUid());
      const body = stowBody(sops.map((sop, i) => makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: sop, InstanceNumber: b * 50 + i + 1, Rows: 256, Columns: 512 }, { pixels })));
      if (b === 5) {
        // Send the request, and kill -9 after part of the body is on its way.
        const pending = fetch(`${first.url}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': body.contentType }, body: body.body }).catch((e: Error) => e);
        await new Promise((r) => setTimeout(r, 25));
        first.child.kill('SIGKILL');
        const res = await pending;
        if (!(res instanceof Error) && res.status === 200) acknowledged.push(...sops);
        killedDuring = b;
        break;
      }
      const res = await fetch(`${first.url}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': body.contentType }, body: body.body });
      expect(res.status).toBe(200);
      acknowledged.push(...sops);
    }
    await waitExit(first.child);
    expect(killedDuring).toBe(5);
    expect(acknowledged.length).toBeGreaterThanOrEqual(250);

    const second = await spawnGateway(env);
    try {
      const res = await fetch(`${second.url}/dicom-web/studies/${study}/series/${series}/instances?limit=1000`, { headers: auth });
      const rows = (await res.json()) as Record<string, { Value?: string[] }>[];
      const have = new Set(rows.map((r) => r['00080018']!.Value![0]));
      for (const sop of acknowledged) expect(have.has(sop), sop).toBe(true);
      // Every indexed instance is readable, byte for byte the length it was indexed with.
      const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
      const indexed = db.prepare('SELECT blob_key, size FROM instances').all() as { blob_key: string; size: number }[];
      db.close();
      for (const r of indexed) expect(fs.statSync(path.join(dataDir, 'blobs', r.blob_key)).size).toBe(r.size);
      const files = fs.readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.dcm'));
      expect(files.length).toBe(indexed.length);
      expect(fs.readdirSync(path.join(dataDir, 'blobs', '.tmp'))).toEqual([]);
      expect(fs.readdirSync(path.join(dataDir, 'journal'))).toEqual([]);
      const sample = acknowledged[acknowledged.length - 1]!;
      const one = await fetch(`${second.url}/dicom-web/studies/${study}/series/${series}/instances/${sample}`, { headers: { ...auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
      expect(one.status).toBe(200);
      expect((await one.arrayBuffer()).byteLength).toBeGreaterThan(256 * 512);
    } finally {
      second.child.kill('SIGTERM');
      await waitExit(second.child);
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawnGateway, waitExit } from '../helpers/process.js';
import { stowBody } from '../helpers/multipart.js';
import { tempDebris } from '../helpers/blobDirs.js';
import { makeInstance, newUid } from '../helpers/synth.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-crash-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const PASSWORD = 'crash-test-password';
const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };
const env = { HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD, HOICHAN_DICOM_PORT: '0' };
const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

/** What a restarted gateway must show: every acknowledged SOP, every indexed blob whole, no orphan blob. */
async function checkConsistent(url: string, study: string, series: string, acknowledged: string[]): Promise<void> {
  const res = await fetch(`${url}/dicom-web/studies/${study}/series/${series}/instances?limit=5000`, { headers: auth });
  const rows = (await res.json()) as Record<string, { Value?: string[] }>[];
  const have = new Set(rows.map((r) => r['00080018']!.Value![0]));
  for (const sop of acknowledged) expect(have.has(sop), `acknowledged ${sop} is missing`).toBe(true);
  const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
  const indexed = db.prepare('SELECT blob_key, size FROM instances').all() as { blob_key: string; size: number }[];
  db.close();
  for (const r of indexed) expect(fs.statSync(path.join(dataDir, 'blobs', r.blob_key)).size).toBe(r.size);
  const files = fs.readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.dcm'));
  expect(files.length, 'blob files = index rows (no orphan)').toBe(indexed.length);
  expect(tempDebris(dataDir)).toEqual([]);
  expect(list(path.join(dataDir, 'journal'))).toEqual([]);
}

describe('crash during STOW (kill -9)', () => {
  it('every acknowledged instance survives, and no orphan file or index row is left', async () => {
    const study = newUid();
    const series = newUid();
    const pixels = new Uint8Array(256 * 512).fill(7);
    const acknowledged: string[] = [];
    let debrisSeen = 0;
    let n = 0;
    const batch = () => {
      const sops = Array.from({ length: 50 }, () => newUid());
      return { sops, body: stowBody(sops.map((sop) => makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: sop, InstanceNumber: ++n, Rows: 256, Columns: 512 }, { pixels }))) };
    };
    // 500 instances in batches of 50: each round stores some batches, then dies at a different moment of
    // the next one (receiving, fsyncing, renaming, committing), and the restart must repair what it left.
    // Fixed delays land anywhere (often before any file exists, or after the answer: a faster gateway moves
    // them); 'temp' kills the moment the request's first part is being written (a temp file appears, or a
    // spare fills), i.e. surely mid-write.
    const killAt: (number | 'temp')[] = [5, 'temp', 30, 60, 'temp', 100, 150];
    for (const delay of killAt) {
      const gw = await spawnGateway(env);
      await checkConsistent(gw.url, study, series, acknowledged);
      const ok = batch();
      const r = await fetch(`${gw.url}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': ok.body.contentType }, body: ok.body.body });
      expect(r.status).toBe(200);
      acknowledged.push(...ok.sops);
      const doomed = batch();
      const pending = fetch(`${gw.url}/dicom-web/studies`, { method: 'POST', headers: { ...auth, 'content-type': doomed.body.contentType }, body: doomed.body.body }).catch((e: Error) => e);
      if (delay === 'temp') {
        const before = new Set(tempDebris(dataDir));
        for (const deadline = Date.now() + 5000; !tempDebris(dataDir).some((f) => !before.has(f)) && Date.now() < deadline;) await new Promise((res) => setTimeout(res, 1));
      } else await new Promise((res) => setTimeout(res, delay));
      gw.child.kill('SIGKILL');
      const res = await pending;
      if (!(res instanceof Error) && res.status === 200) acknowledged.push(...doomed.sops);
      await waitExit(gw.child);
      debrisSeen += tempDebris(dataDir).length + list(path.join(dataDir, 'journal')).length;
    }
    const last = await spawnGateway(env);
    try {
      await checkConsistent(last.url, study, series, acknowledged);
      expect(acknowledged.length).toBeGreaterThanOrEqual(250);
      // At least one kill landed mid-write, so recovery really had something to repair.
      expect(debrisSeen).toBeGreaterThan(0);
      const sample = acknowledged[acknowledged.length - 1]!;
      const one = await fetch(`${last.url}/dicom-web/studies/${study}/series/${series}/instances/${sample}`, { headers: { ...auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
      expect(one.status).toBe(200);
      expect((await one.arrayBuffer()).byteLength).toBeGreaterThan(256 * 512);
    } finally {
      last.child.kill('SIGTERM');
      await waitExit(last.child);
    }
  });
});

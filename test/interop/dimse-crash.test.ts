import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnGateway, waitExit } from '../helpers/process.js';
import { dcmtk, ensureSeries, uidsOf } from './dimseTools.js';
import { tempDebris } from '../helpers/blobDirs.js';

/**
 * kill -9 of the gateway while storescu sends: every instance storescu saw acknowledged (Success) must be
 * there after a restart, in both durability modes; no orphan blob, temp file or index row is left.
 */
const PASSWORD = 'crash-test-password';
const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };
let series: string;
let files: string[];
let sopOf: Map<string, { sop: string | null }>;
const dirs: string[] = [];

beforeAll(async () => {
  series = await ensureSeries(500);
  files = fs.readdirSync(series).filter((f) => f.endsWith('.dcm')).sort().map((f) => path.join(series, f));
  sopOf = await uidsOf(files);
}, 300_000);

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** SOP Instance UIDs storescu reports as stored ("Sending file: X" … "Received Store Response (Success)"). */
function acknowledged(out: string): string[] {
  const acked: string[] = [];
  let current: string | null = null;
  for (const line of out.split('\n')) {
    const s = /Sending file: (.*)$/.exec(line);
    if (s) current = s[1]!.trim();
    else if (/Received Store Response \((Success|Warning)/.test(line) && current) {
      acked.push(sopOf.get(current)!.sop!);
      current = null;
    }
  }
  return acked;
}

describe.each([
  { mode: 'instance', senders: 1 },
  { mode: 'batch', senders: 4 },
])('kill -9 during C-STORE ($mode durability, $senders association(s))', ({ mode, senders }) => {
  it('keeps every acknowledged instance, and nothing half-written', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hoichan-dimse-crash-${mode}-`));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD, HOICHAN_DICOM_ACCEPT_ANY: 'true', HOICHAN_DIMSE_DURABILITY: mode };
    const first = await spawnGateway({ ...env, HOICHAN_DICOM_PORT: String(port) });
    const outputs: string[] = Array.from({ length: senders }, () => '');
    let killed = false;
    const quarter = Math.ceil(files.length / senders);
    const runs = Array.from({ length: senders }, (_, i) => dcmtk('storescu', ['-v', '-aet', `CRASH${i}`, '-aec', 'HOICHAN', '127.0.0.1', String(port), ...files.slice(i * quarter, (i + 1) * quarter)], {
      onOutput: (out) => {
        outputs[i] = out;
        const total = outputs.reduce((n, o) => n + (o.match(/Store Response \(Success/g) ?? []).length, 0);
        if (!killed && total >= 150) {
          killed = true;
          (first.child as ChildProcess).kill('SIGKILL');
        }
      },
    }));
    const results = await Promise.all(runs);
    await waitExit(first.child);
    expect(killed).toBe(true);
    const acked = results.flatMap((r) => acknowledged(r.out));
    expect(acked.length).toBeGreaterThanOrEqual(150);
    expect(acked.length).toBeLessThan(500);

    const second = await spawnGateway(env);
    try {
      const res = await fetch(`${second.url}/dicom-web/instances?limit=1000`, { headers: auth });
      const rows = (await res.json()) as Record<string, { Value?: string[] }>[];
      const have = new Set(rows.map((r) => r['00080018']!.Value![0]));
      const lost = acked.filter((s) => !have.has(s));
      expect(lost, `${lost.length} acknowledged instances lost`).toEqual([]);
      const db = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
      const indexed = db.prepare('SELECT blob_key, size FROM instances').all() as { blob_key: string; size: number }[];
      db.close();
      for (const r of indexed) expect(fs.statSync(path.join(dataDir, 'blobs', r.blob_key)).size).toBe(r.size);
      const blobs = fs.readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.dcm'));
      expect(blobs.length).toBe(indexed.length);
      expect(tempDebris(dataDir)).toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await waitExit(second.child);
    }
  }, 240_000);
});

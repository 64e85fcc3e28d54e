import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixtureFiles, startGateway, type TestGateway } from '../helpers/gateway.js';
import { countWrites } from '../helpers/blobDirs.js';
import { freePort } from '../helpers/process.js';
import { ScuAssociation } from '../../gateway/src/dimse/scu.js';
import { CMD, STATUS } from '../../gateway/src/dimse/command.js';
import { writeDataset } from '../../gateway/src/dimse/dataset.js';
import { SOP, TS } from '../../gateway/src/dimse/uids.js';
import {
  ANCHORS, canConnect, datasetOffset, datasetSha, dcmtk, ensureSeries, finalStatus, findResponses, sha256,
  startStorescp, storescuConfig, uidsOf,
} from './dimseTools.js';

const AE = 'HOICHAN';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-dimse-'));
let t: TestGateway;
let port: number;
let series: string;
let seriesFiles: string[];
let seriesUids: Map<string, { ts: string | null; sopClass: string | null; sop: string | null }>;
let studyUid: string;
let seriesUid: string;
let scp: ChildProcess | null = null;
let scpPort: number;
const scpDir = path.join(work, 'storescp');

async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.gw.app.inject({ method, url, headers: t.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

/** Stored bytes of an instance, from the index and blob store. */
async function storedBytes(sop: string): Promise<Buffer | null> {
  const row = await t.gw.archive.db.selectFrom('instances').select('blob_key').where('sop_uid', '=', sop).executeTakeFirst();
  return row ? t.gw.archive.blobs.read(row.blob_key) : null;
}

const qidoCount = async (query: string): Promise<number> => {
  const r = await t.gw.app.inject({ method: 'GET', url: `/dicom-web/instances?${query}&limit=5000`, headers: t.auth });
  return r.statusCode === 204 ? 0 : (r.json() as unknown[]).length;
};

const storescu = (args: string[], aet = 'TESTSCU') => dcmtk('storescu', ['-v', '-aet', aet, '-aec', AE, ...args]);
const responses = (out: string): string[] => [...out.matchAll(/Received Store Response \(([^)]*)\)/g)].map((m) => m[1]!);

function scuOpen(contexts: { abstractSyntax: string; transferSyntaxes: string[] }[], callingAe = 'TESTSCU', extra: Partial<Parameters<typeof ScuAssociation.open>[0]> = {}) {
  return ScuAssociation.open({
    host: '127.0.0.1', port, callingAe, calledAe: AE, maxPdu: 16384, timeoutMs: 10_000,
    contexts: contexts.map((c, i) => ({ id: i * 2 + 1, ...c })), ...extra,
  });
}

const tmpTempFiles = () => fs.readdirSync(path.join(t.dataDir, 'blobs', '.tmp'));

beforeAll(async () => {
  series = await ensureSeries(500);
  seriesFiles = fs.readdirSync(series).filter((f) => f.endsWith('.dcm')).sort().map((f) => path.join(series, f));
  seriesUids = await uidsOf(seriesFiles);
  const first = await dcmtk('dcmdump', ['-q', '-Un', '+P', '0020,000d', '+P', '0020,000e', seriesFiles[0]!]);
  studyUid = /\(0020,000d\) UI \[([^\]]+)\]/.exec(first.out)![1]!.trim();
  seriesUid = /\(0020,000e\) UI \[([^\]]+)\]/.exec(first.out)![1]!.trim();
  // A self-signed certificate for the DICOM TLS listener.
  const tls = await dcmtk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost']);
  expect(tls.code, tls.out).toBe(0);
  t = await startGateway('sqlite', {
    dicomPort: 0, aeTitle: AE, dicomIdleSeconds: 3, dicomMaxAssociations: 6,
    dicomTlsPort: 0, dicomTlsCert: path.join(work, 'cert.pem'), dicomTlsKey: path.join(work, 'key.pem'),
  });
  port = t.gw.dimse.port!;
  scpPort = await freePort();
  scp = await startStorescp(scpPort, scpDir);
  for (const p of [
    { aeTitle: 'TESTSCU', host: '127.0.0.1', port: 1, mayStore: true, mayQuery: true },
    { aeTitle: 'NOSTORE', host: '127.0.0.1', port: 1, mayStore: false, mayQuery: true },
    { aeTitle: 'NOQUERY', host: '127.0.0.1', port: 1, mayStore: true, mayQuery: false },
    { aeTitle: 'STORESCP', host: '127.0.0.1', port: scpPort, mayStore: false, mayQuery: false, mayMoveTo: true },
    { aeTitle: 'DEADSCP', host: '127.0.0.1', port: 1, mayMoveTo: true },
  ]) expect((await api('POST', '/api/dicom/peers', p)).statusCode).toBe(201);
}, 300_000);

afterAll(async () => {
  scp?.kill();
  await t?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('peers API', () => {
  it('lists, updates and deletes peers; admin only; validates AE titles', async () => {
    const list = (await api('GET', '/api/dicom/peers')).json() as { aeTitle: string }[];
    expect(list.map((p) => p.aeTitle)).toEqual(['DEADSCP', 'NOQUERY', 'NOSTORE', 'STORESCP', 'TESTSCU']);
    expect((await api('POST', '/api/dicom/peers', { aeTitle: 'TESTSCU', host: 'x', port: 104 })).statusCode).toBe(409);
    expect((await api('POST', '/api/dicom/peers', { aeTitle: 'WAY_TOO_LONG_AE_TITLE', host: 'x', port: 104 })).statusCode).toBe(400);
    expect((await api('POST', '/api/dicom/peers', { aeTitle: 'OK', host: 'x', port: 70000 })).statusCode).toBe(400);
    const put = await api('PUT', '/api/dicom/peers/TEMP', { host: 'modality.local', port: 104, mayQuery: true, description: 'CT room 2' });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toEqual({ aeTitle: 'TEMP', host: 'modality.local', port: 104, mayStore: true, mayQuery: true, mayMoveTo: false, description: 'CT room 2' });
    expect((await api('PUT', '/api/dicom/peers/TEMP', { host: 'modality.local', port: 11112 })).statusCode).toBe(200);
    expect(((await api('GET', '/api/dicom/peers/TEMP')).json() as { port: number }).port).toBe(11112);
    expect((await api('DELETE', '/api/dicom/peers/TEMP')).statusCode).toBe(204);
    expect((await api('DELETE', '/api/dicom/peers/TEMP')).statusCode).toBe(404);
    expect((await t.gw.app.inject({ method: 'GET', url: '/api/dicom/peers' })).statusCode).toBe(401);
    const s = (await api('GET', '/api/dicom/settings')).json() as { acceptAny: boolean; aeTitle: string; port: number };
    expect(s).toEqual({ acceptAny: false, aeTitle: AE, port });
  });
});

describe('association', () => {
  it('C-ECHO', async () => {
    const r = await dcmtk('echoscu', ['-v', '-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', String(port)]);
    expect(r.out).toMatch(/Received Echo Response \(Success\)/);
    expect(r.code).toBe(0);
  });

  it('rejects an unknown calling AE (reason 3) and a wrong called AE (reason 7), unless accept-any', async () => {
    const unknown = await dcmtk('echoscu', ['-v', '-aet', 'STRANGER', '-aec', AE, '127.0.0.1', String(port)]);
    expect(unknown.out).toMatch(/Rejected Permanent, Source: Service User/);
    expect(unknown.out).toMatch(/Calling AE Title Not Recognized/);
    const called = await dcmtk('echoscu', ['-v', '-aet', 'TESTSCU', '-aec', 'NOTUS', '127.0.0.1', String(port)]);
    expect(called.out).toMatch(/Called AE Title Not Recognized/);
    expect((await api('PUT', '/api/dicom/settings', { acceptAny: true })).json()).toMatchObject({ acceptAny: true });
    const any = await dcmtk('echoscu', ['-v', '-aet', 'STRANGER', '-aec', AE, '127.0.0.1', String(port)]);
    expect(any.out).toMatch(/Received Echo Response \(Success\)/);
    expect((await api('PUT', '/api/dicom/settings', { acceptAny: false })).json()).toMatchObject({ acceptAny: false });
    expect((await dcmtk('echoscu', ['-aet', 'STRANGER', '-aec', AE, '127.0.0.1', String(port)])).code).not.toBe(0);
  });

  it('limits concurrent associations (A-ASSOCIATE-RJ transient, local limit exceeded)', async () => {
    const open = [];
    for (let i = 0; i < 6; i++) open.push(await scuOpen([{ abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] }]));
    await expect(scuOpen([{ abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] }])).rejects.toMatchObject({ result: 2, source: 3, reason: 2 });
    await Promise.all(open.map((a) => a.release()));
    await new Promise((r) => setTimeout(r, 100));
    const again = await scuOpen([{ abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] }]);
    const { rsp } = await again.request(1, { commandField: CMD.cEchoRq, affectedSopClassUid: SOP.verification, hasDataset: false });
    expect(rsp.status).toBe(0);
    await again.release();
  });

  it('answers garbage with an A-ABORT and keeps serving', async () => {
    const reply = await new Promise<Buffer>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      const got: Buffer[] = [];
      s.on('data', (d) => got.push(d));
      s.on('close', () => resolve(Buffer.concat(got)));
    });
    expect(reply[0]).toBe(0x07);
    // A P-DATA-TF on a context that was never negotiated: abort too.
    const a = await scuOpen([{ abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] }]);
    await expect(a.request(9, { commandField: CMD.cEchoRq, affectedSopClassUid: SOP.verification, hasDataset: false })).rejects.toThrow(/abort/);
    const r = await dcmtk('echoscu', ['-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', String(port)]);
    expect(r.code).toBe(0);
  });

  it('closes a connection that never requests an association (ARTIM), and an idle association', async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.resume();
      s.on('close', () => resolve());
      s.on('error', () => undefined);
    });
    expect(Date.now() - started).toBeGreaterThan(2500);
    expect(Date.now() - started).toBeLessThan(6000);
    const a = await scuOpen([{ abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] }]);
    await new Promise((r) => setTimeout(r, 4500));
    await expect(a.request(1, { commandField: CMD.cEchoRq, affectedSopClassUid: SOP.verification, hasDataset: false })).rejects.toThrow();
  }, 20_000);
});

describe('C-STORE', () => {
  const manifest = new Map(fs.readFileSync(path.join(FIXTURES, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split('\t');
    return [c[0]!, c[7]!] as const;
  }));

  it('stores every fixture storescu can send, as sent (bit-exact dataset), and QIDO finds them', async () => {
    const files = fixtureFiles();
    const uids = await uidsOf(files.map((f) => path.join(FIXTURES, f)));
    const storedSha = new Map<string, string>(); // sop → dataset sha of what we accepted first
    const report: string[] = [];
    for (const f of files) {
      const file = path.join(FIXTURES, f);
      const u = uids.get(file)!;
      if (!u.sop || !u.sopClass) {
        report.push(`${f}: no SOP Class/Instance UID, storescu refuses to send it`);
        continue;
      }
      const ts = u.ts ?? (/implicit/i.test(manifest.get(f) ?? '') ? TS.implicitLE : TS.explicitLE);
      if (ts === '1.2.840.10008.1.2.4.201') continue; // DCMTK 3.6.7 cannot read HTJ2K: sent with our SCU below
      const cfg = storescuConfig(work, u.sopClass, ts);
      const [ours, ref] = await Promise.all([
        storescu(['--config-file', cfg, 'AsStored', '127.0.0.1', String(port), file]),
        dcmtk('storescu', ['-aet', 'TESTSCU', '-aec', 'STORESCP', '--config-file', cfg, 'AsStored', '127.0.0.1', String(scpPort), file]),
      ]);
      const status = responses(ours.out)[0];
      // What storescu put on the wire, as storescp +B wrote it (storescu may re-encode); the file itself
      // when storescp refuses the SOP class.
      const refFile = ref.code === 0 ? fs.readdirSync(scpDir).map((n) => path.join(scpDir, n)).find((p) => p.endsWith(u.sop!)) : undefined;
      if (!refFile) report.push(`${f}: storescp did not take it (${/F: .*/.exec(ref.out)?.[0] ?? ref.code}); compared with the file`);
      const sentSha = datasetSha(fs.readFileSync(refFile ?? file));
      if (storedSha.has(u.sop) && storedSha.get(u.sop) !== sentSha) {
        // Same SOP Instance UID as an earlier fixture, other bytes (e.g. MR_small_* variants): 0x0111.
        expect(status, f).toMatch(/0x111/);
        report.push(`${f}: 0x0111 (duplicate UID, different content)`);
        continue;
      }
      expect(status, `${f}: ${ours.out}`).toBe('Success');
      const stored = (await storedBytes(u.sop))!;
      expect(datasetSha(stored), f).toBe(sentSha);
      // Our own file meta: the negotiated transfer syntax and the calling AE.
      expect(stored.toString('latin1', 128, 132)).toBe('DICM');
      expect(stored.subarray(0, datasetOffset(stored)).includes(Buffer.from(ts))).toBe(true);
      expect(stored.subarray(0, datasetOffset(stored)).includes(Buffer.from('TESTSCU'))).toBe(true);
      storedSha.set(u.sop, sentSha);
      if (datasetSha(fs.readFileSync(file)) !== sentSha) report.push(`${f}: storescu re-encoded the dataset (compared with storescp +B)`);
      expect(await qidoCount(`SOPInstanceUID=${u.sop}`), f).toBe(1);
    }
    expect(storedSha.size).toBeGreaterThanOrEqual(28);
    console.log(`fixtures stored: ${storedSha.size}\n  ${report.join('\n  ')}`);
  }, 300_000);

  it('stores HTJ2K and a private SOP class through our own SCU, bit-exact', async () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'HTJ2KLossless_08_RGB.dcm'));
    const u = (await uidsOf([path.join(FIXTURES, 'HTJ2KLossless_08_RGB.dcm')])).values().next().value!;
    const a = await scuOpen([{ abstractSyntax: u.sopClass!, transferSyntaxes: [u.ts!] }]);
    expect(a.accepted.get(1)?.transferSyntax).toBe(u.ts);
    const ds = file.subarray(datasetOffset(file));
    // The fixture has no Study/Series UID: stored under derived ones, answered with warning 0xB000.
    expect(await a.store(a.accepted.get(1)!, u.sopClass!, u.sop!, ds)).toBe(STATUS.coercion);
    await a.release();
    expect(datasetSha((await storedBytes(u.sop!))!)).toBe(sha256(ds));
    const priv = await scuOpen([{ abstractSyntax: '1.3.12.2.1107.5.9.1', transferSyntaxes: [TS.explicitLE] }]);
    expect(priv.accepted.size).toBe(1);
    await priv.release();
  });

  it('stores the 500-instance series over one association, bit-exact, visible to QIDO', async () => {
    const r = await storescu(['+sd', '127.0.0.1', String(port), series]);
    const st = responses(r.out);
    expect(st.length).toBe(500);
    expect(st.every((s) => s === 'Success')).toBe(true);
    expect(await qidoCount(`StudyInstanceUID=${studyUid}`)).toBe(500);
    for (const f of seriesFiles) {
      const sop = seriesUids.get(f)!.sop!;
      expect(datasetSha((await storedBytes(sop))!), f).toBe(datasetSha(fs.readFileSync(f)));
    }
    expect(tmpTempFiles()).toEqual([]);
  }, 300_000);

  it('answers a re-sent series without writing it again once its first instance shows it is held, and still stores a new one', async () => {
    const writes = countWrites(t.gw.archive.blobs);
    try {
      const CT = seriesUids.get(seriesFiles[0]!)!.sopClass!;
      const a = await scuOpen([{ abstractSyntax: CT, transferSyntaxes: [TS.explicitLE] }]);
      const pc = a.accepted.get(1)!;
      for (const f of seriesFiles.slice(0, 6)) {
        const file = fs.readFileSync(f);
        expect(await a.store(pc, CT, seriesUids.get(f)!.sop!, file.subarray(datasetOffset(file)))).toBe(STATUS.success);
      }
      expect(writes.written).toBe(1); // the first one, written then found to be a duplicate; the others only looked up
      // A new instance on the same association (the series' last file under another SOP Instance UID).
      const last = seriesFiles[seriesFiles.length - 1]!;
      const sop = seriesUids.get(last)!.sop!;
      const fresh = sop.slice(0, -1) + (sop.endsWith('7') ? '8' : '7');
      const ds = Buffer.from(fs.readFileSync(last).subarray(datasetOffset(fs.readFileSync(last))));
      const at = ds.indexOf(Buffer.from(sop));
      expect(at).toBeGreaterThan(0);
      ds.write(fresh, at, 'latin1');
      expect(await a.store(pc, CT, fresh, ds)).toBe(STATUS.success);
      await a.release();
      expect(writes.written).toBe(2);
      expect(datasetSha((await storedBytes(fresh))!)).toBe(sha256(ds));
      expect(await qidoCount(`StudyInstanceUID=${studyUid}`)).toBe(501);
      expect(tmpTempFiles()).toEqual([]);
      // The tests below count the series' 500.
      expect((await api('DELETE', `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${fresh}`)).statusCode).toBe(204);
      expect(await qidoCount(`StudyInstanceUID=${studyUid}`)).toBe(500);
    } finally {
      writes.restore();
    }
  });

  it('refuses C-STORE from a peer without may-store (0x0124)', async () => {
    const r = await storescu(['127.0.0.1', String(port), path.join(FIXTURES, 'SC_rgb_small_odd.dcm')], 'NOSTORE');
    expect(responses(r.out)[0]).toMatch(/0x124/);
  });

  it('answers a truncated dataset with 0xC000, a UID mismatch with 0xA900, and keeps the association', async () => {
    const file = fs.readFileSync(seriesFiles[10]!);
    const ds = file.subarray(datasetOffset(file));
    const u = seriesUids.get(seriesFiles[10]!)!;
    const CT = u.sopClass!;
    const a = await scuOpen([{ abstractSyntax: CT, transferSyntaxes: [TS.explicitLE] }]);
    const pc = a.accepted.get(1)!;
    const before = await qidoCount(`StudyInstanceUID=${studyUid}`);
    const had = (await storedBytes(u.sop!)) !== null;
    const newSop = '1.2.826.0.1.3680043.8.498.99.1';
    // Cut inside the header, and inside the pixel data.
    expect(await a.store(pc, CT, u.sop!, ds.subarray(0, 301))).toBe(STATUS.cannotUnderstand);
    expect(await a.store(pc, CT, u.sop!, ds.subarray(0, 400_000))).toBe(STATUS.cannotUnderstand);
    expect(await a.store(pc, CT, newSop, ds)).toBe(STATUS.datasetMismatch);
    expect(await a.store(pc, CT, u.sop!, Buffer.alloc(0))).toBe(STATUS.cannotUnderstand);
    // The same association still stores (a duplicate of identical bytes is a success).
    expect(await a.store(pc, CT, u.sop!, ds)).toBe(STATUS.success);
    await a.release();
    expect(await qidoCount(`StudyInstanceUID=${studyUid}`)).toBe(before + (had ? 0 : 1));
    expect(await storedBytes(newSop)).toBeNull();
    expect(tmpTempFiles()).toEqual([]);
  });

  it('streams an instance larger than the in-memory limit (24 MB), and refuses it cut short', async () => {
    const file = fs.readFileSync(seriesFiles[3]!);
    const ds = file.subarray(datasetOffset(file));
    const u = seriesUids.get(seriesFiles[3]!)!;
    const px = ds.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    const big = 24 * 1024 * 1024;
    const pxHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0, 0, 0, 0, 0]);
    pxHeader.writeUInt32LE(big, 8);
    // New SOP/Study/Series UIDs of the same lengths (no other element moves): a study of its own.
    const header = Buffer.from(ds.subarray(0, px));
    const renamed = (uid: string) => {
      const to = uid.slice(0, -3) + '999';
      for (let i = header.indexOf(Buffer.from(uid)); i >= 0; i = header.indexOf(Buffer.from(uid), i + 1)) header.write(to, i, 'latin1');
      return to;
    };
    const sop = renamed(u.sop!);
    renamed(studyUid);
    renamed(seriesUid);
    renamed('PAT1000001');
    const dataset = Buffer.concat([header, pxHeader, Buffer.alloc(big, 0x11)]);
    const a = await scuOpen([{ abstractSyntax: u.sopClass!, transferSyntaxes: [TS.explicitLE] }]);
    const pc = a.accepted.get(1)!;
    expect(await a.store(pc, u.sopClass!, sop, dataset.subarray(0, dataset.length - 1000))).toBe(STATUS.cannotUnderstand);
    expect(await a.store(pc, u.sopClass!, sop, dataset)).toBe(STATUS.success);
    await a.release();
    const stored = (await storedBytes(sop))!;
    expect(datasetSha(stored)).toBe(sha256(dataset));
    expect(tmpTempFiles()).toEqual([]);
  });

  it('answers a resend of stored datasets from another AE with success (its file meta differs, not its datasets), writing only the first', async () => {
    expect((await api('PUT', '/api/dicom/settings', { acceptAny: true })).statusCode).toBe(200);
    const writes = countWrites(t.gw.archive.blobs);
    try {
      const r = await storescu(['127.0.0.1', String(port), ...seriesFiles.slice(5, 11)], 'OTHERAE');
      expect(responses(r.out)).toEqual(Array(6).fill('Success'));
      // The first is written, then found held (datasets compared); the next ones are compared before any write.
      expect(writes.written).toBe(1);
      expect(await qidoCount(`StudyInstanceUID=${studyUid}`)).toBe(500);
    } finally {
      writes.restore();
      await api('PUT', '/api/dicom/settings', { acceptAny: false });
    }
  });

  it('survives an abort in the middle of a dataset and a killed storescu; what was acknowledged stays', async () => {
    // A-ABORT from the SCU after half a dataset.
    const file = fs.readFileSync(seriesFiles[0]!);
    const a = await scuOpen([{ abstractSyntax: seriesUids.get(seriesFiles[0]!)!.sopClass!, transferSyntaxes: [TS.explicitLE] }]);
    const pending = a.store(a.accepted.get(1)!, seriesUids.get(seriesFiles[0]!)!.sopClass!, '1.2.3.4.5.6', file.subarray(datasetOffset(file))).catch((e: Error) => e);
    a.abort();
    expect(await pending).toBeInstanceOf(Error);
    // storescu killed mid-series (another study, so that every instance is new).
    const other = fs.mkdtempSync(path.join(work, 'seed2-'));
    const env2 = await dcmtk('bash', ['-c', `GEN_SEED=2 GEN_PATIENT_ID=PAT2 ${path.join(ANCHORS, 'gen-series.sh')} ${other} 80`], { timeoutMs: 120_000 });
    expect(env2.code).toBe(0);
    const files2 = fs.readdirSync(other).filter((f) => f.endsWith('.dcm')).sort().map((f) => path.join(other, f));
    const uids2 = await uidsOf(files2);
    const acked: string[] = [];
    await dcmtk('storescu', ['-v', '-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', String(port), ...files2], {
      onOutput: (out, child) => {
        if ((out.match(/Store Response \(Success\)/g) ?? []).length >= 30) child.kill('SIGKILL');
      },
    }).then((r) => {
      let current: string | null = null;
      for (const line of r.out.split('\n')) {
        const s = /Sending file: (.*)$/.exec(line);
        if (s) current = s[1]!.trim();
        if (/Store Response \(Success\)/.test(line) && current) acked.push(uids2.get(current)!.sop!);
      }
    });
    expect(acked.length).toBeGreaterThanOrEqual(30);
    await new Promise((r) => setTimeout(r, 300));
    for (const sop of acked) expect(await storedBytes(sop), sop).not.toBeNull();
    expect(tmpTempFiles()).toEqual([]);
    const e = await dcmtk('echoscu', ['-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', String(port)]);
    expect(e.code).toBe(0);
  }, 120_000);
});

describe('C-FIND', () => {
  const findscu = (model: '-P' | '-S', keys: string[], extra: string[] = [], aet = 'TESTSCU') =>
    dcmtk('findscu', ['-v', model, '-aet', aet, '-aec', AE, ...extra, ...keys.flatMap((k) => ['-k', k]), '127.0.0.1', String(port)]);

  it('patient root, PATIENT level, with related counts', async () => {
    const r = await findscu('-P', ['QueryRetrieveLevel=PATIENT', 'PatientID=PAT1000001', 'PatientName', 'NumberOfPatientRelatedStudies', 'NumberOfPatientRelatedSeries', 'NumberOfPatientRelatedInstances']);
    expect(finalStatus(r.out, 'Find')).toBe('Success');
    const rs = findResponses(r.out);
    expect(rs.length).toBe(1);
    expect(rs[0]!.get('0010,0020')).toBe('PAT1000001');
    expect(rs[0]!.get('0010,0010')).toMatch(/\^/);
    expect(rs[0]!.get('0020,1200')).toBe('1');
    expect(rs[0]!.get('0020,1202')).toBe('1');
    expect(rs[0]!.get('0020,1204')).toBe('500');
    expect(rs[0]!.get('0008,0052')).toBe('PATIENT');
    expect(rs[0]!.has('0020,000d')).toBe(false);
  });

  it('study root and patient root, STUDY level: only the asked keys come back', async () => {
    for (const model of ['-S', '-P'] as const) {
      const r = await findscu(model, ['QueryRetrieveLevel=STUDY', 'PatientID=PAT1000001', 'StudyInstanceUID', 'StudyDate', 'ModalitiesInStudy', 'NumberOfStudyRelatedInstances', 'RetrieveAETitle']);
      const rs = findResponses(r.out);
      expect(rs.length, model).toBe(1);
      expect(rs[0]!.get('0020,000d')).toBe(studyUid);
      expect(rs[0]!.get('0008,0061')).toBe('CT');
      expect(rs[0]!.get('0020,1208')).toBe('500');
      expect(rs[0]!.get('0008,0054')).toBe(AE);
      expect([...rs[0]!.keys()].sort()).toEqual(['0008,0020', '0008,0052', '0008,0054', '0008,0061', '0010,0020', '0020,000d', '0020,1208']);
    }
    const range = await findscu('-S', ['QueryRetrieveLevel=STUDY', 'StudyDate=20000101-20991231', 'PatientName=doe*', 'StudyInstanceUID']);
    expect(findResponses(range.out).map((m) => m.get('0020,000d'))).toContain(studyUid);
    const none = await findscu('-S', ['QueryRetrieveLevel=STUDY', 'PatientID=NOBODY', 'StudyInstanceUID']);
    expect(findResponses(none.out)).toEqual([]);
    expect(finalStatus(none.out, 'Find')).toBe('Success');
  });

  it('SERIES and IMAGE level (study root and patient root)', async () => {
    const s = await findscu('-S', ['QueryRetrieveLevel=SERIES', `StudyInstanceUID=${studyUid}`, 'SeriesInstanceUID', 'Modality', 'NumberOfSeriesRelatedInstances']);
    const rs = findResponses(s.out);
    expect(rs.length).toBe(1);
    expect(rs[0]!.get('0020,000e')).toBe(seriesUid);
    expect(rs[0]!.get('0008,0060')).toBe('CT');
    expect(rs[0]!.get('0020,1209')).toBe('500');
    for (const model of ['-S', '-P'] as const) {
      const keys = ['QueryRetrieveLevel=IMAGE', `StudyInstanceUID=${studyUid}`, `SeriesInstanceUID=${seriesUid}`, 'SOPInstanceUID', 'InstanceNumber'];
      const i = await findscu(model, model === '-P' ? ['PatientID=PAT1000001', ...keys] : keys);
      const images = findResponses(i.out);
      expect(images.length, model).toBe(500);
      expect(new Set(images.map((m) => m.get('0008,0018')))).toEqual(new Set([...seriesUids.values()].map((u) => u.sop)));
      expect(images.every((m) => /^\d+$/.test(m.get('0020,0013') ?? ''))).toBe(true);
    }
  });

  it('C-CANCEL stops a C-FIND (final status Cancel)', async () => {
    const r = await findscu('-S', ['QueryRetrieveLevel=IMAGE', `StudyInstanceUID=${studyUid}`, 'SOPInstanceUID'], ['--cancel', '5']);
    const n = findResponses(r.out).length;
    expect(n).toBeGreaterThanOrEqual(5);
    expect(n).toBeLessThan(500);
    expect(finalStatus(r.out, 'Find')).toMatch(/Cancel/);
  });

  it('refuses C-FIND from a peer without may-query (0x0124)', async () => {
    const r = await findscu('-S', ['QueryRetrieveLevel=STUDY', 'StudyInstanceUID'], ['-d'], 'NOQUERY');
    expect(findResponses(r.out)).toEqual([]);
    expect(r.out).toMatch(/Status\s*:\s*0x0124/i);
  });
});

describe('C-MOVE', () => {
  it('moves the study to storescp, bit-exact', async () => {
    const dir = path.join(work, 'moved');
    const dest = await freePort();
    const moveScp = await startStorescp(dest, dir, 'MOVEDEST');
    try {
      expect((await api('PUT', '/api/dicom/peers/MOVEDEST', { host: '127.0.0.1', port: dest, mayStore: false, mayMoveTo: true })).statusCode).toBe(201);
      const r = await dcmtk('movescu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-aem', 'MOVEDEST', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '127.0.0.1', String(port)]);
      expect(finalStatus(r.out, 'Move'), r.out.slice(-500)).toBe('Success');
      const got = fs.readdirSync(dir);
      expect(got.length).toBe(500);
      const want = new Set(seriesFiles.map((f) => datasetSha(fs.readFileSync(f))));
      for (const n of got) expect(want.has(datasetSha(fs.readFileSync(path.join(dir, n))))).toBe(true);
      // A compressed fixture moves in its stored transfer syntax (PATIENT level, patient root).
      const r2 = await dcmtk('movescu', ['-v', '-P', '-aet', 'TESTSCU', '-aec', AE, '-aem', 'MOVEDEST', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=1CT1', '127.0.0.1', String(port)]);
      expect(finalStatus(r2.out, 'Move')).toBe('Success');
      expect(fs.readdirSync(dir).length).toBeGreaterThan(500);
    } finally {
      moveScp.kill();
    }
  }, 120_000);

  it('a destination that takes uncompressed data only gets the JPEG XA decoded: Explicit VR LE (storescp), Implicit VR LE (storescp +xi)', async () => {
    const xaStudy = '1.3.12.2.1107.5.4.3.123456789012345.19950922.121803.6';
    const pixelsOf = async (file: string) => (await dcmtk('dcmdump', ['-q', '+P', '7fe0,0010', file])).out;
    const received: Record<string, string> = {};
    for (const [ae, flag, ts] of [['PLAINSCP', '+x=', TS.explicitLE], ['IMPLSCP', '+xi', TS.implicitLE]] as const) {
      const dir = path.join(work, `moved-${ae}`);
      const dest = await freePort();
      const destScp = await startStorescp(dest, dir, ae, flag);
      try {
        expect((await api('PUT', `/api/dicom/peers/${ae}`, { host: '127.0.0.1', port: dest, mayStore: false, mayMoveTo: true })).statusCode).toBe(201);
        const r = await dcmtk('movescu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-aem', ae, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${xaStudy}`, '127.0.0.1', String(port)]);
        expect(finalStatus(r.out, 'Move'), r.out.slice(-800)).toBe('Success');
        const [file] = fs.readdirSync(dir).map((f) => path.join(dir, f));
        expect(file).toBeDefined();
        const meta = (await dcmtk('dcmdump', ['-q', '-Un', '+P', '0002,0010', '+P', '0028,0008', '+P', '0010,0020', file!])).out;
        expect(meta).toContain(`[${ts}]`);
        expect(meta).toMatch(/\(0028,0008\) IS \[96\]/);
        expect(meta).toContain('[556342B]');
        // 96 frames of 512 x 512 at 8 bits, native: the whole pixel data, not a frame of it.
        expect(await pixelsOf(file!)).toMatch(/# 25165824,/);
        received[ae] = file!;
      } finally {
        destScp.kill();
      }
    }
    // The same decoded pixels either way (pixel data is the last element of both files).
    const raw = (f: string) => {
      const b = fs.readFileSync(f);
      return sha256(b.subarray(b.length - 25165824));
    };
    expect(raw(received.PLAINSCP!)).toBe(raw(received.IMPLSCP!));
  }, 120_000);

  it('refuses an unknown destination (0xA801) and reports failed sub-operations for a dead one', async () => {
    const r = await dcmtk('movescu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-aem', 'NOWHERE', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '127.0.0.1', String(port)]);
    expect(finalStatus(r.out, 'Move')).toMatch(/MoveDestinationUnknown/);
    const dead = await dcmtk('movescu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-aem', 'DEADSCP', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '127.0.0.1', String(port)]);
    expect(finalStatus(dead.out, 'Move')).toMatch(/Refused|Failed|OutOfResources/i);
    const noQuery = await dcmtk('movescu', ['-d', '-S', '-aet', 'NOQUERY', '-aec', AE, '-aem', 'STORESCP', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '127.0.0.1', String(port)]);
    expect(noQuery.out).toMatch(/Status\s*:\s*0x0124/i);
  });

  it('C-CANCEL stops a C-MOVE (final status Cancel, counts so far)', async () => {
    const a = await scuOpen([{ abstractSyntax: SOP.studyRootMove, transferSyntaxes: [TS.explicitLE] }]);
    const ident = writeDataset([
      { tag: 0x00080052, vr: 'CS', value: Buffer.from('STUDY ') },
      { tag: 0x0020000d, vr: 'UI', value: Buffer.from(studyUid.length % 2 ? studyUid + '\0' : studyUid) },
    ], true);
    let pendings = 0;
    const { rsp } = await a.request(1, { commandField: CMD.cMoveRq, affectedSopClassUid: SOP.studyRootMove, moveDestination: 'STORESCP', priority: 0, hasDataset: true }, ident, () => {
      if (++pendings === 3) a.cancel(1);
    });
    await a.release();
    expect(rsp.status).toBe(STATUS.cancel);
    expect(rsp.completed).toBeGreaterThanOrEqual(3);
    expect(rsp.completed!).toBeLessThan(500);
    expect(rsp.remaining).toBe(500 - rsp.completed! - rsp.failed!);
  });
});

describe('C-GET', () => {
  it('getscu retrieves the study over the same association', async () => {
    const dir = path.join(work, 'got');
    fs.mkdirSync(dir);
    const r = await dcmtk('getscu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${studyUid}`, '-k', `SeriesInstanceUID=${seriesUid}`, '-od', dir, '127.0.0.1', String(port)]);
    expect(r.out, r.out.slice(-1500)).toMatch(/Number of Completed Suboperations : 500/);
    expect(r.out).toMatch(/Number of Failed Suboperations\s+: 0/);
    expect(fs.readdirSync(dir).length).toBe(500);
  }, 120_000);

  it('getscu, which takes uncompressed data by default, gets the JPEG XA decoded to Explicit VR LE', async () => {
    const dir = path.join(work, 'got-xa');
    fs.mkdirSync(dir);
    const r = await dcmtk('getscu', ['-v', '-S', '-aet', 'TESTSCU', '-aec', AE, '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.3.12.2.1107.5.4.3.123456789012345.19950922.121803.6', '-od', dir, '127.0.0.1', String(port)]);
    expect(r.out, r.out.slice(-1500)).toMatch(/Number of Completed Suboperations : 1\b/);
    const [file] = fs.readdirSync(dir).map((f) => path.join(dir, f));
    const meta = (await dcmtk('dcmdump', ['-q', '-Un', '+P', '0002,0010', '+P', '7fe0,0010', file!])).out;
    expect(meta).toContain(`[${TS.explicitLE}]`);
    expect(meta).toMatch(/# 25165824,/);
  }, 60_000);

  it('our SCU gets instances bit-exact, and C-CANCEL stops a C-GET', async () => {
    const received = new Map<string, string>();
    const CT = seriesUids.get(seriesFiles[0]!)!.sopClass!;
    const a = await scuOpen([
      { abstractSyntax: SOP.studyRootGet, transferSyntaxes: [TS.implicitLE] },
      { abstractSyntax: CT, transferSyntaxes: [TS.explicitLE] },
    ], 'TESTSCU', {
      roles: [{ sopClass: CT, scu: false, scp: true }],
      onStore: (cmd, ds) => {
        received.set(cmd.affectedSopInstanceUid!, sha256(ds));
        return 0;
      },
    });
    const sop = seriesUids.get(seriesFiles[7]!)!.sop!;
    const one = writeDataset([
      { tag: 0x00080052, vr: 'CS', value: Buffer.from('IMAGE ') },
      { tag: 0x00080018, vr: 'UI', value: Buffer.from(sop.length % 2 ? sop + '\0' : sop) },
    ], false);
    const { rsp } = await a.request(1, { commandField: CMD.cGetRq, affectedSopClassUid: SOP.studyRootGet, priority: 0, hasDataset: true }, one);
    expect(rsp).toMatchObject({ status: 0, completed: 1, failed: 0 });
    expect(received.get(sop)).toBe(datasetSha(fs.readFileSync(seriesFiles[7]!)));
    const study = writeDataset([
      { tag: 0x00080052, vr: 'CS', value: Buffer.from('STUDY ') },
      { tag: 0x0020000d, vr: 'UI', value: Buffer.from(studyUid.length % 2 ? studyUid + '\0' : studyUid) },
    ], false);
    let pendings = 0;
    const cancelled = await a.request(1, { commandField: CMD.cGetRq, affectedSopClassUid: SOP.studyRootGet, priority: 0, hasDataset: true }, study, () => {
      if (++pendings === 4) a.cancel(1);
    });
    expect(cancelled.rsp.status).toBe(STATUS.cancel);
    expect(cancelled.rsp.completed!).toBeLessThan(500);
    await a.release();
  });
});

describe('listener', () => {
  it('is reachable only while the gateway runs', async () => {
    expect(await canConnect(port)).toBe(true);
  });

  it('serves DICOM over TLS (storescu/echoscu +tla)', async () => {
    const tlsPort = String(t.gw.dimse.tlsPort);
    const e = await dcmtk('echoscu', ['-v', '+tla', '-ic', '-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', tlsPort]);
    expect(e.out).toMatch(/Received Echo Response \(Success\)/);
    const s = await dcmtk('storescu', ['-v', '+tla', '+cf', path.join(work, 'cert.pem'), '-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', tlsPort, path.join(FIXTURES, 'charset_chrX1_utf8.dcm')]);
    expect(responses(s.out)).toEqual(['Success']);
    // Plain DICOM on the TLS port gets nowhere.
    expect((await dcmtk('echoscu', ['-aet', 'TESTSCU', '-aec', AE, '127.0.0.1', tlsPort], { timeoutMs: 15_000 })).code).not.toBe(0);
  });

  it('loads peers from HOICHAN_DICOM_PEERS_FILE at start', async () => {
    const file = path.join(work, 'peers.json');
    fs.writeFileSync(file, JSON.stringify([{ aeTitle: 'CT1', host: 'ct1.local', port: 104, mayQuery: true }, { aeTitle: 'PACS', host: '10.0.0.5', port: 11112, mayStore: false, mayMoveTo: true }]));
    const g = await startGateway('sqlite', { dicomPort: null, dicomPeersFile: file });
    try {
      const list = (await g.gw.app.inject({ method: 'GET', url: '/api/dicom/peers', headers: g.auth })).json() as { aeTitle: string; mayMoveTo: boolean }[];
      expect(list.map((p) => [p.aeTitle, p.mayMoveTo])).toEqual([['CT1', false], ['PACS', true]]);
      expect(g.gw.dimse.port).toBeNull();
    } finally {
      await g.close();
    }
    fs.writeFileSync(file, JSON.stringify([{ aeTitle: 'BAD\\AE', host: 'x', port: 1 }]));
    await expect(startGateway('sqlite', { dicomPort: null, dicomPeersFile: file })).rejects.toThrow(/peer 0/);
  });
});

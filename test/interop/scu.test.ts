// The gateway as SCU (issue 3, points 3-4): C-FIND/C-MOVE/C-GET against Orthanc, C-STORE push to DCMTK
// storescp, DICOMweb pull/push with a second gateway; jobs cancelled, retried, failed with a reason.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, ADMIN_PASSWORD, type TestGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/process.js';
import { makeInstance, newUid } from '../helpers/synth.js';
import { stowBody } from '../helpers/multipart.js';
import { canConnect, datasetSha, startStorescp } from './dimseTools.js';
import type { Job } from '../../gateway/src/jobs/types.js';
import type { BullmqQueue } from '../../gateway/src/jobs/bullmqQueue.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-scu-'));
let a: TestGateway; // the gateway under test (SCU)
let b: TestGateway; // a second gateway: DICOMweb peer, and an AE Orthanc does not know
let bUrl: string;
let orthanc: ChildProcess;
let orthancHttp: string;
let orthancDicom: number;
const children: ChildProcess[] = [];
const servers: net.Server[] = [];

/** A study of `n` small instances (one series). */
function study(n: number, patientId: string): { studyUid: string; sops: string[]; files: Buffer[] } {
  const studyUid = newUid();
  const seriesUid = newUid();
  const sops = Array.from({ length: n }, () => newUid());
  const files = sops.map((sop, i) => makeInstance({ StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid, SOPInstanceUID: sop, PatientID: patientId, InstanceNumber: i + 1 }));
  return { studyUid, sops, files };
}

async function stow(t: TestGateway, files: Buffer[]): Promise<void> {
  const { body, contentType } = stowBody(files);
  const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType }, payload: body });
  expect(r.statusCode).toBe(200);
}

async function toOrthanc(files: Buffer[]): Promise<void> {
  for (const f of files) {
    const r = await fetch(`${orthancHttp}/instances`, { method: 'POST', body: f });
    expect(r.status).toBe(200);
  }
}

const api = (t: TestGateway, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  t.gw.app.inject({ method, url, headers: t.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

async function startJob(url: string, payload: Record<string, unknown>, t = a): Promise<Job> {
  const r = await api(t, 'POST', url, payload);
  expect(r.statusCode, r.body).toBe(202);
  return r.json() as Job;
}

/** Polls the jobs API until the job satisfies `pred`. */
async function until(id: string, pred: (j: Job) => boolean = (j) => ['succeeded', 'failed', 'cancelled'].includes(j.state), t = a): Promise<Job> {
  for (;;) {
    const j = (await api(t, 'GET', `/api/jobs/${id}`)).json() as Job;
    if (pred(j)) return j;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Instances of a study held by a gateway, with the SHA-256 of their dataset bytes. */
async function held(t: TestGateway, studyUid: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const l of await t.gw.archive.locate(studyUid)) out.set(l.sopUid, datasetSha(await t.gw.archive.blobs.read(l.blobKey)));
  return out;
}
const shas = (files: Buffer[]) => new Set(files.map(datasetSha));

/** A TCP relay that holds each chunk `delayMs` (a slow link), so a job can be cancelled mid-way. */
async function slowRelay(targetPort: number, delayMs: number): Promise<number> {
  const server = net.createServer((c) => {
    const up = net.connect(targetPort, '127.0.0.1');
    const pipe = (from: net.Socket, to: net.Socket) => from.on('data', (d) => { from.pause(); setTimeout(() => { if (!to.destroyed) to.write(d); from.resume(); }, delayMs); });
    pipe(c, up);
    pipe(up, c);
    const end = () => { c.destroy(); up.destroy(); };
    c.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function startOrthanc(gwPort: number): Promise<void> {
  const dir = path.join(work, 'orthanc');
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const httpPort = await freePort();
  orthancDicom = await freePort();
  orthancHttp = `http://127.0.0.1:${httpPort}`;
  const config = {
    Name: 'HoichanScuTest', StorageDirectory: path.join(dir, 'storage'), IndexDirectory: path.join(dir, 'storage'), StorageCompression: false,
    HttpServerEnabled: true, HttpPort: httpPort, RemoteAccessAllowed: false, AuthenticationEnabled: false, HttpCompressionEnabled: false,
    DicomServerEnabled: true, DicomAet: 'ORTHANC', DicomPort: orthancDicom, DicomCheckCalledAet: false,
    DicomAlwaysAllowEcho: true, DicomAlwaysAllowStore: true, DicomAlwaysAllowFind: true, DicomAlwaysAllowGet: true, DicomAlwaysAllowMove: true,
    // Our gateway is a move destination; HOICHANB is deliberately not.
    DicomModalities: { HOICHAN: ['HOICHAN', '127.0.0.1', gwPort] },
    SaveJobs: false, ConcurrentJobs: 2, SyncStorageArea: false,
  };
  fs.writeFileSync(path.join(dir, 'orthanc.json'), JSON.stringify(config));
  // Debian puts it in /usr/sbin, which a user's PATH may lack.
  const bin = fs.existsSync('/usr/sbin/Orthanc') ? '/usr/sbin/Orthanc' : 'Orthanc';
  let spawnError: Error | null = null;
  orthanc = spawn(bin, [`--logdir=${dir}`, path.join(dir, 'orthanc.json')], { stdio: 'ignore' });
  orthanc.on('error', (err) => (spawnError = err));
  for (let i = 0; i < 300; i++) {
    if (spawnError) throw new Error(`Orthanc could not be started (${(spawnError as Error).message}): apt-get install orthanc`);
    if (orthanc.exitCode !== null) throw new Error(`Orthanc exited ${orthanc.exitCode}; see ${dir}`);
    try {
      if ((await fetch(`${orthancHttp}/system`)).ok && (await canConnect(orthancDicom))) return;
    } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Orthanc did not start');
}

const s1 = study(3, 'SCU-MOVE');
const s2 = study(3, 'SCU-GET');

beforeAll(async () => {
  // Plain HTTP: the peer gateway listens on loopback for these tests.
  a = await startGateway('sqlite', { dicomPort: 0, aeTitle: 'HOICHAN', scuTimeoutSeconds: 10, https: 'off' });
  b = await startGateway('sqlite', { dicomPort: 0, aeTitle: 'HOICHANB', scuTimeoutSeconds: 10, https: 'off' });
  bUrl = await b.gw.app.listen({ port: 0, host: '127.0.0.1' });
  await startOrthanc(a.gw.dimse.port!);
  await toOrthanc([...s1.files, ...s2.files]);
  const orthancPeer = { host: '127.0.0.1', port: orthancDicom, mayStore: true, mayQuery: true };
  expect((await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'ORTHANC', ...orthancPeer })).statusCode).toBe(201);
  expect((await api(b, 'POST', '/api/dicom/peers', { aeTitle: 'ORTHANC', ...orthancPeer })).statusCode).toBe(201);
});

afterAll(async () => {
  orthanc?.kill('SIGKILL');
  for (const c of children) c.kill('SIGKILL');
  for (const s of servers) s.close();
  await a?.close();
  await b?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('DIMSE SCU against Orthanc and storescp', () => {
  it('C-FIND: queries Orthanc at study, series and image level', async () => {
    const st = await api(a, 'POST', '/api/dicom/peers/ORTHANC/query', { level: 'STUDY', keys: { PatientID: 'SCU-MOVE' } });
    expect(st.statusCode, st.body).toBe(200);
    const matches = (st.json() as { matches: Record<string, { Value?: unknown[] }>[] }).matches;
    expect(matches.map((m) => m['0020000D']?.Value?.[0])).toEqual([s1.studyUid]);
    expect(matches[0]!['00201208']?.Value?.[0]).toBe(3);
    const se = (await api(a, 'POST', '/api/dicom/peers/ORTHANC/query', { level: 'SERIES', keys: { StudyInstanceUID: s2.studyUid } })).json() as { matches: unknown[] };
    expect(se.matches).toHaveLength(1);
    const im = (await api(a, 'POST', '/api/dicom/peers/ORTHANC/query', { level: 'IMAGE', keys: { StudyInstanceUID: s2.studyUid, SOPInstanceUID: '' } })).json() as { matches: Record<string, { Value?: string[] }>[] };
    expect(im.matches.map((m) => m['00080018']?.Value?.[0]).sort()).toEqual([...s2.sops].sort());
    const bad = await api(a, 'POST', '/api/dicom/peers/ORTHANC/query', { level: 'WARD' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('imports a study by C-MOVE (Orthanc sends it to our SCP) with progress and a report', async () => {
    const job = await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: s1.studyUid, method: 'move' });
    const done = await until(job.id);
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.progress).toMatchObject({ instancesDone: 3, instancesTotal: 3, instancesFailed: 0 });
    expect(done.progress.bytesDone).toBeGreaterThan(0);
    expect(done.report).toMatchObject({ instances: { done: 3, failed: 0, total: 3 } });
    expect(new Set((await held(a, s1.studyUid)).values())).toEqual(shas(s1.files));
  });

  it('imports a study by C-GET, byte for byte', async () => {
    const job = await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: s2.studyUid, method: 'get' });
    const done = await until(job.id);
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.progress).toMatchObject({ instancesDone: 3, instancesTotal: 3 });
    expect(new Set((await held(a, s2.studyUid)).values())).toEqual(shas(s2.files));
  });

  it('fetches only the instances it lacks (IMAGE-level C-MOVE and C-GET with UID lists)', async () => {
    for (const method of ['move', 'get']) {
      const s = study(4, `SCU-PART-${method}`);
      await toOrthanc(s.files);
      await stow(a, [s.files[1]!]);
      const done = await until((await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: s.studyUid, method })).id);
      expect(done.state, JSON.stringify(done)).toBe('succeeded');
      expect(done.report).toMatchObject({ alreadyHeld: 1, fetched: 3, held: 4, instances: { done: 4, total: 4 } });
      expect(new Set((await held(a, s.studyUid)).values())).toEqual(shas(s.files));
    }
  });

  it('a C-MOVE to an AE Orthanc does not know, or of a study it lacks, fails for good with the reason', async () => {
    const r = await b.gw.app.inject({ method: 'POST', url: '/api/dicom/peers/ORTHANC/import', headers: b.auth, payload: { studyUid: s1.studyUid, method: 'move' } });
    const id = (r.json() as Job).id;
    let j: Job;
    for (;;) {
      j = (await b.gw.app.inject({ method: 'GET', url: `/api/jobs/${id}`, headers: b.auth })).json() as Job;
      if (['failed', 'succeeded'].includes(j.state)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(j.state).toBe('failed');
    expect(j.attempts).toBe(1);
    // Orthanc answers 0xC000 (not 0xA801) for a destination it does not know.
    expect(j.error).toMatch(/ORTHANC ended C-MOVE with status 0x(c000|a801).*is HOICHANB known to ORTHANC as a move destination/i);
    expect(j.report?.summary).toMatch(/ORTHANC ended C-MOVE/);

    const none = await until((await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: newUid(), method: 'get' })).id);
    expect(none.state).toBe('failed');
    expect(none.error).toMatch(/ORTHANC has no instances/);
  });

  it('pushes a study to DCMTK storescp by C-STORE, byte for byte', async () => {
    const dir = path.join(work, 'storescp');
    const port = await freePort();
    children.push(await startStorescp(port, dir));
    expect((await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'STORESCP', host: '127.0.0.1', port })).statusCode).toBe(201);
    const done = await until((await startJob('/api/dicom/peers/STORESCP/push', { studyUid: s1.studyUid })).id);
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.progress).toMatchObject({ instancesDone: 3, instancesTotal: 3 });
    expect(done.progress.bytesDone).toBe(done.progress.bytesTotal);
    const received = fs.readdirSync(dir).map((f) => datasetSha(fs.readFileSync(path.join(dir, f))));
    expect(new Set(received)).toEqual(shas(s1.files));
    // G-2.11: the forward is in the audit log.
    type Audit = { entries: { userId: string; outcome: string; detail: Record<string, unknown> }[] };
    let audit: Audit = { entries: [] };
    // The entry is written when the job's 'finished' event goes out, just after the state the API shows.
    for (let i = 0; i < 100 && !audit.entries.length; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      await a.gw.worklist.accessLog.flush();
      audit = (await api(a, 'GET', `/api/audit?action=scu.dimse.push&objectId=${s1.studyUid}`)).json() as Audit;
    }
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ userId: 'admin', outcome: 'ok', detail: { peer: 'STORESCP', instances: 3, jobId: done.id } });
  });

  it('a push cancelled mid-way stops', async () => {
    const big = study(40, 'SCU-CANCEL');
    await stow(a, big.files);
    const dir = path.join(work, 'storescp-slow');
    const port = await freePort();
    children.push(await startStorescp(port, dir));
    const relay = await slowRelay(port, 40);
    await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'SLOWSCP', host: '127.0.0.1', port: relay });
    const job = await startJob('/api/dicom/peers/SLOWSCP/push', { studyUid: big.studyUid });
    await until(job.id, (j) => j.progress.instancesDone >= 3);
    const c = await api(a, 'POST', `/api/jobs/${job.id}/cancel`);
    expect(c.statusCode).toBe(200);
    const done = await until(job.id);
    expect(done.state).toBe('cancelled');
    expect(done.progress.instancesDone).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.readdirSync(dir).length).toBeLessThan(40);
    expect(fs.readdirSync(dir).length).toBeLessThanOrEqual(done.progress.instancesDone + 1);
  });

  it('retries while the peer is down and finishes once it is up', async () => {
    const port = await freePort();
    await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'LATESCP', host: '127.0.0.1', port });
    const job = await startJob('/api/dicom/peers/LATESCP/push', { studyUid: s2.studyUid, maxAttempts: 10, backoffMs: 300 });
    const waiting = await until(job.id, (j) => j.state === 'retrying' || j.attempts >= 2);
    expect(waiting.error).toMatch(/cannot reach LATESCP.*ECONNREFUSED/);
    const dir = path.join(work, 'storescp-late');
    children.push(await startStorescp(port, dir, 'LATESCP'));
    const done = await until(job.id);
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(fs.readdirSync(dir)).toHaveLength(3);
  });

  it('bad peers: unreachable host and a refused association end failed with a clear reason', async () => {
    const dead = await freePort();
    await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'DEADSCP', host: '127.0.0.1', port: dead });
    const d = await until((await startJob('/api/dicom/peers/DEADSCP/push', { studyUid: s1.studyUid, maxAttempts: 2, backoffMs: 50 })).id);
    expect(d.state).toBe('failed');
    expect(d.attempts).toBe(2);
    expect(d.error).toMatch(/cannot reach DEADSCP at 127\.0\.0\.1:\d+: ECONNREFUSED/);
    const q = await api(a, 'POST', '/api/dicom/peers/DEADSCP/query', { level: 'STUDY' });
    expect(q.statusCode).toBe(502);
    expect(q.json()).toMatchObject({ code: 'HOI_ERR_PEER', transient: true });
    expect((q.json() as { detail: string }).detail).toMatch(/cannot reach DEADSCP/);

    const port = await freePort();
    const refuser = spawn('storescp', ['--refuse', String(port)], { stdio: 'ignore' });
    children.push(refuser);
    for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
    await api(a, 'POST', '/api/dicom/peers', { aeTitle: 'REFUSER', host: '127.0.0.1', port });
    const r = await until((await startJob('/api/dicom/peers/REFUSER/push', { studyUid: s1.studyUid, maxAttempts: 3, backoffMs: 50 })).id);
    expect(r.state).toBe('failed');
    expect(r.attempts).toBe(1);
    expect(r.error).toMatch(/REFUSER \(127\.0\.0\.1:\d+\) rejected the association/);
    expect(r.report?.summary).toMatch(/rejected/);

    const unknown = await api(a, 'POST', '/api/dicom/peers/NOSUCH/push', { studyUid: s1.studyUid });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('DICOMweb SCU with a second gateway', () => {
  it('pushes by STOW-RS (bearer token) and pulls by WADO-RS (Basic auth), byte for byte', async () => {
    expect((await api(a, 'POST', '/api/dicomweb/peers', { name: 'gw-b', baseUrl: `${bUrl}/dicom-web`, auth: { type: 'bearer', token: b.token } })).statusCode).toBe(201);
    expect((await api(a, 'POST', '/api/dicomweb/peers', { name: 'gw-b-basic', baseUrl: `${bUrl}/dicom-web`, auth: { type: 'basic', username: 'admin', password: ADMIN_PASSWORD } })).statusCode).toBe(201);
    const shown = (await api(a, 'GET', '/api/dicomweb/peers/gw-b')).json() as Record<string, unknown>;
    expect(JSON.stringify(shown)).not.toContain(b.token);

    const push = await until((await startJob('/api/dicomweb/peers/gw-b/push', { studyUid: s1.studyUid })).id);
    expect(push.state, JSON.stringify(push)).toBe('succeeded');
    expect(push.progress).toMatchObject({ instancesDone: 3, instancesTotal: 3 });
    expect(new Set((await held(b, s1.studyUid)).values())).toEqual(shas(s1.files));

    const s3 = study(4, 'SCU-WEB');
    await stow(b, s3.files);
    const q = await api(a, 'POST', '/api/dicomweb/peers/gw-b-basic/query', { level: 'STUDY', keys: { PatientID: 'SCU-WEB' } });
    expect(q.statusCode, q.body).toBe(200);
    expect((q.json() as { matches: Record<string, { Value?: string[] }>[] }).matches.map((m) => m['0020000D']?.Value?.[0])).toEqual([s3.studyUid]);
    const pull = await until((await startJob('/api/dicomweb/peers/gw-b-basic/import', { studyUid: s3.studyUid })).id);
    expect(pull.state, JSON.stringify(pull)).toBe('succeeded');
    expect(pull.progress).toMatchObject({ instancesDone: 4, instancesTotal: 4 });
    expect(pull.progress.bytesDone).toBe(s3.files.reduce((n, f) => n + f.length, 0));
    expect(new Set((await held(a, s3.studyUid)).values())).toEqual(shas(s3.files));
  });

  it('wrong credentials fail for good with the reason; an unreachable peer fails after its retries', async () => {
    await api(a, 'POST', '/api/dicomweb/peers', { name: 'gw-b-bad', baseUrl: `${bUrl}/dicom-web`, auth: { type: 'bearer', token: 'not-a-token' } });
    const bad = await until((await startJob('/api/dicomweb/peers/gw-b-bad/import', { studyUid: s1.studyUid, maxAttempts: 3, backoffMs: 50 })).id);
    expect(bad.state).toBe('failed');
    expect(bad.attempts).toBe(1);
    expect(bad.error).toMatch(/HTTP 401 \(check the peer's credentials\)/);

    await api(a, 'POST', '/api/dicomweb/peers', { name: 'nowhere', baseUrl: `http://127.0.0.1:${await freePort()}/dicom-web`, auth: { type: 'none' } });
    const down = await until((await startJob('/api/dicomweb/peers/nowhere/push', { studyUid: s1.studyUid, maxAttempts: 2, backoffMs: 50 })).id);
    expect(down.state).toBe('failed');
    expect(down.attempts).toBe(2);
    expect(down.error).toMatch(/cannot reach DICOMweb peer nowhere .*ECONNREFUSED/);
  });
});

describe('/api/jobs', () => {
  it('lists with filters, answers problem+json, and streams a job live over SSE', async () => {
    const list = (await api(a, 'GET', '/api/jobs?state=failed&kind=dimse.push')).json() as { backend: string; jobs: Job[] };
    expect(list.backend).toBe('embedded');
    expect(list.jobs.length).toBeGreaterThanOrEqual(2);
    expect(list.jobs.every((j) => j.state === 'failed' && j.kind === 'dimse.push')).toBe(true);
    for (const [url, status] of [['/api/jobs?state=bogus', 400], ['/api/jobs/nope', 404]] as const) {
      const r = await api(a, 'GET', url);
      expect(r.statusCode).toBe(status);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await a.gw.app.inject({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(401);
    // A user who is not an admin sees only their own jobs and may not start SCU jobs.
    expect((await api(a, 'POST', '/api/users', { username: 'clin1', password: 'clinician-password-1', roles: ['clinician'] })).statusCode).toBe(201);
    const login = await a.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'clin1', password: 'clinician-password-1' } });
    const clin = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
    expect((await a.gw.app.inject({ method: 'GET', url: '/api/jobs', headers: clin })).json()).toMatchObject({ jobs: [] });
    expect((await a.gw.app.inject({ method: 'GET', url: `/api/jobs/${list.jobs[0]!.id}`, headers: clin })).statusCode).toBe(404);
    expect((await a.gw.app.inject({ method: 'POST', url: '/api/jobs', headers: clin, payload: { kind: 'dimse.push', params: { peer: 'STORESCP', studyUid: s1.studyUid } } })).statusCode).toBe(403);
    expect((await a.gw.app.inject({ method: 'POST', url: '/api/dicom/peers/STORESCP/push', headers: clin, payload: { studyUid: s1.studyUid } })).statusCode).toBe(403);
    const badParams = await api(a, 'POST', '/api/jobs', { kind: 'dimse.push', params: { peer: 'STORESCP', studyUid: 'not a uid' } });
    expect(badParams.statusCode).toBe(400);
    expect(badParams.json()).toMatchObject({ code: 'HOI_ERR_BAD_REQUEST', detail: 'studyUid must be a UID' });
    const done = list.jobs[0]!;
    expect((await api(a, 'POST', `/api/jobs/${done.id}/cancel`)).json()).toMatchObject({ state: 'failed' });

    const url = await a.gw.app.listen({ port: 0, host: '127.0.0.1' });
    // The stream of all jobs stays open: closing the gateway (afterAll) must end it.
    const all = await fetch(`${url}/api/jobs/events?kind=dimse.import`, { headers: a.auth });
    const reader = all.body!.getReader();
    const job = await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: s2.studyUid, method: 'get' });
    const res = await fetch(`${url}/api/jobs/${job.id}/events`, { headers: a.auth });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text(); // the per-job stream ends once the job is final
    const events = [...text.matchAll(/event: (\w+)\nid: [^\n]+\ndata: ([^\n]+)/g)].map((m) => ({ type: m[1], job: JSON.parse(m[2]!) as Job }));
    expect(events.at(-1)).toMatchObject({ type: 'finished', job: { id: job.id, state: 'succeeded' } });
    let seen = '';
    while (!/event: finished\nid: [^\n]+\ndata: [^\n]+"state":"succeeded"/.test(seen)) seen += new TextDecoder().decode((await reader.read()).value);
    expect(seen).toContain(job.id);
    // A retried job reruns from scratch.
    const again = await api(a, 'POST', `/api/jobs/${done.id}/retry`);
    expect(again.statusCode).toBe(200);
    expect((again.json() as Job).state).toMatch(/queued|running|failed|retrying/);
  });
});

// The same job kinds with the queue on bullmq (REDIS_URL): an import, and a push cancelled mid-way.
describe('SCU jobs on bullmq', () => {
  let c: TestGateway;
  beforeAll(async () => {
    c = await startGateway('sqlite', { dicomPort: 0, aeTitle: 'HOICHANC', https: 'off', redisUrl: 'redis://127.0.0.1:6379', redisPrefix: `hoichan-scu-${newUid().slice(-12)}` });
    expect((await api(c, 'POST', '/api/dicom/peers', { aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthancDicom, mayStore: true, mayQuery: true })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await (c?.gw.jobs as BullmqQueue | undefined)?.obliterate();
    await c?.close();
  });

  it('imports by C-GET and cancels a slow push mid-way', async () => {
    expect((await api(c, 'GET', '/api/jobs')).json()).toMatchObject({ backend: 'bullmq' });
    const imp = await until((await startJob('/api/dicom/peers/ORTHANC/import', { studyUid: s2.studyUid, method: 'get' }, c)).id, undefined, c);
    expect(imp.state, JSON.stringify(imp)).toBe('succeeded');
    expect(imp.progress).toMatchObject({ instancesDone: 3, instancesTotal: 3 });
    expect(new Set((await held(c, s2.studyUid)).values())).toEqual(shas(s2.files));

    const big = study(30, 'SCU-CANCEL-BULL');
    await stow(c, big.files);
    const dir = path.join(work, 'storescp-slow-bull');
    const port = await freePort();
    children.push(await startStorescp(port, dir));
    await api(c, 'POST', '/api/dicom/peers', { aeTitle: 'SLOWSCP', host: '127.0.0.1', port: await slowRelay(port, 40) });
    const job = await startJob('/api/dicom/peers/SLOWSCP/push', { studyUid: big.studyUid }, c);
    await until(job.id, (j) => j.progress.instancesDone >= 3, c);
    expect((await api(c, 'POST', `/api/jobs/${job.id}/cancel`)).statusCode).toBe(200);
    const done = await until(job.id, undefined, c);
    expect(done.state).toBe('cancelled');
    expect(done.progress.instancesDone).toBeLessThan(30);
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.readdirSync(dir).length).toBeLessThanOrEqual(done.progress.instancesDone + 1);
  });
});

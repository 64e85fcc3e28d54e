import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOf, leakScan, readPart10, replaceUid } from '../../anonymizer/src/index.js';
import { loadSiteSecret, packUidKey } from '../../gateway/src/packs/keys.js';
import { startGateway, FIXTURES, type Backend, type TestGateway } from '../helpers/gateway.js';
import { parseMultipart, stowBody } from '../helpers/multipart.js';
import { makeInstance, tinyPng } from '../helpers/synth.js';
import { SUMMARY } from '@hoichan/worklist/testing';
import { PACK_BUILD_KIND } from '../../gateway/src/packs/index.js';
import { jobKind } from '../../gateway/src/jobs/registry.js';
import { JobCancelled, type JobContext, type JobServices } from '../../gateway/src/jobs/types.js';

// Case packs (issue 4 point 7; G-2.3 no identifying data leaves for the consultants, G-2.9 only who may see).
type DJ = Record<string, { vr: string; Value?: unknown[] }>;
const str = (ds: DJ, tag: string): string => String(ds[tag]?.Value?.[0] ?? '');
const run = promisify(execFile);

/** Fixtures without a Patient ID get one (dcmodify on a copy): a pack's source study must name its patient. */
async function withPatientId(bytes: Buffer, label: string): Promise<Buffer> {
  if (String(readPart10(bytes).dataset['00100020']?.Value?.[0] ?? '').trim()) return bytes;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-pid-'));
  try {
    const file = path.join(dir, 'in.dcm');
    fs.writeFileSync(file, bytes);
    await run('dcmodify', ['-nb', '-i', `(0010,0020)=PID-${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`, file]);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface PackView {
  id: string;
  state: string;
  counts: { released: number; quarantined: number; failed: number; pending: number; attachments: number };
  quarantine: { source: string; reasons: { code: string; detail: string }[] }[];
  job: { id: string; state: string } | null;
  summary: { pseudonym: string; studies: { studyInstanceUid: string }[] };
}

/** Reads a zip fully into name → bytes. */
function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, rs) => {
          if (err2 || !rs) return reject(err2);
          const chunks: Buffer[] = [];
          rs.on('data', (c: Buffer) => chunks.push(c));
          rs.on('end', () => { out.set(e.fileName, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

// The whole real fixture set goes into the SQLite pack; PostgreSQL gets a small one (same code, other engine).
// Real fixtures chosen for where identity hides (burned-in US text, SR/SEG/RT references, private and UN tags,
// UTF-8 names, empty names) and kept cheap: the anonymizer's own suite runs every one of the 38.
const PHI_VARIETY = ['CT_small.dcm', 'MR_small_RLE.dcm', 'US_GREYSCALE_burnedin_PHI.dcm', 'SEG_liver.dcm', 'SR_deep_nesting.dcm',
  'RTSTRUCT_nometa.dcm', 'charset_chrX1_utf8.dcm', 'GH1146_private_creator_UN.dcm', 'US_palette_color.dcm', 'PT_ACRIN-FLT-Breast_029.dcm',
  'MR_empty_PatientName.dcm', 'JPGLosslessP14SV1_US_8bit.dcm'];
const CASES: { backend: Backend; files: string[] }[] = [
  { backend: 'sqlite', files: PHI_VARIETY },
  { backend: 'postgres', files: PHI_VARIETY.slice(0, 4) },
];

describe.each(CASES)('case packs on $backend', ({ backend, files }) => {
  let t: TestGateway;
  /** The requesting doctor (builds and sees the pack), an expert not invited, and an account of no facility. */
  let doctor: { authorization: string };
  let expert: { authorization: string };
  let other: { authorization: string };
  let consultId: string;
  let consultPseudonym: string;
  let burnedSop: string | null = null;
  /** A synthetic instance that says BurnedInAnnotation YES while its pixels hold no text to find: must be quarantined. */
  const uncleanable = makeInstance({ BurnedInAnnotation: 'YES', Modality: 'OT', Rows: 64, Columns: 64 }, { pixels: new Uint8Array(64 * 64) });
  const uncleanableSop = String(readPart10(uncleanable).dataset['00080018']!.Value![0]);
  const sourceStudies = new Set<string>();
  /** Source SOP Instance UID → the identity the leak gate looks for. */
  const sourceIdentity = new Map<string, ReturnType<typeof identityOf>>();
  let sourceInstances = 0;
  let pack: PackView;
  /**
   * A pack takes only its consult's patient's studies (PatientID/issuer). These fixtures are many patients, chosen
   * for where identity hides: the test patient record lists each one's Patient ID (the check itself is tested in
   * worklistPackDocuments.test.ts).
   */
  const patientIds: { id: string; issuer?: string }[] = [];

  const login = async (username: string, password: string) => {
    const r = await t.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    return { authorization: `Bearer ${(r.json() as { token: string }).token}` };
  };
  const post = (url: string, payload: unknown, headers: Record<string, string>) => t.gw.app.inject({ method: 'POST', url, headers, payload: payload as object });
  const get = (url: string, headers: Record<string, string> = doctor) => t.gw.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await startGateway(backend);
    for (const f of [...files, '(synthetic)']) {
      const bytes = await withPatientId(f === '(synthetic)' ? uncleanable : fs.readFileSync(path.join(FIXTURES, f)), f);
      const { body, contentType } = stowBody([bytes]);
      const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType, accept: 'application/dicom+json' }, payload: body });
      const ref = ((r.json() as DJ)['00081199']?.Value ?? []) as DJ[];
      if (!ref.length) continue; // the archive's own refusals (duplicate UID with other bytes, no Study UID)
      sourceInstances++;
      sourceStudies.add(/studies\/([^/]+)/.exec(str(ref[0]!, '00081190'))![1]!);
      const ds = readPart10(bytes).dataset;
      patientIds.push({ id: str(ds as DJ, '00100020').trim(), ...(str(ds as DJ, '00100021').trim() ? { issuer: str(ds as DJ, '00100021').trim() } : {}) });
      sourceIdentity.set(String(ds['00080018']!.Value![0]), identityOf(ds));
      if (f === 'US_GREYSCALE_burnedin_PHI.dcm') burnedSop = String(readPart10(bytes).dataset['00080018']!.Value![0]);
    }
    // A consult of the worklist (G-2.9 decides who sees its pack): requesting hospital A, consulting hospital B.
    expect((await post('/api/facilities', { id: 'bv-a', name: 'Bệnh viện A', canRequest: true, canConsult: false }, t.auth)).statusCode).toBe(201);
    expect((await post('/api/facilities', { id: 'bv-b', name: 'Bệnh viện B', canRequest: false, canConsult: true }, t.auth)).statusCode).toBe(201);
    expect((await post('/api/facilities/bv-a/users', { username: 'doctor', password: 'doctor-password-1', roles: ['requesting_doctor'] }, t.auth)).statusCode).toBe(201);
    expect((await post('/api/facilities/bv-b/users', { username: 'expert', password: 'expert-password-1', roles: ['consultant_expert'] }, t.auth)).statusCode).toBe(201);
    expect((await post('/api/facilities/bv-b/users', { username: 'office', password: 'office-password-1', roles: ['consulting_coordinator'] }, t.auth)).statusCode).toBe(201);
    await t.gw.accounts.createUser('outsider', 'outsider-password-1', []);
    doctor = await login('doctor', 'doctor-password-1');
    expert = await login('expert', 'expert-password-1');
    other = await login('outsider', 'outsider-password-1');
    const c = await post('/api/consults', { type: 'case', urgency: 'routine', consultingFacilityId: 'bv-b', patient: { identity: { fullName: 'Nguyễn Văn Thử', birthDate: '1970-01-01', sex: 'male', patientIds } }, caseSummary: SUMMARY, requestedTime: new Date(Date.now() + 3 * 86_400_000).toISOString() }, doctor);
    expect(c.statusCode, c.body).toBe(201);
    consultId = (c.json() as { id: string }).id;
    consultPseudonym = (c.json() as { patient: { pseudonym: string } }).patient.pseudonym;

    const res = await post(`/api/consults/${consultId}/pack`, { studies: [...sourceStudies] }, doctor);
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as { pack: { id: string } }).pack.id;
    // The build is a job: wait for it to finish (bounded by the hook timeout, not asserted on time).
    for (;;) {
      pack = (await get(`/api/packs/${id}`)).json() as PackView;
      if (pack.state !== 'building' && ['succeeded', 'failed', 'cancelled'].includes(pack.job?.state ?? '')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => { await t?.close(); });

  it('builds as a job; every source instance is released or quarantined with a reason', () => {
    expect(pack.state).toBe('ready');
    expect(pack.job?.state).toBe('succeeded');
    expect(pack.counts.pending).toBe(0);
    expect(pack.counts.released + pack.counts.quarantined + pack.counts.failed).toBe(sourceInstances);
    expect(pack.counts.released).toBeGreaterThan(0);
    for (const q of pack.quarantine) expect(q.reasons.length, q.source).toBeGreaterThan(0);
    // US_GREYSCALE_burnedin_PHI says BurnedInAnnotation YES: released only if a pixel cleaner cleaned it.
    const burned = pack.quarantine.find((q) => q.source === burnedSop);
    if (burned) expect(burned.reasons.map((r) => r.code)).toEqual(expect.arrayContaining([expect.stringMatching(/burned-in-not-cleaned|leak/)]));
    const forced = pack.quarantine.find((q) => q.source === uncleanableSop);
    expect(forced?.reasons.map((r) => r.code)).toEqual(['pixels-uncleanable']);
    // The consult's pseudonym, not a name chosen by the request.
    expect(pack.summary.pseudonym).toBe(consultPseudonym);
  });

  it("the pack's root serves its released instances, with zero leak-gate hits against every source", async () => {
    const q = await get(`/packs/${pack.id}/dicom-web/instances`);
    expect(q.statusCode).toBe(200);
    const found = q.json() as DJ[];
    expect(found.length).toBe(pack.counts.released);
    // Which source each copy came from: the test recomputes the pack's UID pseudonyms from the site key.
    const uidKey = packUidKey(loadSiteSecret(t.dataDir, {}), pack.id);
    const sourceOf = new Map([...sourceIdentity.keys()].map((src) => [replaceUid(uidKey, src), src]));
    const quarantined = new Set(pack.quarantine.map((q) => q.source));
    for (const inst of found) {
      const study = str(inst, '0020000D');
      const series = str(inst, '0020000E');
      const sop = str(inst, '00080018');
      expect(sourceStudies.has(study)).toBe(false);
      const w = await get(`/packs/${pack.id}/dicom-web/studies/${study}/series/${series}/instances/${sop}`, { ...doctor, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' });
      expect(w.statusCode, sop).toBe(200);
      const [part] = parseMultipart(w.rawPayload, String(w.headers['content-type']));
      const src = sourceOf.get(sop);
      expect(src, `${sop} comes from a source of the pack`).toBeDefined();
      expect(quarantined.has(src!)).toBe(false);
      expect(leakScan(part!.body, sourceIdentity.get(src!)!).hits, src).toEqual([]);
      const ds = readPart10(part!.body).dataset;
      expect(ds['00100010']?.Value?.[0]).toMatchObject({ Alphabetic: consultPseudonym });
      expect(String(ds['00280301']?.Value?.[0] ?? '')).not.toBe('YES');
    }
    // Links (RetrieveURL, BulkDataURI) point into the pack's root, never into /dicom-web.
    expect(q.body).toContain(`/packs/${pack.id}/dicom-web/studies/`);
    for (const s of pack.summary.studies) {
      const md = await get(`/packs/${pack.id}/dicom-web/studies/${s.studyInstanceUid}/metadata`);
      expect(md.statusCode).toBe(200);
      expect(md.body).not.toContain('{{BASE}}');
      expect(md.body).not.toMatch(/\/\/[^/"]+\/dicom-web\//);
    }
  });

  it('nothing else: sources are not under the pack root, pack copies are not under /dicom-web, quarantined copies are nowhere', async () => {
    const [aSource] = [...sourceStudies];
    expect((await get(`/packs/${pack.id}/dicom-web/studies?StudyInstanceUID=${aSource}`)).json()).toEqual([]);
    expect((await get(`/packs/${pack.id}/dicom-web/studies/${aSource}/metadata`)).statusCode).toBe(404);
    // WADO-URI follows the same views: a released copy under its pack's root only, a source under /dicom-web only.
    const uri = (root: string, i: DJ, extra = '', headers = doctor) => get(`${root}/wado?requestType=WADO&studyUID=${str(i, '0020000D')}&seriesUID=${str(i, '0020000E')}&objectUID=${str(i, '00080018')}${extra}`, headers);
    const [copy] = (await get(`/packs/${pack.id}/dicom-web/instances?limit=1`)).json() as DJ[];
    const [source] = (await get('/dicom-web/instances?limit=1', t.auth)).json() as DJ[];
    const viaUri = await uri(`/packs/${pack.id}/dicom-web`, copy!, '&contentType=application/dicom&transferSyntax=*');
    expect(viaUri.statusCode).toBe(200);
    const viaRs = await get(`/packs/${pack.id}/dicom-web/studies/${str(copy!, '0020000D')}/series/${str(copy!, '0020000E')}/instances/${str(copy!, '00080018')}`, { ...doctor, accept: 'application/dicom; transfer-syntax=*' });
    expect(viaUri.rawPayload.equals(viaRs.rawPayload)).toBe(true);
    expect((await uri('/dicom-web', copy!, '', t.auth)).statusCode).toBe(404);
    expect((await uri(`/packs/${pack.id}/dicom-web`, source!)).statusCode).toBe(404);
    const main = (await get('/dicom-web/studies?limit=1000')).json() as DJ[];
    const mainStudies = new Set(main.map((s) => str(s, '0020000D')));
    expect(mainStudies).toEqual(sourceStudies);
    const packStudy = pack.summary.studies[0]!.studyInstanceUid;
    expect((await get(`/dicom-web/studies/${packStudy}/metadata`)).statusCode).toBe(404);
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${packStudy}`, headers: t.auth })).statusCode).toBe(404);
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/packs/${pack.id}/dicom-web/studies/${packStudy}`, headers: doctor })).statusCode).toBe(403);
    // The archive holds the sources and the released copies, and no quarantined copy.
    const n = await t.gw.index.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(sourceInstances + pack.counts.released);
  });

  it('a user who may not see the pack gets 404 everywhere under it; building needs the right (403)', async () => {
    const packStudy = pack.summary.studies[0]!.studyInstanceUid;
    // An expert of the consulting hospital not (yet) invited, an account of no facility, and the admin (IT: no clinical data).
    for (const who of [expert, other, t.auth]) {
      for (const url of [`/api/packs/${pack.id}`, `/packs/${pack.id}/dicom-web/studies`, `/packs/${pack.id}/dicom-web/studies/${packStudy}/metadata`, `/api/packs/${pack.id}/export.zip`]) {
        const r = await get(url, who);
        expect(r.statusCode, url).toBe(404);
        expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      expect(((await get(`/api/consults/${consultId}/packs`, who)).json() as { packs: unknown[] }).packs).toEqual([]);
      expect((await post(`/api/consults/${consultId}/pack`, { studies: [...sourceStudies] }, who)).statusCode).toBe(403);
    }
    expect((await get(`/packs/${pack.id}/dicom-web/studies`, {})).statusCode).toBe(401);
  });

  it('once the consult is submitted, the consulting office sees the pack, without the source UIDs', async () => {
    const office = await login('office', 'office-password-1');
    expect((await get(`/api/packs/${pack.id}`, office)).statusCode).toBe(404); // a draft is the requesting side's alone
    for (const command of [{ type: 'recordConsent', method: 'paper', signer: 'patient' }, { type: 'submit' }]) {
      const r = await post(`/api/consults/${consultId}/commands`, command, doctor);
      expect(r.statusCode, r.body).toBe(200);
    }
    const seen = await get(`/api/packs/${pack.id}`, office);
    expect(seen.statusCode).toBe(200);
    const view = seen.json() as PackView;
    expect(view.quarantine.length).toBe(pack.quarantine.length);
    for (const q of view.quarantine) expect(q.source).toMatch(/^#\d+$/);
    expect((await get(`/packs/${pack.id}/dicom-web/instances`, office)).json()).toHaveLength(pack.counts.released);
    expect((await post(`/api/consults/${consultId}/pack`, { studies: [...sourceStudies] }, office)).statusCode).toBe(403);
    expect((await get(`/packs/${pack.id}/dicom-web/instances`, expert)).statusCode).toBe(404); // not invited
  });

  it('refuses bad build requests with problem+json and builds nothing', async () => {
    const bad = [
      { studies: [] },
      { studies: 'x' },
      { studies: ['not a uid'] },
      { studies: [...sourceStudies], options: { retainUIDs: true } },
      { studies: [...sourceStudies], options: { noSuchOption: true } },
      { studies: [...sourceStudies], pseudonym: 'A^B' },
      { studies: [pack.summary.studies[0]!.studyInstanceUid] },
    ];
    for (const payload of bad) {
      const r = await post(`/api/consults/${consultId}/pack`, payload, doctor);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect((r.json() as { code: string }).code).toBe('HOI_ERR_BAD_REQUEST');
    }
    const missing = await post(`/api/consults/${consultId}/pack`, { studies: ['1.2.3.4.5.6.7.8.9'] }, doctor);
    expect(missing.statusCode).toBe(404);
    const list = (await get(`/api/consults/${consultId}/packs`)).json() as { packs: unknown[] };
    expect(list.packs.length).toBe(1);
    expect((await get('/api/packs/pk00000000000000000000')).statusCode).toBe(404);
  });

  it('exports a zip with a DICOMDIR that dcmdump reads, every released file and CASE.JSON', async () => {
    const r = await get(`/api/packs/${pack.id}/export.zip`);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/zip/);
    const entries = await unzip(r.rawPayload);
    const dicomFiles = [...entries.keys()].filter((n) => n.startsWith('DICOM/'));
    expect(dicomFiles.length).toBe(pack.counts.released);
    for (const n of dicomFiles) expect(n.split('/').every((c) => /^[A-Z0-9_]{1,8}$/.test(c)), n).toBe(true);
    const summary = JSON.parse(entries.get('CASE.JSON')!.toString()) as { pack: string; counts: { released: number } };
    expect(summary.pack).toBe(pack.id);
    expect(summary.counts.released).toBe(pack.counts.released);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-packzip-'));
    try {
      fs.writeFileSync(path.join(dir, 'DICOMDIR'), entries.get('DICOMDIR')!);
      const { stdout } = await run('dcmdump', ['+L', path.join(dir, 'DICOMDIR')], { maxBuffer: 16 * 1024 * 1024 });
      expect(stdout).toContain('DirectoryRecordSequence');
      const refs = [...stdout.matchAll(/\(0004,1500\) CS \[([^\]]+)\]/g)].map((m) => m[1]!.replace(/\\/g, '/'));
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(entries.has(ref), ref).toBe(true);
      // Every released file with Study and Series UIDs is indexed in the DICOMDIR.
      expect(new Set(refs).size).toBeGreaterThanOrEqual(dicomFiles.filter((n) => readPart10(entries.get(n)!).dataset['0020000D']).length);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a second run of the build job (retry, resume) skips settled instances and re-stores an interrupted one as the same copy', async () => {
    const store = t.gw.packs.store;
    const count = async () => Number((await t.gw.index.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    // As if the process died between storing a copy and marking it released.
    const row = await store.db.selectFrom('pack_instances').select('pk').where('pack_id', '=', pack.id).where('state', '=', 'released').limit(1).executeTakeFirstOrThrow();
    await store.db.updateTable('pack_instances').set({ state: 'pending' }).where('pk', '=', row.pk).execute();
    let job = await t.gw.jobs.enqueue(PACK_BUILD_KIND, { packId: pack.id });
    while (!['succeeded', 'failed', 'cancelled'].includes(job.state)) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await t.gw.jobs.get(job.id))!;
    }
    expect(job.state, job.error ?? '').toBe('succeeded');
    expect(job.report?.instances).toMatchObject({ done: pack.counts.released, failed: pack.counts.quarantined });
    const again = (await get(`/api/packs/${pack.id}`)).json() as PackView;
    expect(again.counts).toMatchObject({ released: pack.counts.released, quarantined: pack.counts.quarantined, pending: 0 });
    expect(await count()).toBe(before);
  });

  it('a cancelled build ends the pack as cancelled, and its root serves nothing of it', async () => {
    const res = await post(`/api/consults/${consultId}/pack`, { studies: [...sourceStudies].slice(0, 1) }, doctor);
    expect(res.statusCode).toBe(202);
    const { pack: p, job } = res.json() as { pack: { id: string }; job: { id: string } };
    await t.gw.jobs.cancel(job.id);
    for (let j = await t.gw.jobs.get(job.id); !['succeeded', 'failed', 'cancelled'].includes(j!.state); j = await t.gw.jobs.get(job.id)) await new Promise((r) => setTimeout(r, 50));
    // The handler itself, on a signal already aborted (as when the cancel reaches a running attempt).
    const ac = new AbortController();
    ac.abort(new JobCancelled());
    const ctx = { jobId: 'direct', params: { packId: p.id }, attempt: 1, signal: ac.signal, resumeFrom: null,
      services: { archive: t.gw.archive } as unknown as JobServices, progress: () => undefined, checkpoint: async () => undefined } as JobContext;
    await expect(jobKind(PACK_BUILD_KIND).run(ctx)).rejects.toBeInstanceOf(JobCancelled);
    const after = (await get(`/api/packs/${p.id}`)).json() as PackView;
    expect(after.state).toBe('cancelled');
    expect((await get(`/packs/${p.id}/dicom-web/studies`)).statusCode).toBe(409);
    expect((await get(`/api/packs/${p.id}/export.zip`)).statusCode).toBe(409);
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/api/packs/${p.id}`, headers: doctor })).statusCode).toBe(204);
  });

  it('audits the build, its end and refused views in the worklist log (G-2.11)', async () => {
    const r = await get(`/api/audit?objectType=casePack&objectId=${pack.id}&limit=500`, t.auth);
    expect(r.statusCode, r.body).toBe(200);
    const actions = (r.json() as { entries: { action: string; outcome: string }[] }).entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['casePack.build.requested:ok', 'casePack.build.finished:ok', 'casePack.view:denied', 'casePack.export:ok']));
  });

  // Attachments share the ledger code with the build (tested on both engines above): one engine is enough here.
  if (backend === 'sqlite') it('wraps an attached PNG as DICOM into the pack (served by its root only); refuses other content', async () => {
    const png = tinyPng();
    const r = await t.gw.app.inject({ method: 'POST', url: `/api/packs/${pack.id}/attachments`, headers: { ...doctor, 'content-type': 'image/png' }, payload: png });
    expect(r.statusCode, r.body).toBe(201);
    const { sopInstanceUid, studyInstanceUid } = r.json() as { sopInstanceUid: string; studyInstanceUid: string };
    expect(pack.summary.studies.map((s) => s.studyInstanceUid)).toContain(studyInstanceUid);
    const q = (await get(`/packs/${pack.id}/dicom-web/instances?SOPInstanceUID=${sopInstanceUid}`)).json() as DJ[];
    expect(q.length).toBe(1);
    expect(str(q[0]!, '00100020')).toBe(consultPseudonym);
    expect((await get(`/dicom-web/instances?SOPInstanceUID=${sopInstanceUid}`)).json()).toEqual([]);
    expect(((await get(`/api/packs/${pack.id}`)).json() as PackView).counts).toMatchObject({ attachments: 1, released: pack.counts.released + 1 });
    const bad = await t.gw.app.inject({ method: 'POST', url: `/api/packs/${pack.id}/attachments`, headers: { ...doctor, 'content-type': 'image/png' }, payload: Buffer.from('not a png at all') });
    expect(bad.statusCode).toBe(415);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const denied = await t.gw.app.inject({ method: 'POST', url: `/api/packs/${pack.id}/attachments`, headers: { ...expert, 'content-type': 'image/png' }, payload: png });
    expect(denied.statusCode).toBe(404);
  });
  it('deleting the pack removes its copies from the archive and its root', async () => {
    const count = async () => Number((await t.gw.index.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/api/packs/${pack.id}`, headers: expert })).statusCode).toBe(404);
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/api/packs/${pack.id}`, headers: doctor })).statusCode).toBe(204);
    expect(await count()).toBe(sourceInstances);
    expect((await get(`/packs/${pack.id}/dicom-web/studies`)).statusCode).toBe(404);
    expect(((await get('/dicom-web/studies?limit=1000')).json() as DJ[]).length).toBe(sourceStudies.size);
  });
});

// G-2.11 (image accesses audited, tampering detected) and G-2.14 (online backup, restore into a fresh data dir)
// on SQLite and PostgreSQL; the minutes PDF and its DICOM Encapsulated PDF (issue 5, point 5).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../gateway/src/app.js';
import { loadConfig } from '../../gateway/src/config/config.js';
import { dropPgSchema, sql } from '../../gateway/src/archive/index/openIndex.js';
import { backup } from '../../gateway/src/cli/backup.js';
import { restore } from '../../gateway/src/cli/restore.js';
import { auditVerify } from '../../gateway/src/cli/auditVerify.js';
import { storeConsultPdf, ENCAPSULATED_PDF_SOP_CLASS } from '../../gateway/src/worklist/index.js';
import { PG_URL, ADMIN_PASSWORD, type Backend } from '../helpers/gateway.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance } from '../helpers/synth.js';
import { DEMO_PASSWORD, startWorklistGateway, type WorklistGateway } from './worklistSetup.js';
import { pdfText } from '../helpers/pdf.js';

const BACKENDS: Backend[] = ['sqlite', 'postgres'];
const execFileAsync = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe.each(BACKENDS)('audit, PDFs, backup and restore on %s', (backend) => {
  let t: WorklistGateway;
  let sop = '';
  let study = '';
  let pdfSop = '';
  const instance = makeInstance({ PatientName: 'NGUYEN^THI^HOA' });
  beforeAll(async () => { t = await startWorklistGateway(backend, { dicomPort: 0, dicomAcceptAny: true }); });
  afterAll(async () => { await t?.close(); });

  it('every DICOMweb access becomes an audit entry (who, facility, role, object, outcome)', async () => {
    const { body, contentType } = stowBody([instance]);
    const stow = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...(await t.login('bs.lan')), 'content-type': contentType, accept: 'application/dicom+json' }, payload: body });
    expect(stow.statusCode).toBe(200);
    const ref = (stow.json() as Record<string, { Value: Record<string, { Value: string[] }>[] }>)['00081199']!.Value[0]!;
    sop = ref['00081155']!.Value[0]!;
    study = /studies\/([^/]+)/.exec(ref['00081190']!.Value[0]!)![1]!;
    const wado = await t.gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${study}/series`, headers: await t.login('bs.lan') });
    expect(wado.statusCode).toBe(200);
    const anon = await t.gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${study}/metadata` });
    expect(anon.statusCode).toBe(401);
    await t.gw.worklist.accessLog.flush();
    const audit = await t.req('admin', 'GET', '/api/audit?objectType=study&objectId=' + study);
    expect(audit.json.entries).toEqual(expect.arrayContaining([
      expect.objectContaining({ userId: 'bs.lan', facilityId: 'bv-huyen-dong-anh', role: 'requesting_doctor', action: 'image.query', outcome: 'ok' }),
      expect.objectContaining({ userId: 'anonymous', action: 'image.read', outcome: 'denied' }),
    ]));
    const stored = await t.req('admin', 'GET', '/api/audit?action=image.store');
    expect(stored.json.entries.length).toBeGreaterThan(0);
    // DIMSE: a C-STORE and a C-FIND from a DCMTK peer are logged under the calling AE title.
    const file = path.join(t.dataDir, 'dimse-in.dcm');
    const dimseInstance = makeInstance();
    fs.writeFileSync(file, dimseInstance);
    const port = String(t.gw.dimse.port);
    // Asynchronously: the SCP runs in this process.
    await execFileAsync('storescu', ['-aet', 'AUDITSCU', '-aec', t.gw.config.aeTitle, '127.0.0.1', port, file]);
    await execFileAsync('findscu', ['-S', '-aet', 'AUDITSCU', '-aec', t.gw.config.aeTitle, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study}`, '127.0.0.1', port]);
    await t.gw.worklist.accessLog.flush();
    const dimse = (await t.req('admin', 'GET', '/api/audit?user=ae:AUDITSCU')).json.entries;
    expect(dimse).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'dimse.c-store', objectType: 'instance', outcome: 'ok', role: 'dicom_peer' }),
      expect.objectContaining({ action: 'dimse.c-find', objectType: 'study', objectId: study }),
    ]));
    // Query strings (which can carry patient names) never reach the log.
    await t.gw.app.inject({ method: 'GET', url: '/dicom-web/studies?PatientName=NGUYEN*', headers: await t.login('bs.lan') });
    await t.gw.worklist.accessLog.flush();
    const all = await t.req('admin', 'GET', '/api/audit?limit=5000');
    expect(JSON.stringify(all.json)).not.toContain('NGUYEN');
  });

  it('the minutes PDF carries Vietnamese text in an embedded font, and is stored as a DICOM Encapsulated PDF', async () => {
    const pdf = await t.req('bs.lan', 'GET', '/api/consults/hc-signed/minutes.pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.body.toString('latin1')).toMatch(/\/FontFile2/);
    const text = await pdfText(pdf.body);
    for (const s of ['BIÊN BẢN HỘI CHẨN TỪ XA', 'Nhồi máu phổi thùy dưới phải.', 'Chuyển tuyến', 'Bệnh viện huyện Đông Anh', 'Nguyễn Thị Hoa']) expect(text, text).toContain(s);
    // The planning office's copy has the pseudonym only.
    const office = await pdfText((await t.req('khth.ha', 'GET', '/api/consults/hc-signed/minutes.pdf')).body);
    expect(office).toContain('HC-7Q4K2');
    expect(office).not.toContain('Nguyễn Thị Hoa');
    const participants = await pdfText((await t.req('gd.binh', 'GET', '/api/consults/hc-signed/participants.pdf')).body);
    expect(participants).toContain('DANH SÁCH THÀNH PHẦN THAM GIA HỘI CHẨN');
    expect(participants).toContain('GS. Ngô Văn Bình (Giám đốc)');

    const stored = await storeConsultPdf(t.gw.worklist, t.gw.archive, 'hc-signed', 'minutes');
    pdfSop = stored.sopInstanceUid;
    const dcm = await t.gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${stored.studyUid}/series/${stored.seriesUid}/instances/${pdfSop}`, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"' } });
    expect(dcm.statusCode).toBe(200);
    const bytes = dcm.rawPayload.toString('latin1');
    expect(bytes).toContain(ENCAPSULATED_PDF_SOP_CLASS);
    expect(bytes).toContain('application/pdf');
    expect(bytes).toContain('HC-7Q4K2');
    expect(bytes).not.toContain('Nguy');
    const start = dcm.rawPayload.indexOf('%PDF-');
    expect(start).toBeGreaterThan(0);
    expect(await pdfText(dcm.rawPayload.subarray(start, dcm.rawPayload.lastIndexOf('%%EOF') + 5))).toContain('Nhồi máu phổi thùy dưới phải.');
  });

  it('backup (online) → restore into a fresh data dir finds everything; then a tampered audit row is detected', async () => {
    fs.mkdirSync(path.join(t.dataDir, 'keys'), { recursive: true });
    fs.writeFileSync(path.join(t.dataDir, 'keys', 'anonymizer.key'), crypto.randomBytes(32));
    const out = path.join(os.tmpdir(), `hoichan-backup-${crypto.randomBytes(4).toString('hex')}.tar`);
    const consultsBefore = (await t.req('admin', 'GET', '/api/consults')).json.consults.length as number;
    // Online: the gateway keeps answering (and auditing) while the backup runs.
    const [manifest] = await Promise.all([backup(t.gw.config, out, t.gw.index, { pageRows: 37 }), t.req('bs.lan', 'GET', '/api/consults/hc-draft')]);
    expect(manifest.auditHead?.seq).toBeGreaterThan(0);
    expect(manifest.blobs).toBeGreaterThanOrEqual(2);
    expect(manifest.files).toContain('keys/anonymizer.key');

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-restore-'));
    const schema = `r_${crypto.randomBytes(5).toString('hex')}`;
    const config = loadConfig({}, { dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', databaseUrl: backend === 'postgres' ? PG_URL : null, databaseSchema: schema, dicomPort: null, https: 'off' });
    try {
      // Not into a used data dir.
      await expect(restore({ ...config, dataDir: t.dataDir }, out)).rejects.toThrow(/not empty/);
      const report = await restore(config, out);
      expect(report.audit).toMatchObject({ ok: true, count: manifest.auditHead!.seq, head: manifest.auditHead!.hash });
      expect(report.blobProblems).toEqual([]);
      expect(report.instances).toBe(manifest.rows.instances);
      expect(fs.readFileSync(path.join(dataDir, 'keys', 'anonymizer.key'))).toEqual(fs.readFileSync(path.join(t.dataDir, 'keys', 'anonymizer.key')));

      const gw = await build(config);
      try {
        const login = async (username: string, password = DEMO_PASSWORD) => ({ authorization: `Bearer ${(await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } })).json().token}` });
        const admin = await login('admin', ADMIN_PASSWORD);
        expect((await gw.app.inject({ method: 'GET', url: '/api/consults', headers: admin })).json().consults.length).toBe(consultsBefore);
        const lan = await login('bs.lan');
        const closed = await gw.app.inject({ method: 'GET', url: '/api/consults/hc-closed', headers: lan });
        expect(closed.json()).toMatchObject({ state: 'closed', patient: { identity: { fullName: 'Nguyễn Thị Hoa' } } });
        const dicom = await gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${study}/series`, headers: lan });
        expect(dicom.statusCode).toBe(200);
        const inst = await gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${study}/instances`, headers: lan });
        expect(JSON.stringify(inst.json())).toContain(sop);
        const retrieved = await gw.app.inject({ method: 'GET', url: `/dicom-web/studies/${study}`, headers: { ...lan, accept: 'multipart/related; type="application/dicom"' } });
        expect(retrieved.rawPayload.includes(instance)).toBe(true);
        // New rows get fresh ids after the restored ones (identity sequences moved on).
        expect((await gw.app.inject({ method: 'POST', url: '/api/facilities/bv-trung-uong/users', headers: admin, payload: { username: 'new.user', password: 'long-enough-pw', roles: ['it_technician'] } })).statusCode).toBe(201);
        expect((await gw.app.inject({ method: 'GET', url: '/api/audit/verify', headers: admin })).json()).toMatchObject({ ok: true });

        // Tampering: someone with database rights drops the append-only trigger and edits an entry.
        const db = gw.index.db;
        await expect(sql`UPDATE audit_log SET outcome = 'ok' WHERE seq = 3`.execute(db)).rejects.toThrow(/append-only/);
        if (backend === 'sqlite') await sql`DROP TRIGGER audit_log_no_update`.execute(db);
        else await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(db);
        await sql`UPDATE audit_log SET user_id = 'mallory' WHERE seq = 3`.execute(db);
        const verdict = (await gw.app.inject({ method: 'GET', url: '/api/audit/verify', headers: admin })).json();
        expect(verdict).toMatchObject({ ok: false, brokenAt: 3 });
        expect(verdict.reason).toContain('edited');
      } finally {
        await gw.close();
      }
      // The command line says the same, with exit code 1.
      expect(await auditVerify(config)).toMatchObject({ ok: false, brokenAt: 3 });
      const env = { ...process.env, HOICHAN_DATA_DIR: dataDir, HOICHAN_DATABASE_SCHEMA: schema, ...(backend === 'postgres' ? { HOICHAN_DATABASE_URL: PG_URL } : {}) };
      const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/cli/main.ts'), 'audit', 'verify'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(cli.status, cli.stderr).toBe(1);
      expect(JSON.parse(cli.stdout)).toMatchObject({ ok: false, brokenAt: 3 });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(out, { force: true });
      if (backend === 'postgres') await dropPgSchema(PG_URL, schema);
    }
  });
});

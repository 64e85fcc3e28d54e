// Issue 5 point 5 (G-3.7, G-2.7) and issue 4 point 7: the minutes and the participant record join the consult's case
// pack as DICOM Encapsulated PDFs (pack root only, pseudonym only, through the leak gate); the participant record
// lists who took part in the live room; a pack takes only the consult's patient's studies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../../anonymizer/src/index.js';
import { ENCAPSULATED_PDF_SOP_CLASS, encapsulatedPdf } from '../../gateway/src/worklist/index.js';
import { parseMultipart, stowBody } from '../helpers/multipart.js';
import { makeInstance } from '../helpers/synth.js';
import type { Backend } from '../helpers/gateway.js';
import { startWorklistGateway, type WorklistGateway } from './worklistSetup.js';
import { pdfText } from '../helpers/pdf.js';

type DJ = Record<string, { vr: string; Value?: unknown[] }>;
const str = (ds: DJ, tag: string): string => String(ds[tag]?.Value?.[0] ?? '');
const BACKENDS: Backend[] = ['sqlite', 'postgres'];
/** The demo consult whose minutes are agreed, waiting for the requesting side's signature (cg.quang invited). */
const CONSULT = 'hc-minutes_agreed';
const PSEUDONYM = 'HC-7Q4K2';
const IDENTITY = ['Nguyễn Thị Hoa', 'Nguyen Thi Hoa', 'DA-2025-000123', '001161012345', 'Trần Phú'];

/** The PDF inside an Encapsulated PDF instance. */
const pdfOf = (part10: Buffer): Buffer => part10.subarray(part10.indexOf('%PDF-'), part10.lastIndexOf('%%EOF') + 5);

describe.each(BACKENDS)('case pack documents and patient check on %s', (backend) => {
  let t: WorklistGateway;
  /** Study UID by label: the demo patient's, another patient's, same id under another issuer, no Patient ID. */
  const study: Record<'own' | 'other' | 'issuer' | 'none', string> = { own: '', other: '', issuer: '', none: '' };
  let packId = '';

  const stow = async (attrs: Record<string, unknown>): Promise<string> => {
    const bytes = makeInstance({ PatientName: 'Nguyễn^Thị Hoa', PatientBirthDate: '19610417', ...attrs });
    const { body, contentType } = stowBody([bytes]);
    const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType, accept: 'application/dicom+json' }, payload: body });
    expect(r.statusCode, r.body).toBe(200);
    return String(readPart10(bytes).dataset['0020000D']!.Value![0]);
  };
  const instances = async () => Number((await t.gw.index.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /** The Encapsulated PDFs the pack's root shows `user`, each with its Part 10 bytes. */
  const packPdfs = async (user: string) => {
    const q = await t.req(user, 'GET', `/packs/${packId}/dicom-web/instances?SOPClassUID=${ENCAPSULATED_PDF_SOP_CLASS}`);
    expect(q.status).toBe(200);
    const out: { sop: string; title: string; bytes: Buffer }[] = [];
    for (const inst of q.json as DJ[]) {
      const url = `/packs/${packId}/dicom-web/studies/${str(inst, '0020000D')}/series/${str(inst, '0020000E')}/instances/${str(inst, '00080018')}`;
      const w = await t.req(user, 'GET', url, undefined, { accept: 'multipart/related; type="application/dicom"' });
      expect(w.status).toBe(200);
      const [part] = parseMultipart(w.body, String(w.headers['content-type']));
      const ds = readPart10(part!.body).dataset;
      out.push({ sop: str(inst, '00080018'), title: String(ds['00420010']?.Value?.[0] ?? ''), bytes: part!.body });
    }
    return out;
  };

  beforeAll(async () => {
    t = await startWorklistGateway(backend);
    study.own = await stow({ PatientID: 'DA-2025-000123', IssuerOfPatientID: 'BVH-DONG-ANH' });
    study.other = await stow({ PatientID: 'DA-2025-000999', IssuerOfPatientID: 'BVH-DONG-ANH' });
    study.issuer = await stow({ PatientID: 'DA-2025-000123', IssuerOfPatientID: 'BV-KHAC' });
    study.none = await stow({ PatientID: '' });
  });
  afterAll(async () => { await t?.close(); });

  it("refuses (422, with the reason) source studies that are not the consult's patient's, and builds nothing", async () => {
    const cases: [string[], RegExp][] = [
      [[study.other], /not one of the consult's patient's ids/],
      [[study.issuer], /another issuer/],
      [[study.none], /no Patient ID/],
      [[study.own, study.other], /not one of the consult's patient's ids/],
    ];
    for (const [studies, reason] of cases) {
      const r = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies });
      expect(r.status, r.body.toString()).toBe(422);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.json.reason).toMatch(reason);
      expect(r.json.detail).toContain(studies.at(-1));
    }
    expect((await t.req('bs.lan', 'GET', `/api/consults/${CONSULT}/packs`)).json.packs).toEqual([]);
  });

  it('builds a pack of the patient\'s study; signing the minutes adds them and the participant record (with attendance) to it', async () => {
    // Who took part in the live room, written through the live module's record (as its rooms do).
    const join = (at: string, userId: string, consultRole: string, peerId: string, liveRole: 'presenter' | 'viewer', event: 'join' | 'leave' | 'role') =>
      t.gw.live.record.append({ at, consultId: CONSULT, userId, displayName: null, consultRole, event, liveRole, peerId });
    join('2026-01-05T02:00:00.000Z', 'bs.lan', 'requesting_doctor', 'p1', 'viewer', 'join');
    join('2026-01-05T02:01:00.000Z', 'cg.quang', 'consultant_expert', 'p2', 'viewer', 'join');
    join('2026-01-05T02:02:00.000Z', 'bs.lan', 'requesting_doctor', 'p1', 'presenter', 'role');
    join('2026-01-05T02:40:00.000Z', 'cg.quang', 'consultant_expert', 'p2', 'viewer', 'leave');

    const r = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies: [study.own] });
    expect(r.status, r.body.toString()).toBe(202);
    packId = r.json.pack.id as string;
    for (let p = r.json.pack; p.state === 'building'; p = (await t.req('bs.lan', 'GET', `/api/packs/${packId}`)).json) await new Promise((res) => setTimeout(res, 100));
    expect((await t.req('bs.lan', 'GET', `/api/packs/${packId}`)).json.counts).toMatchObject({ released: 1, attachments: 0 });
    expect(await packPdfs('cg.quang')).toEqual([]);

    const signed = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/commands`, { type: 'signMinutes' });
    expect(signed.status, signed.body.toString()).toBe(200);
    expect(signed.json.state).toBe('signed');

    // The invited consultant reads both from the pack's root: pseudonym only (G-2.3).
    const docs = await packPdfs('cg.quang');
    expect(docs.map((d) => d.title).sort()).toEqual([`Biên bản hội chẩn ${CONSULT}`, `Danh sách tham gia hội chẩn ${CONSULT}`]);
    for (const d of docs) {
      const ds = readPart10(d.bytes).dataset;
      expect(ds['00100010']?.Value?.[0]).toMatchObject({ Alphabetic: PSEUDONYM });
      expect(str(ds, '00100020')).toBe(PSEUDONYM);
      const text = await pdfText(pdfOf(d.bytes));
      expect(text).toContain(PSEUDONYM);
      for (const s of IDENTITY) {
        expect(text, s).not.toContain(s);
        expect(d.bytes.toString('utf8'), s).not.toContain(s);
      }
    }
    const minutes = await pdfText(pdfOf(docs.find((d) => d.title.startsWith('Biên bản'))!.bytes));
    expect(minutes).toContain('Nhồi máu phổi thùy dưới phải.');
    // Wrapped lines come back with doubled spaces: compare on single spaces.
    const participants = (await pdfText(pdfOf(docs.find((d) => d.title.startsWith('Danh sách'))!.bytes))).replace(/\s+/g, ' ');
    expect(participants).toContain('Thực tế tham gia phiên hội chẩn trực tuyến');
    expect(participants).toMatch(/PGS\. Vũ Đức Quang \(Chẩn đoán hình ảnh\) — Chuyên gia tư vấn \(consultant expert\): vào \(joined\) 2026-01-05 02:01 UTC, ra \(left\) 2026-01-05 02:40 UTC/);
    expect(participants).toMatch(/BS\. Nguyễn Thị Lan — Bác sĩ điều trị \(requesting doctor\) — trình chiếu \(presenter\): vào \(joined\) 2026-01-05 02:00 UTC, ra \(left\) không ghi nhận/);
    // The same attendance in the participant record served as PDF (G-2.7).
    const served = (await pdfText((await t.req('khth.ha', 'GET', `/api/consults/${CONSULT}/participants.pdf`)).body)).replace(/\s+/g, ' ');
    expect(served).toMatch(/PGS\. Vũ Đức Quang .*vào \(joined\) 2026-01-05 02:01 UTC, ra \(left\) 2026-01-05 02:40 UTC/);

    // Not under the main root, not to an expert who is not invited.
    for (const d of docs) expect((await t.req('admin', 'GET', `/dicom-web/instances?SOPInstanceUID=${d.sop}`)).json).toEqual([]);
    expect((await t.req('cg.vy', 'GET', `/packs/${packId}/dicom-web/instances`)).status).toBe(404);
    expect((await t.req('bs.lan', 'GET', `/api/packs/${packId}`)).json.counts).toMatchObject({ released: 3, attachments: 2 });
  });

  it('on demand: replaces the documents (one current copy each); the consultants may not; deleting the pack deletes them', async () => {
    const before = (await packPdfs('bs.lan')).map((d) => d.sop);
    const count = await instances();
    const again = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack/documents`);
    expect(again.status, again.body.toString()).toBe(201);
    expect(again.json.documents.map((d: { state: string }) => d.state)).toEqual(['released', 'released']);
    const after = (await packPdfs('bs.lan')).map((d) => d.sop);
    expect(after).toHaveLength(2);
    for (const sop of before) expect(after).not.toContain(sop);
    expect(await instances()).toBe(count);
    expect((await t.req('cg.quang', 'POST', `/api/consults/${CONSULT}/pack/documents`)).status).toBe(403);
    expect((await t.req('bs.lan', 'POST', '/api/consults/hc-draft/pack/documents')).status).toBe(409); // no ready pack
    expect((await t.gw.app.inject({ method: 'DELETE', url: `/api/packs/${packId}`, headers: await t.login('bs.lan') })).statusCode).toBe(204);
    expect(await instances()).toBe(count - 3);
  });

  it('the leak gate of addToPack quarantines a document naming the patient, and refuses a foreign pseudonym or study', async () => {
    const r = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies: [study.own] });
    const id = r.json.pack.id as string;
    for (let p = r.json.pack; p.state === 'building'; p = (await t.req('bs.lan', 'GET', `/api/packs/${id}`)).json) await new Promise((res) => setTimeout(res, 100));
    const [packStudy] = await t.gw.packs.store.studies(id);
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const dcm = (title: string, over: { pseudonym?: string; studyUid?: string } = {}) =>
      encapsulatedPdf(pdf, { studyUid: over.studyUid ?? packStudy!, pseudonym: over.pseudonym ?? PSEUDONYM, title, consultId: CONSULT }).bytes;
    const named = await t.gw.packs.addToPack(id, dcm('Biên bản — Nguyễn Thị Hoa'), { source: 'document:test1' });
    expect(named.state).toBe('quarantined');
    const inText = await t.gw.packs.addToPack(id, dcm('Biên bản'), { source: 'document:test2', text: 'Người bệnh: Nguyen Thi Hoa, sinh 17/04/1961' });
    expect(inText.state).toBe('quarantined');
    await expect(t.gw.packs.addToPack(id, dcm('x', { pseudonym: 'HC-OTHER' }), { source: 'document:test3' })).rejects.toMatchObject({ code: 'HOI_ERR_UNPROCESSABLE' });
    await expect(t.gw.packs.addToPack(id, dcm('x', { studyUid: study.own }), { source: 'document:test4' })).rejects.toMatchObject({ code: 'HOI_ERR_UNPROCESSABLE' });
    const clean = await t.gw.packs.addToPack(id, dcm('Biên bản'), { source: 'document:test5', text: `Người bệnh: ${PSEUDONYM}` });
    expect(clean.state).toBe('released');
    expect((await t.req('bs.lan', 'GET', `/api/packs/${id}`)).json.counts).toMatchObject({ released: 2, quarantined: 2 });
  });

  it("the requesting side adds a PACS Patient ID to the patient (audited); then that study is accepted; no one else may", async () => {
    const patientId = (await t.req('bs.lan', 'GET', `/api/consults/${CONSULT}`)).json.patient.id as string;
    expect(patientId).toBeTruthy();
    const ids = { patientIds: [{ id: 'DA-2025-000123', issuer: 'BVH-DONG-ANH' }, { id: 'DA-2025-000123', issuer: 'BV-KHAC' }] };
    // The consulting side does not learn the patient exists (404); IT of the patient's own facility is refused (403).
    expect((await t.req('cg.quang', 'PUT', `/api/patients/${patientId}/pacs-ids`, ids)).status).toBe(404);
    const it403 = await t.req('it.hung', 'PUT', `/api/patients/${patientId}/pacs-ids`, ids);
    expect(it403.status).toBe(403);
    expect(it403.json.rule).toBe('G-2.9');
    expect((await t.req('bs.lan', 'PUT', `/api/patients/${patientId}/pacs-ids`, { patientIds: [{ id: '' }] })).status).toBe(400);
    expect((await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies: [study.issuer] })).status).toBe(422);

    const ok = await t.req('dp.minh', 'PUT', `/api/patients/${patientId}/pacs-ids`, ids);
    expect(ok.status, ok.body.toString()).toBe(200);
    expect(ok.json).toMatchObject({ id: patientId, patientIds: ids.patientIds });
    const built = await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies: [study.issuer] });
    expect(built.status, built.body.toString()).toBe(202);
    for (let p = built.json.pack; p.state === 'building'; p = (await t.req('bs.lan', 'GET', `/api/packs/${built.json.pack.id}`)).json) await new Promise((res) => setTimeout(res, 100));
    // Still refused: another patient's id.
    expect((await t.req('bs.lan', 'POST', `/api/consults/${CONSULT}/pack`, { studies: [study.other] })).status).toBe(422);
    const audit = await t.gw.index.db.selectFrom('audit_log' as never).selectAll().where('action' as never, '=', 'patient.setPacsIds' as never).execute() as { user_id: string; outcome: string }[];
    expect(audit.map((a) => `${a.user_id}:${a.outcome}`)).toEqual(expect.arrayContaining(['cg.quang:error', 'it.hung:denied', 'dp.minh:ok']));
  });
});

import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATIENT, SUMMARY } from '@hoichan/worklist/testing';
import type { Backend } from '../helpers/gateway.js';
import { startWorklistGateway, type WorklistGateway } from './worklistSetup.js';

const BACKENDS: Backend[] = ['sqlite', 'postgres'];
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const identity = { fullName: 'Trần Thị Mai', birthDate: '1970-05-02', sex: 'female', nationalId: '001170099999', address: '5 Lý Thường Kiệt, Hà Nội' };

/** Every string anywhere in a JSON value. */
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);

describe.each(BACKENDS)('worklist API on %s', (backend) => {
  let t: WorklistGateway;
  beforeAll(async () => { t = await startWorklistGateway(backend); });
  afterAll(async () => { await t?.close(); });

  it('GET /api/me derives the actor from the logged-in user', async () => {
    const r = await t.req('khth.ha', 'GET', '/api/me');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ username: 'khth.ha', facility: { id: 'bv-trung-uong', name: 'Bệnh viện Trung ương' }, worklistRoles: ['consulting_coordinator'] });
  });

  it('a routine consult from draft to closed over HTTP, each refusal naming its guard and rule', async () => {
    const create = await t.req('bs.lan', 'POST', '/api/consults', {
      type: 'case', urgency: 'routine', consultingFacilityId: 'bv-trung-uong', patient: { identity }, caseSummary: SUMMARY, requestedTime: inDays(3),
    });
    expect(create.status).toBe(201);
    const id = create.json.id as string;
    expect(create.json.patient.identity.fullName).toBe(identity.fullName);
    expect(create.json.allowedCommands).toContain('submit');
    const cmd = (user: string, body: unknown, headers?: Record<string, string>) => t.req(user, 'POST', `/api/consults/${id}/commands`, body, headers);

    // G-2.12: no submission before consent.
    const early = await cmd('bs.lan', { type: 'submit' });
    expect(early.status).toBe(422);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.json).toMatchObject({ guard: 'consentRecorded', rule: 'G-2.12', status: 422 });
    // G-2.9 before the state: the planning office cannot see a draft at all.
    expect((await cmd('khth.ha', { type: 'accept' })).json).toMatchObject({ status: 403, guard: 'sameFacility' });
    expect((await cmd('bs.lan', { type: 'recordConsent', method: 'paper', signer: 'patient' })).status).toBe(200);
    // G-2.3: the identity may not travel in a shared text.
    const leak = await cmd('bs.lan', { type: 'editDraft', patch: { caseSummary: { other: `Bệnh nhân ${identity.fullName}` } } });
    expect(leak.status).toBe(200);
    expect((await cmd('bs.lan', { type: 'submit' })).json).toMatchObject({ status: 422, guard: 'noIdentityInText', rule: 'G-2.3' });
    expect((await cmd('bs.lan', { type: 'editDraft', patch: { caseSummary: { other: 'Dị ứng penicillin.' } } })).status).toBe(200);
    // A stale client is told to reload (If-Match with an old rev).
    expect((await cmd('bs.lan', { type: 'submit' }, { 'if-match': '"1"' })).json).toMatchObject({ status: 409 });
    const submitted = await cmd('bs.lan', { type: 'submit' });
    expect(submitted.json.state).toBe('submitted');

    // The consulting side sees the pseudonym and the summary, never the identity (G-2.3, G-2.9).
    const office = await t.req('khth.ha', 'GET', `/api/consults/${id}`);
    expect(office.status).toBe(200);
    expect(office.json.clinical.caseSummary.question).toBe(SUMMARY.question);
    expect(office.json.patient.identity).toBeUndefined();
    expect(office.json.patient.id).toBeUndefined();
    for (const v of Object.values(identity)) expect(strings(office.json)).not.toContain(v);

    expect((await cmd('khth.ha', { type: 'submit' })).json).toMatchObject({ status: 403 });
    expect((await cmd('khth.ha', { type: 'returnForInfo', questions: [] })).json).toMatchObject({ status: 422, guard: 'questionsGiven', rule: 'G-3.3' });
    expect((await cmd('khth.ha', { type: 'accept' })).json.state).toBe('accepted');
    // The gateway checks the users behind ids: an IT technician is not an expert.
    expect((await cmd('khth.ha', { type: 'inviteExperts', experts: [{ expertUserId: 'it.son', specialty: 'x' }] })).json).toMatchObject({ status: 422, guard: 'expertsValid' });
    expect((await cmd('khth.ha', { type: 'inviteExperts', experts: [{ expertUserId: 'cg.quang', specialty: 'radiology' }] })).json.state).toBe('experts_invited');
    // The invited expert now sees it; the other expert does not (G-2.9 invitation).
    expect((await t.req('cg.quang', 'GET', `/api/consults/${id}`)).status).toBe(200);
    expect((await t.req('cg.vy', 'GET', `/api/consults/${id}`)).json).toMatchObject({ status: 403, guard: 'invited' });
    expect((await cmd('cg.quang', { type: 'respondInvitation', response: 'accept' })).status).toBe(200);
    expect((await cmd('khth.ha', { type: 'schedule', start: inDays(0.5) })).json).toMatchObject({ status: 422, guard: 'atLeast24hAhead' });
    expect((await cmd('khth.ha', { type: 'schedule', start: inDays(2), link: 'https://meet.example/r/1' })).json.state).toBe('scheduled');
    expect((await cmd('khth.ha', { type: 'startSession' })).json).toMatchObject({ status: 409 });
    expect((await cmd('gd.thu', { type: 'approveParticipants', facilityId: 'bv-trung-uong' })).json).toMatchObject({ status: 403, guard: 'sameFacility' });
    expect((await cmd('gd.thu', { type: 'approveParticipants', facilityId: 'bv-huyen-dong-anh' })).status).toBe(200);
    expect((await cmd('gd.binh', { type: 'approveParticipants', facilityId: 'bv-trung-uong' })).json.state).toBe('participants_approved');
    expect((await cmd('it.hung', { type: 'recordConnectionTest', facilityId: 'bv-huyen-dong-anh', result: 'ok', rttMs: 30, bandwidthMbps: 80 })).status).toBe(200);
    expect((await cmd('it.son', { type: 'recordConnectionTest', facilityId: 'bv-trung-uong', result: 'ok', rttMs: 30, bandwidthMbps: 300 })).json.state).toBe('connection_tested');
    // IT sees the logistics, not the clinical content.
    const it = await t.req('it.son', 'GET', `/api/consults/${id}`);
    expect(it.json.clinical).toBeUndefined();
    expect(it.json.connectionTests).toHaveLength(2);
    expect((await cmd('khth.ha', { type: 'startSession' })).json.state).toBe('in_session');
    const minutes = { type: 'draftMinutes', assessment: 'Diễn biến ổn định, đáp ứng kém với kháng sinh.', definitiveDiagnosis: 'Nhồi máu phổi thùy dưới phải.', treatmentDirection: 'transfer', notes: 'Chuyển tuyến để chụp CT mạch phổi.' };
    expect((await cmd('bs.lan', minutes)).json.state).toBe('minutes_drafted');
    expect((await cmd('bs.lan', { type: 'signMinutes' })).json).toMatchObject({ status: 409, code: 'HOI_ERR_CONFLICT' });
    expect((await cmd('khth.ha', { type: 'agreeMinutes' })).json.state).toBe('minutes_agreed');
    expect((await cmd('bs.lan', { type: 'signMinutes' })).json.state).toBe('signed');
    expect((await cmd('dp.minh', { type: 'close' })).json.state).toBe('closed');
    expect((await cmd('bs.lan', { type: 'addFollowUp', kind: 'report', text: 'Hết sốt sau 48 giờ.' })).json.clinical.followUps).toHaveLength(1);

    // Every step and every refusal is in the chained audit log (G-2.11).
    const audit = await t.req('admin', 'GET', `/api/consults/${id}/audit`);
    expect(audit.status).toBe(200);
    const actions = audit.json.entries.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['consult.create:ok', 'consult.submit:error', 'consult.accept:denied', 'consult.read:ok', 'consult.read:denied', 'consult.close:ok']));
    expect(strings(audit.json)).not.toContain(identity.fullName);
    expect((await t.req('admin', 'GET', '/api/audit/verify')).json).toMatchObject({ ok: true });
  });

  it('concurrent commands on one consult: one wins, the others get 409, and the audit chain does not fork', async () => {
    const c = await t.req('bs.lan', 'POST', '/api/consults', { type: 'case', urgency: 'routine', consultingFacilityId: 'bv-trung-uong', patient: { id: PATIENT.id }, caseSummary: SUMMARY, requestedTime: inDays(3) });
    const url = `/api/consults/${c.json.id}/commands`;
    await t.req('bs.lan', 'POST', url, { type: 'recordConsent', method: 'paper', signer: 'patient' });
    expect((await t.req('bs.lan', 'POST', url, { type: 'submit' })).json.state).toBe('submitted');
    // Each of these excludes the others (accept → accepted, decline → declined).
    const results = await Promise.all([
      t.req('khth.ha', 'POST', url, { type: 'accept' }),
      t.req('khth.ha', 'POST', url, { type: 'decline', reason: 'Ngoài phạm vi.' }),
      t.req('khth.ha', 'POST', url, { type: 'accept' }),
      t.req('khth.ha', 'POST', url, { type: 'decline', reason: 'Không đủ chuyên gia.' }),
      t.req('admin', 'GET', `/api/consults/${c.json.id}`),
      t.req('bs.lan', 'GET', '/api/consults'),
    ]);
    const statuses = results.slice(0, 4).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(3);
    expect((await t.req('admin', 'GET', '/api/audit/verify')).json).toMatchObject({ ok: true });
  });

  it('bad input: unknown command, extra fields, unknown consult, bad query', async () => {
    expect((await t.req('bs.lan', 'POST', '/api/consults/hc-draft/commands', { type: 'fly' })).status).toBe(400);
    expect((await t.req('bs.lan', 'POST', '/api/consults/hc-draft/commands', { type: 'submit', extra: 1 })).status).toBe(400);
    expect((await t.req('bs.lan', 'POST', '/api/consults/hc-draft/commands', { type: 'recordConsent', method: 'paper' })).status).toBe(400);
    expect((await t.req('bs.lan', 'POST', '/api/consults/nope/commands', { type: 'submit' })).status).toBe(404);
    expect((await t.req('bs.lan', 'GET', '/api/consults/nope')).status).toBe(404);
    expect((await t.req('bs.lan', 'GET', '/api/consults?state=bogus')).status).toBe(400);
    expect((await t.req('bs.lan', 'POST', '/api/consults', { type: 'case', urgency: 'routine', consultingFacilityId: 'bv-trung-uong', patient: {} })).status).toBe(422);
    expect((await t.req('bs.lan', 'POST', '/api/consults', { type: 'case', urgency: 'routine', consultingFacilityId: 'nowhere', patient: { id: PATIENT.id } })).status).toBe(422);
    // Nothing already accepted was lost: the draft is still a draft.
    expect((await t.req('bs.lan', 'GET', '/api/consults/hc-draft')).json.state).toBe('draft');
  });

  it('lists what each actor may see, emergencies first, with filters', async () => {
    const doc = await t.req('bs.lan', 'GET', '/api/consults');
    expect(doc.status).toBe(200);
    expect(doc.json.consults[0].urgency).toBe('emergency');
    expect(doc.json.consults.map((c: { id: string }) => c.id)).toContain('hc-draft');
    const office = await t.req('khth.ha', 'GET', '/api/consults');
    expect(office.json.consults.map((c: { id: string }) => c.id)).not.toContain('hc-draft');
    expect(office.json.consults.every((c: { patient: object }) => !('identity' in c.patient))).toBe(true);
    const vy = await t.req('cg.vy', 'GET', '/api/consults');
    expect(vy.json.consults).toEqual([]);
    const quang = await t.req('cg.quang', 'GET', '/api/consults?state=scheduled');
    const demoIds = (r: { json: { consults: { id: string }[] } }) => r.json.consults.map((c) => c.id).filter((id) => !/\d/.test(id)).sort();
    expect(demoIds(quang)).toEqual(['hc-emergency', 'hc-scheduled']);
    const other = await t.req('x.doctor', 'GET', '/api/consults');
    expect(other.json.consults).toEqual([]);
    const routine = await t.req('admin', 'GET', '/api/consults?urgency=routine&state=closed,cancelled');
    expect(demoIds(routine)).toEqual(['hc-cancelled', 'hc-closed']);
  });

  it('PDFs: minutes for clinical readers, participants for every reader, 404 before minutes', async () => {
    const pdf = await t.req('khth.ha', 'GET', '/api/consults/hc-signed/minutes.pdf');
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await t.req('it.son', 'GET', '/api/consults/hc-signed/minutes.pdf')).status).toBe(403);
    expect((await t.req('khth.ha', 'GET', '/api/consults/hc-scheduled/minutes.pdf')).status).toBe(404);
    expect((await t.req('it.son', 'GET', '/api/consults/hc-scheduled/participants.pdf')).status).toBe(200);
    expect((await t.req('x.director', 'GET', '/api/consults/hc-scheduled/participants.pdf')).status).toBe(403);
  });

  it('GET /api/docs is an OpenAPI document naming the worklist routes', async () => {
    const r = await t.gw.app.inject({ method: 'GET', url: '/api/docs' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/consults', '/api/consults/{id}', '/api/consults/{id}/commands', '/api/audit', '/api/me', '/api/facilities']) expect(doc.paths).toHaveProperty([p]);
  });

  it('GET /api/events pushes the notifications of committed steps to the people concerned (G-3.4)', async () => {
    const address = await t.gw.app.listen({ port: 0, host: '127.0.0.1' });
    const token = (await t.login('khth.ha')).authorization!.slice(7);
    const events: { kind: string; consultId: string; urgent: boolean }[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const get = address.startsWith('https:') ? (u: string, cb: (res: http.IncomingMessage) => void) => https.get(u, { rejectUnauthorized: false }, cb) : http.get;
      const req = get(`${address}/api/events?access_token=${token}`, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toContain('text/event-stream');
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data) events.push(JSON.parse(data));
            if (events.length >= 1) { req.destroy(); resolve(); }
          }
        });
        // The stream is open: now the requesting side submits an emergency.
        void (async () => {
          const c = await t.req('bs.lan', 'POST', '/api/consults', { type: 'case', urgency: 'emergency', consultingFacilityId: 'bv-trung-uong', patient: { id: PATIENT.id }, caseSummary: SUMMARY });
          await t.req('bs.lan', 'POST', `/api/consults/${c.json.id}/commands`, { type: 'recordConsent', method: 'electronic', signer: 'legal_representative' });
          await t.req('bs.lan', 'POST', `/api/consults/${c.json.id}/commands`, { type: 'submit' });
        })().catch(reject);
      });
      req.on('error', (e) => (events.length ? resolve() : reject(e)));
    });
    await got;
    expect(events[0]).toMatchObject({ kind: 'consult.submitted', urgent: true });
    // An unauthenticated stream is refused.
    const anon = await t.gw.app.inject({ method: 'GET', url: '/api/events' });
    expect(anon.statusCode).toBe(401);
  });
});

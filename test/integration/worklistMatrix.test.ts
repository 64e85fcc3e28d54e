// G-2.9: every role × endpoint, with users of the requesting facility, the consulting facility and a third one.
// The expected answer comes from the worklist's ACCESS_MATRIX (through `can()`); the answer checked is the real HTTP one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, COMMAND_TYPES, commandsIn, CONSULT_STATES, type Actor, type Consult, type ConsultState } from '@hoichan/worklist';
import { CAST, consultIn, sampleCommand } from '@hoichan/worklist/testing';
import type { Backend } from '../helpers/gateway.js';
import { OTHER, OTHER_USERS, startWorklistGateway, type WorklistGateway } from './worklistSetup.js';

const BACKENDS: Backend[] = ['sqlite', 'postgres'];
const ACTORS: Actor[] = [...Object.values(CAST), ...OTHER_USERS.map(([userId, role]) => ({ userId, facilityId: OTHER.id, roles: [role] }))];

describe.each(BACKENDS)('authorization matrix on %s', (backend) => {
  let t: WorklistGateway;
  beforeAll(async () => { t = await startWorklistGateway(backend); });
  afterAll(async () => { await t?.close(); });
  const load = async (id: string): Promise<Consult> => (await t.gw.worklist.repo.load(id))!;

  it('GET /api/consults/:id for every actor × a consult in each state: 200/403 as can() says; identity and clinical as the matrix says', async () => {
    const mismatches: string[] = [];
    // The states where visibility changes (draft stays home, invitations, side states, the end), and the emergency.
    for (const state of ['draft', 'submitted', 'returned', 'declined', 'accepted', 'experts_invited', 'participants_approved', 'in_session', 'signed', 'closed', 'cancelled', 'emergency']) {
      const id = `hc-${state}`;
      const consult = await load(id);
      for (const a of ACTORS) {
        const r = await t.req(a.userId, 'GET', `/api/consults/${id}`);
        const read = can(a, 'consult.read', consult).ok;
        const want = read ? 200 : 403;
        if (r.status !== want) mismatches.push(`${a.userId} read ${id}: ${r.status}, want ${want}`);
        if (!read) continue;
        if (('identity' in r.json.patient) !== can(a, 'patient.identity', consult).ok) mismatches.push(`${a.userId} ${id}: identity ${'identity' in r.json.patient}`);
        if (('clinical' in r.json) !== can(a, 'consult.readClinical', consult).ok) mismatches.push(`${a.userId} ${id}: clinical ${'clinical' in r.json}`);
        const allowed = commandsIn(consult.state).filter((c) => can(a, c, consult).ok);
        if (JSON.stringify(r.json.allowedCommands) !== JSON.stringify(allowed)) mismatches.push(`${a.userId} ${id}: allowedCommands`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('POST /api/consults/:id/commands: every command × every actor answers 403 exactly where the matrix refuses', async () => {
    // A fresh consult per command, in the first state whose table allows the command.
    const targets = new Map<string, string>();
    await t.gw.worklist.repo.transaction(async (tx) => {
      for (const type of COMMAND_TYPES) {
        const state = CONSULT_STATES.find((s) => commandsIn(s).includes(type)) as ConsultState;
        const id = `m-${type}`;
        await tx.insert(consultIn(state, id).consult);
        targets.set(type, id);
      }
    });
    const mismatches: string[] = [];
    let allowedSeen = 0;
    for (const type of COMMAND_TYPES) {
      const id = targets.get(type)!;
      for (const a of ACTORS) {
        const consult = await load(id);
        const allowed = can(a, type, consult).ok;
        const r = await t.req(a.userId, 'POST', `/api/consults/${id}/commands`, sampleCommand(type, a, consult, new Date()));
        if (allowed) {
          allowedSeen++;
          if (![200, 409, 422].includes(r.status)) mismatches.push(`${a.userId} ${type} on ${consult.state}: ${r.status} ${r.json?.detail}`);
        } else if (r.status !== 403 || r.json.rule !== 'G-2.9') mismatches.push(`${a.userId} ${type} on ${consult.state}: ${r.status}, want 403`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(allowedSeen).toBeGreaterThan(COMMAND_TYPES.length);
  });

  it('POST /api/consults (create): the requesting roles of a requesting facility only', async () => {
    for (const a of ACTORS) {
      const consulting = a.facilityId === 'bv-trung-uong' ? OTHER.id : 'bv-trung-uong';
      const r = await t.req(a.userId, 'POST', '/api/consults', { type: 'case', urgency: 'routine', consultingFacilityId: consulting, patient: { identity: { fullName: 'Lý Văn Tám', birthDate: '1980-01-01', sex: 'male' } } });
      expect(r.status, a.userId).toBe(can(a, 'create').ok ? 201 : 403);
    }
  });

  it('audit, verify, PDFs and admin endpoints for every actor', async () => {
    const signed = await load('hc-signed');
    const scheduled = await load('hc-scheduled');
    for (const a of [...ACTORS]) {
      const audit = await t.req(a.userId, 'GET', '/api/audit?limit=2000');
      const scope = can(a, 'audit.read');
      expect(audit.status, `${a.userId} audit`).toBe(scope.ok ? 200 : 403);
      if (scope.ok && scope.rule === 'ownFacility') {
        expect(audit.json.entries.length, a.userId).toBeGreaterThan(0);
        expect(audit.json.entries.every((e: { facilityId: string }) => e.facilityId === a.facilityId), a.userId).toBe(true);
      }
      // A director cannot widen the scope with the facility filter.
      if (scope.ok && scope.rule === 'ownFacility') {
        const wide = await t.req(a.userId, 'GET', '/api/audit?facility=bv-trung-uong&limit=50');
        expect(wide.json.entries.every((e: { facilityId: string }) => e.facilityId === a.facilityId)).toBe(true);
      }
      expect((await t.req(a.userId, 'GET', '/api/consults/hc-signed/audit')).status, `${a.userId} consult audit`).toBe(scope.ok ? 200 : 403);
      expect((await t.req(a.userId, 'GET', '/api/audit/verify')).status, `${a.userId} verify`).toBe(can(a, 'audit.verify').ok ? 200 : 403);
      expect((await t.req(a.userId, 'GET', '/api/consults/hc-signed/minutes.pdf')).status, `${a.userId} minutes.pdf`)
        .toBe(!can(a, 'consult.read', signed).ok ? 403 : can(a, 'consult.readClinical', signed).ok ? 200 : 403);
      if (!can(a, 'consult.read', scheduled).ok) expect((await t.req(a.userId, 'GET', '/api/consults/hc-scheduled/participants.pdf')).status, a.userId).toBe(403);
      const isAdmin = a.roles.includes('admin');
      expect((await t.req(a.userId, 'POST', '/api/facilities', { id: `f-${a.userId.replace(/\W/g, '')}`, name: 'X', canRequest: true, canConsult: false })).status, a.userId).toBe(isAdmin ? 201 : 403);
      expect((await t.req(a.userId, 'POST', `/api/facilities/${OTHER.id}/users`, { username: `u-${a.userId.replace(/\W/g, '')}`, password: 'long-enough-pw', roles: ['it_technician'] })).status, a.userId).toBe(isAdmin ? 201 : 403);
      const users = await t.req(a.userId, 'GET', '/api/users');
      expect(users.status).toBe(200);
      if (!isAdmin) expect(users.json.users.every((u: { facilityId: string }) => u.facilityId === a.facilityId), a.userId).toBe(true);
    }
    expect((await t.req('admin', 'GET', '/api/audit/verify')).json).toMatchObject({ ok: true });
  });
});

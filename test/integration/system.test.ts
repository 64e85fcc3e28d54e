import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Backend, type TestGateway } from '../helpers/gateway.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance, newUid } from '../helpers/synth.js';

/** GET /api/system: what IT staff check first (Orthanc's /system and /statistics), on both index back ends. */
describe.each(['sqlite', 'postgres'] as Backend[])('system status on %s', (backend) => {
  let t: TestGateway;
  beforeAll(async () => { t = await startGateway(backend); });
  afterAll(async () => { await t?.close(); });
  const status = (headers: Record<string, string> = t.auth) => t.gw.app.inject({ url: '/api/system', headers });

  it('counts what the archive holds, and says where it listens and how much disk is left', async () => {
    const before = (await status()).json() as { archive: Record<string, number> };
    expect(before.archive).toEqual({ patients: 0, studies: 0, series: 0, instances: 0, bytes: 0 });
    const study = newUid();
    const parts = [makeInstance({ StudyInstanceUID: study, PatientID: 'SYS1' }), makeInstance({ StudyInstanceUID: study, PatientID: 'SYS1' }), makeInstance({ PatientID: 'SYS2' })];
    const { body, contentType } = stowBody(parts);
    expect((await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType }, payload: body })).statusCode).toBe(200);
    const r = await status();
    expect(r.statusCode).toBe(200);
    const s = r.json() as { name: string; version: string; index: string; dicom: { aeTitle: string; port: number | null }; archive: Record<string, number>; disk: { freeBytes: number; totalBytes: number; reserveBytes: number; refusingNewObjects: boolean } | null };
    expect(s).toMatchObject({ name: 'Hoichan', version: expect.stringMatching(/^\d+\.\d+\.\d+/), index: backend, dicom: { aeTitle: 'HOICHAN', port: null } });
    // Sizes are of the stored files: each Part 10 file as it came, so at least its bytes.
    expect(s.archive).toMatchObject({ patients: 2, studies: 2, series: 3, instances: 3 });
    expect(s.archive.bytes).toBeGreaterThanOrEqual(parts.reduce((n, p) => n + p.length, 0));
    expect(s.disk!.freeBytes).toBeGreaterThan(0);
    expect(s.disk!.totalBytes).toBeGreaterThanOrEqual(s.disk!.freeBytes);
    expect(s.disk).toMatchObject({ reserveBytes: 0, refusingNewObjects: false });
  });

  it('is for admins only', async () => {
    expect((await status({})).statusCode).toBe(401);
    await t.gw.app.inject({ method: 'POST', url: '/api/users', headers: t.auth, payload: { username: 'viewer1', password: 'viewer-password-1', roles: ['viewer'] } });
    const login = await t.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'viewer1', password: 'viewer-password-1' } });
    const r = await status({ authorization: `Bearer ${(login.json() as { token: string }).token}` });
    expect(r.statusCode).toBe(403);
    expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
  });
});

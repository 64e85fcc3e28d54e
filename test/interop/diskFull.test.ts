import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, FIXTURES, type TestGateway } from '../helpers/gateway.js';
import { stowBody } from '../helpers/multipart.js';
import { parseInstance } from '../../gateway/src/dicom/index.js';
import { dcmtk } from './dimseTools.js';

/**
 * The disk reserve (HOICHAN_MIN_FREE_MB): below it STOW answers 507 and C-STORE 0xA700 before writing anything,
 * and what the archive already holds is still served. Simulated with a reserve larger than any disk.
 */
describe('a full disk', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-diskfull-'));
  let b: TestGateway | undefined;
  afterAll(async () => {
    await b?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses new objects over DICOMweb and DIMSE with the reason, and keeps serving what it holds', async () => {
    const ct = fs.readFileSync(path.join(FIXTURES, 'CT_small.dcm'));
    const f = parseInstance(ct).fields;
    const a = await startGateway('sqlite', { dataDir });
    const first = stowBody([ct]);
    expect((await a.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...a.auth, 'content-type': first.contentType }, payload: first.body })).statusCode).toBe(200);
    await a.close();

    b = await startGateway('sqlite', { dataDir, minFreeMb: 2 ** 40, dicomPort: 0, dicomAcceptAny: true });
    const files = () => fs.readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).map(String).filter((n) => !n.startsWith('.spare'));
    const before = files();

    const mr = fs.readFileSync(path.join(FIXTURES, 'MR_small_implicit.dcm'));
    const second = stowBody([mr]);
    const stow = await b.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...b.auth, 'content-type': second.contentType }, payload: second.body });
    expect(stow.statusCode).toBe(507);
    expect(stow.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stow.json()).toMatchObject({ code: 'HOI_ERR_DISK_FULL', detail: expect.stringMatching(/HOICHAN_MIN_FREE_MB/) });

    const scu = await dcmtk('storescu', ['-v', '-aet', 'ANYONE', '-aec', 'HOICHAN', '127.0.0.1', String(b.gw.dimse.port), path.join(FIXTURES, 'MR_small_implicit.dcm')]);
    expect(scu.out).toMatch(/Received Store Response \(Refused: OutOfResources\)/);

    // Nothing new on disk, nothing new in the index; the instance stored before is served as it was.
    expect(files()).toEqual(before);
    const q = await b.gw.app.inject({ url: '/dicom-web/instances', headers: b.auth });
    expect((q.json() as unknown[]).length).toBe(1);
    const w = await b.gw.app.inject({ url: `/dicom-web/studies/${f.studyInstanceUid}/series/${f.seriesInstanceUid}/instances/${f.sopInstanceUid}`, headers: { ...b.auth, accept: 'application/dicom; transfer-syntax=*' } });
    expect(w.rawPayload.equals(ct)).toBe(true);
    // Where IT looks first.
    const sys = (await b.gw.app.inject({ url: '/api/system', headers: b.auth })).json() as { disk: { refusingNewObjects: boolean; reserveBytes: number } };
    expect(sys.disk).toMatchObject({ refusingNewObjects: true, reserveBytes: 2 ** 60 });
  }, 60_000);
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, FIXTURES, type TestGateway } from '../helpers/gateway.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance } from '../helpers/synth.js';
import { parseInstance } from '../../gateway/src/dicom/index.js';

/** WADO-RS on instances without a usable image: a 4xx problem (PS3.18), never a 500 or a 406 no Accept can fix. */
describe('WADO-RS frames and thumbnails without an image', () => {
  let t: TestGateway;
  beforeAll(async () => { t = await startGateway('sqlite'); });
  afterAll(async () => { await t?.close(); });

  const stow = async (bytes: Buffer) => {
    const { body, contentType } = stowBody([bytes]);
    const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType }, payload: body });
    expect(r.statusCode).toBe(200);
    return parseInstance(bytes).fields;
  };
  const get = (url: string, accept?: string) => t.gw.app.inject({ url: `/dicom-web${url}`, headers: { ...t.auth, ...(accept ? { accept } : {}) } });
  const problem = (r: Awaited<ReturnType<typeof get>>) => ({ status: r.statusCode, type: r.headers['content-type'], code: (r.json() as { code?: string }).code });

  it('frames of an instance whose Pixel Data is empty (GH1146) are 404, whatever is accepted', async () => {
    const f = await stow(fs.readFileSync(path.join(FIXTURES, 'GH1146_private_creator_UN.dcm')));
    const url = `/studies/${f.studyInstanceUid}/series/${f.seriesInstanceUid}/instances/${f.sopInstanceUid}/frames/1`;
    for (const accept of ['multipart/related; type="application/octet-stream"; transfer-syntax=*', 'multipart/related; type="application/octet-stream"', undefined]) {
      expect(problem(await get(url, accept)), String(accept)).toEqual({ status: 404, type: expect.stringMatching(/^application\/problem\+json/), code: 'HOI_ERR_NOT_FOUND' });
    }
  });

  it('the thumbnail of a study with no image is 404; with an image in another series, that one is shown', async () => {
    const sr = await stow(fs.readFileSync(path.join(FIXTURES, 'SR_deep_nesting.dcm')));
    for (const accept of ['image/jpeg', undefined]) {
      expect(problem(await get(`/studies/${sr.studyInstanceUid}/thumbnail`, accept))).toEqual({ status: 404, type: expect.stringMatching(/^application\/problem\+json/), code: 'HOI_ERR_NOT_FOUND' });
    }
    expect(problem(await get(`/studies/${sr.studyInstanceUid}/series/${sr.seriesInstanceUid}/thumbnail`))).toMatchObject({ status: 404 });
    // An image series later in the same study: the study thumbnail skips the SR series.
    await stow(makeInstance({ StudyInstanceUID: sr.studyInstanceUid, SeriesNumber: 9999 }));
    const ok = await get(`/studies/${sr.studyInstanceUid}/thumbnail`, 'image/jpeg');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^image\/jpeg/);
  });
});

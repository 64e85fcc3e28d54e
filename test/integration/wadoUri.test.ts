import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, FIXTURES, ADMIN_PASSWORD, type TestGateway } from '../helpers/gateway.js';
import { stowBody, parseMultipart } from '../helpers/multipart.js';
import { parseInstance } from '../../gateway/src/dicom/index.js';

/** WADO-URI (PS3.18 URI service, Orthanc's /wado) against a real gateway: the links EHRs and older viewers use. */
describe('WADO-URI at /dicom-web/wado', () => {
  let t: TestGateway;
  beforeAll(async () => { t = await startGateway('sqlite'); });
  afterAll(async () => { await t?.close(); });

  const stow = async (file: string) => {
    const bytes = fs.readFileSync(path.join(FIXTURES, file));
    const { body, contentType } = stowBody([bytes]);
    const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType }, payload: body });
    expect(r.statusCode).toBe(200);
    const f = parseInstance(bytes).fields;
    return { bytes, f, q: `requestType=WADO&studyUID=${f.studyInstanceUid}&seriesUID=${f.seriesInstanceUid}&objectUID=${f.sopInstanceUid}` };
  };
  const get = (query: string, headers: Record<string, string> = t.auth) => t.gw.app.inject({ url: `/dicom-web/wado?${query}`, headers });
  /** Width and height from a PNG's IHDR chunk. */
  const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });
  const problem = (r: Awaited<ReturnType<typeof get>>) => ({ status: r.statusCode, type: String(r.headers['content-type']).split(';')[0], code: (r.json() as { code?: string }).code });

  it('renders JPEG by default, PNG and GIF on request, with the window, size and frame asked for', async () => {
    const ct = await stow('CT_small.dcm');
    const jpeg = await get(ct.q);
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(pngSize((await get(`${ct.q}&contentType=image/png`)).rawPayload)).toEqual({ width: 128, height: 128 });
    expect(pngSize((await get(`${ct.q}&contentType=image/png&rows=64`)).rawPayload)).toEqual({ width: 64, height: 64 });
    expect(pngSize((await get(`${ct.q}&contentType=image/png&columns=32&rows=100`)).rawPayload)).toEqual({ width: 32, height: 32 });
    // region: fractions of the image, cut before rows/columns scale it.
    const quarter = await get(`${ct.q}&contentType=image/png&region=0,0,0.5,0.5`);
    expect(pngSize(quarter.rawPayload)).toEqual({ width: 64, height: 64 });
    expect(quarter.rawPayload.equals((await get(`${ct.q}&contentType=image/png&region=0.5,0.5,1,1`)).rawPayload)).toBe(false);
    expect(pngSize((await get(`${ct.q}&contentType=image/png&region=0,0,0.5,1&rows=256`)).rawPayload)).toEqual({ width: 128, height: 256 });
    const q50 = await get(`${ct.q}&imageQuality=50`);
    expect(q50.rawPayload.length).toBeLessThan(jpeg.rawPayload.length);
    const gif = await get(`${ct.q}&contentType=image/gif`);
    expect(gif.headers['content-type']).toBe('image/gif');

    // The same pixels as the rendered WADO-RS resource with the same window: one renderer behind both.
    const png = await get(`${ct.q}&contentType=image/png&windowCenter=40&windowWidth=400`);
    expect(png.headers['content-type']).toBe('image/png');
    const rs = await t.gw.app.inject({ url: `/dicom-web/studies/${ct.f.studyInstanceUid}/series/${ct.f.seriesInstanceUid}/instances/${ct.f.sopInstanceUid}/rendered?window=40,400`, headers: { ...t.auth, accept: 'image/png' } });
    expect(png.rawPayload.equals(rs.rawPayload)).toBe(true);
    const otherWindow = await get(`${ct.q}&contentType=image/png&windowCenter=1000&windowWidth=100`);
    expect(otherWindow.rawPayload.equals(png.rawPayload)).toBe(false);

    const xa = await stow('XA_multiframe96_jpeg.dcm');
    const f10 = await get(`${xa.q}&frameNumber=10`);
    const f1 = await get(xa.q);
    expect(f10.statusCode).toBe(200);
    expect(f10.rawPayload.equals(f1.rawPayload)).toBe(false);
    expect(problem(await get(`${xa.q}&frameNumber=97`))).toMatchObject({ status: 404, code: 'HOI_ERR_NOT_FOUND' });
  });

  it('sends DICOM: Explicit VR Little Endian by default, the stored bytes with transferSyntax=*', async () => {
    const xa = await stow('XA_multiframe96_jpeg.dcm');
    const stored = await get(`${xa.q}&contentType=application/dicom&transferSyntax=*`);
    expect(stored.statusCode).toBe(200);
    expect(stored.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50');
    expect(stored.rawPayload.equals(xa.bytes)).toBe(true);
    const le = await get(`${xa.q}&contentType=application/dicom`);
    expect(le.headers['content-type']).toBe('application/dicom; transfer-syntax=1.2.840.10008.1.2.1');
    expect(parseInstance(le.rawPayload).fields.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(le.rawPayload.length).toBeGreaterThan(512 * 512 * 96);
    // Same bytes as WADO-RS's Explicit VR LE retrieve of the instance.
    const rs = await t.gw.app.inject({ url: `/dicom-web/studies/${xa.f.studyInstanceUid}/series/${xa.f.seriesInstanceUid}/instances/${xa.f.sopInstanceUid}`, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"' } });
    expect(parseMultipart(rs.rawPayload, String(rs.headers['content-type']))[0]!.body.equals(le.rawPayload)).toBe(true);
    expect(problem(await get(`${xa.q}&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.4.80`))).toMatchObject({ status: 406, code: 'HOI_ERR_NOT_ACCEPTABLE' });
    // A list: the first type the client names that the object can be sent as.
    const listed = await get(`${xa.q}&contentType=application/dicom,image/jpeg&transferSyntax=*`);
    expect(listed.headers['content-type']).toMatch(/^application\/dicom/);
  });

  it('an object without an image: DICOM when no type is named, 406 when only images are', async () => {
    const sr = await stow('SR_deep_nesting.dcm');
    const plain = await get(`${sr.q}&transferSyntax=*`);
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toMatch(/^application\/dicom/);
    expect(plain.rawPayload.equals(sr.bytes)).toBe(true);
    expect(problem(await get(`${sr.q}&contentType=image/jpeg`))).toMatchObject({ status: 406, code: 'HOI_ERR_NOT_ACCEPTABLE' });
  });

  it('bad requests get problem+json with the reason; unknown objects 404; no credentials 401; Basic is accepted', async () => {
    const ct = await stow('CT_small.dcm');
    const cases: [string, number][] = [
      ['studyUID=1.2&seriesUID=1.2&objectUID=1.2', 400],
      [ct.q.replace(/&objectUID=[^&]+/, ''), 400],
      [ct.q.replace(/objectUID=[^&]+/, 'objectUID=NGUYEN%5EVAN%5EA'), 400],
      [`${ct.q}&windowCenter=40`, 400],
      [`${ct.q}&region=0.5,0,0.25,1`, 400],
      [`${ct.q}&presentationUID=1.2.3`, 400],
      [`${ct.q}&anonymize=yes`, 400],
      [`${ct.q}&rows=0`, 400],
      [`${ct.q}&contentType=video/mpeg`, 406],
      [ct.q.replace(/objectUID=[^&]+/, 'objectUID=1.2.3.4.5.6.7'), 404],
      // The object exists, but not in the study named.
      [ct.q.replace(/studyUID=[^&]+/, 'studyUID=1.2.3.4'), 404],
    ];
    for (const [q, status] of cases) {
      const r = await get(q);
      expect(problem(r), q).toMatchObject({ status, type: 'application/problem+json' });
    }
    expect((await get(ct.q, {})).statusCode).toBe(401);
    const basic = await get(ct.q, { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` });
    expect(basic.statusCode).toBe(200);
  });

  it('each retrieve is in the G-2.11 access log as an image.read of the instance', async () => {
    const ct = await stow('CT_small.dcm');
    expect((await get(ct.q)).statusCode).toBe(200);
    await t.gw.worklist.accessLog.flush();
    const a = await t.gw.app.inject({ url: `/api/audit?objectId=${ct.f.sopInstanceUid}&action=image.read`, headers: t.auth });
    const { entries } = a.json() as { entries: { objectType: string; outcome: string; detail?: { path?: string; status?: number } }[] };
    expect(entries).toContainEqual(expect.objectContaining({ objectType: 'instance', outcome: 'ok', detail: expect.objectContaining({ path: '/dicom-web/wado', status: 200 }) }));
  });
});

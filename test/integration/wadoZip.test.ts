import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, FIXTURES, type TestGateway } from '../helpers/gateway.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance } from '../helpers/synth.js';
import { parseInstance } from '../../gateway/src/dicom/index.js';

/** What Python's zipfile (an independent reader) finds in a ZIP: each entry's size and SHA-256, CRCs checked. */
function readZip(body: Buffer): Record<string, { size: number; sha256: string }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-zip-')), 'got.zip');
  fs.writeFileSync(file, body);
  const script = 'import zipfile,sys,json,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({i.filename:{"size":i.file_size,"sha256":hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()}))';
  try {
    return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, { size: number; sha256: string }>;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** WADO-RS retrieve as application/zip (Supplement 211): a study to take away as Part 10 files. */
describe('WADO-RS retrieve as application/zip', () => {
  let t: TestGateway;
  beforeAll(async () => { t = await startGateway('sqlite'); });
  afterAll(async () => { await t?.close(); });

  const stow = async (parts: Buffer[]) => {
    const { body, contentType } = stowBody(parts);
    const r = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': contentType }, payload: body });
    expect(r.statusCode).toBe(200);
  };
  const get = (url: string, accept: string) => t.gw.app.inject({ url, headers: { ...t.auth, accept } });

  it('a study as its stored files (transfer-syntax=*), named study/series/instance.dcm, byte for byte', async () => {
    const ct = fs.readFileSync(path.join(FIXTURES, 'CT_small.dcm'));
    const f = parseInstance(ct).fields;
    const other = makeInstance({ StudyInstanceUID: f.studyInstanceUid, PatientID: f.patientId });
    const o = parseInstance(other).fields;
    await stow([ct, other]);
    const r = await get(`/dicom-web/studies/${f.studyInstanceUid}`, 'application/zip; transfer-syntax=*');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${f.studyInstanceUid}.zip"`);
    expect(readZip(r.rawPayload)).toEqual({
      [`${f.studyInstanceUid}/${f.seriesInstanceUid}/${f.sopInstanceUid}.dcm`]: { size: ct.length, sha256: sha(ct) },
      [`${o.studyInstanceUid}/${o.seriesInstanceUid}/${o.sopInstanceUid}.dcm`]: { size: other.length, sha256: sha(other) },
    });
    // A series, and one instance, the same way.
    const series = readZip((await get(`/dicom-web/studies/${f.studyInstanceUid}/series/${o.seriesInstanceUid}`, 'application/zip; transfer-syntax=*')).rawPayload);
    expect(Object.keys(series)).toEqual([`${o.studyInstanceUid}/${o.seriesInstanceUid}/${o.sopInstanceUid}.dcm`]);
  });

  it('Explicit VR Little Endian by default; a syntax we cannot make is 406 before anything is sent', async () => {
    const xa = fs.readFileSync(path.join(FIXTURES, 'XA_multiframe96_jpeg.dcm'));
    const f = parseInstance(xa).fields;
    await stow([xa]);
    const url = `/dicom-web/studies/${f.studyInstanceUid}/series/${f.seriesInstanceUid}/instances/${f.sopInstanceUid}`;
    const le = readZip((await get(url, 'application/zip')).rawPayload);
    const entry = le[`${f.studyInstanceUid}/${f.seriesInstanceUid}/${f.sopInstanceUid}.dcm`]!;
    expect(entry.size).toBeGreaterThan(512 * 512 * 96);
    const multipartLe = await get(url, 'application/dicom');
    expect(entry.sha256).toBe(sha(multipartLe.rawPayload));
    expect(parseInstance(multipartLe.rawPayload).fields.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    const refused = await get(url, 'application/zip; transfer-syntax=1.2.840.10008.1.2.4.80');
    expect(refused.statusCode).toBe(406);
    expect(String(refused.headers['content-type'])).toMatch(/^application\/problem\+json/);
  });

  it('a file gone from under the index cuts the download: never a ZIP that silently lacks it', async () => {
    const a = makeInstance();
    const fa = parseInstance(a).fields;
    const b = makeInstance({ StudyInstanceUID: fa.studyInstanceUid, SeriesInstanceUID: fa.seriesInstanceUid });
    await stow([a, b]);
    const row = await t.gw.index.db.selectFrom('instances').select('blob_key').where('sop_uid', '=', parseInstance(b).fields.sopInstanceUid).executeTakeFirstOrThrow();
    fs.rmSync(path.join(t.dataDir, 'blobs', row.blob_key));
    const r = await get(`/dicom-web/studies/${fa.studyInstanceUid}`, 'application/zip; transfer-syntax=*').catch((err: Error) => err);
    if (r instanceof Error) expect(r.message).toMatch(/destroyed|ENOENT|premature|aborted/i);
    else expect(() => readZip(r.rawPayload)).toThrow();
    // The gateway goes on serving what it has.
    expect((await get(`/dicom-web/studies/${fa.studyInstanceUid}/series/${fa.seriesInstanceUid}/instances/${fa.sopInstanceUid}`, 'application/dicom; transfer-syntax=*')).rawPayload.equals(a)).toBe(true);
  });
});

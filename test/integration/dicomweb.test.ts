import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, fixtureFiles, FIXTURES, ADMIN_PASSWORD, type Backend, type TestGateway } from '../helpers/gateway.js';
import { stowBody, parseMultipart } from '../helpers/multipart.js';
import { annexFProblems } from '../helpers/annexF.js';
import { makeInstance, newUid } from '../helpers/synth.js';
import type { FsBlobStore } from '../../gateway/src/archive/blob/FsBlobStore.js';
import { countWrites } from '../helpers/blobDirs.js';
import { fileMetaPrefix } from '../../gateway/src/dimse/part10.js';
import { datasetOffset } from '../../gateway/src/dicom/fileMeta.js';

type DJ = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string }>;

const str = (ds: DJ, tag: string): unknown => ds[tag]?.Value?.[0];

async function stow(t: TestGateway, parts: Parameters<typeof stowBody>[0], url = '/dicom-web/studies') {
  const { body, contentType } = stowBody(parts);
  const res = await t.gw.app.inject({ method: 'POST', url, headers: { ...t.auth, 'content-type': contentType, accept: 'application/dicom+json' }, payload: body });
  return { status: res.statusCode, json: (res.body ? JSON.parse(res.body) : {}) as DJ, headers: res.headers };
}

const refs = (r: { json: DJ }) => (r.json['00081199']?.Value ?? []) as DJ[];
const fails = (r: { json: DJ }) => (r.json['00081198']?.Value ?? []) as DJ[];

const BACKENDS: Backend[] = ['sqlite', 'postgres'];

describe.each(BACKENDS)('DICOMweb on %s', (backend) => {
  let t: TestGateway;
  beforeAll(async () => { t = await startGateway(backend); });
  afterAll(async () => { await t?.close(); });

  it('every real fixture goes STOW → QIDO → WADO and back with identical bytes and valid Annex F metadata', async () => {
    const stored = new Map<string, { file: string; study: string; series: string }>();
    const refused: string[] = [];
    const coerced: string[] = [];
    for (const file of fixtureFiles()) {
      const bytes = fs.readFileSync(path.join(FIXTURES, file));
      const r = await stow(t, [bytes]);
      if (r.status === 200 || (r.status === 202 && refs(r).length === 1)) {
        const ref = refs(r)[0]!;
        // 202 only for a file without Study/Series UIDs, filed under derived ones (WarningReason 0xB000).
        if (r.status === 202) {
          expect(Number(str(ref, '00081196')), file).toBe(0xb000);
          coerced.push(file);
        }
        const sop = String(str(ref, '00081155'));
        const url = String(str(ref, '00081190'));
        const m = /studies\/([^/]+)\/series\/([^/]+)\/instances/.exec(url)!;
        stored.set(sop, { file, study: m[1]!, series: m[2]! });
      } else {
        // Only two legitimate refusals: a second file under an already-stored SOP Instance UID with
        // different bytes (0x0111), and the one fixture that has no Study/Series UID at all.
        expect(r.status, file).toBe(409);
        const f = fails(r)[0]!;
        const reason = Number(str(f, '00081197'));
        if (reason === 0x0111) expect(stored.has(String(str(f, '00081155'))), file).toBe(true);
        else expect(file).toBe('nested_priv_SQ.dcm');
        refused.push(file);
      }
    }
    expect(stored.size).toBeGreaterThanOrEqual(30);
    expect(refused).toContain('nested_priv_SQ.dcm');
    expect(coerced).toEqual(['HTJ2KLossless_08_RGB.dcm']);

    for (const [sop, { file, study, series }] of stored) {
      const q = await t.gw.app.inject({ url: `/dicom-web/instances?SOPInstanceUID=${sop}`, headers: t.auth });
      expect(q.statusCode).toBe(200);
      const found = q.json() as DJ[];
      expect(found.length, file).toBe(1);
      expect(str(found[0]!, '0020000D')).toBe(study);

      const w = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/series/${series}/instances/${sop}`, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
      expect(w.statusCode, file).toBe(200);
      const parts = parseMultipart(w.rawPayload, String(w.headers['content-type']));
      expect(parts.length).toBe(1);
      expect(Buffer.compare(parts[0]!.body, fs.readFileSync(path.join(FIXTURES, file))), `${file} bytes`).toBe(0);

      const md = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/series/${series}/instances/${sop}/metadata`, headers: t.auth });
      expect(md.statusCode).toBe(200);
      expect(md.headers['content-type']).toMatch(/application\/dicom\+json/);
      const meta = md.json() as DJ[];
      expect(annexFProblems(meta[0]), file).toEqual([]);
      expect(str(meta[0]!, '00080018')).toBe(sop);
      for (const el of Object.values(meta[0]!)) if (el.BulkDataURI) expect(el.BulkDataURI.startsWith('http://localhost:80/dicom-web/studies/') || el.BulkDataURI.includes('/dicom-web/studies/')).toBe(true);
    }
  });

  it('re-sending identical bytes is idempotent; different bytes under the same UID are refused (0x0111)', async () => {
    const sop = newUid();
    const study = newUid();
    const series = newUid();
    const a = makeInstance({ SOPInstanceUID: sop, StudyInstanceUID: study, SeriesInstanceUID: series });
    expect((await stow(t, [a])).status).toBe(200);
    const again = await stow(t, [a]);
    expect(again.status).toBe(200);
    // The same dataset in a file written by another implementation (its file meta differs): a re-send too.
    const rewrapped = Buffer.concat([fileMetaPrefix('1.2.840.10008.5.1.4.1.1.7', sop, '1.2.840.10008.1.2.1', 'PACS'), a.subarray(datasetOffset(a))]);
    expect(rewrapped.equals(a)).toBe(false);
    const third = await stow(t, [rewrapped]);
    expect(third.status).toBe(200);
    expect(String(str(refs(third)[0]!, '00081155'))).toBe(sop);
    const b = makeInstance({ SOPInstanceUID: sop, StudyInstanceUID: study, SeriesInstanceUID: series, PatientID: 'OTHER' });
    const r = await stow(t, [b]);
    expect(r.status).toBe(409);
    expect(Number(str(fails(r)[0]!, '00081197'))).toBe(0x0111);
    expect(String(r.headers.warning)).toMatch(/different content/);
    const q = await t.gw.app.inject({ url: `/dicom-web/studies?StudyInstanceUID=${study}`, headers: t.auth });
    const s = (q.json() as DJ[])[0]!;
    expect(str(s, '00201208')).toBe(1);
    expect(str(s, '00100020')).toBe('P0001');
  });

  it('bad parts get failure entries while every good part of the same request is stored', async () => {
    const study = newUid();
    const good1 = makeInstance({ StudyInstanceUID: study });
    const good2 = makeInstance({ StudyInstanceUID: study });
    const ct = fs.readFileSync(path.join(FIXTURES, 'CT_small.dcm'));
    const truncated = ct.subarray(0, 700);
    const notDicom = Buffer.from('this is a text file, not DICOM at all '.repeat(20));
    const noUid = makeInstance({ StudyInstanceUID: study, SOPInstanceUID: '' });
    const huge = Buffer.from(makeInstance({ StudyInstanceUID: study }));
    // Declare an absurd length on the PatientID element (explicit VR LO: 2-byte length) → set a 4-byte OB-like length past the end.
    const at = huge.indexOf(Buffer.from([0x10, 0x00, 0x20, 0x00]), 132);
    huge.writeUInt16LE(0xfff0, at + 6);
    const r = await stow(t, [good1, truncated, notDicom, Buffer.alloc(0), noUid, huge, { bytes: Buffer.from('{}'), contentType: 'application/json' }, good2]);
    expect(r.status).toBe(202);
    expect(refs(r).length).toBe(2);
    expect(fails(r).length).toBe(6);
    for (const f of fails(r)) expect(Number(str(f, '00081197'))).toBeGreaterThan(0);
    const q = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/instances`, headers: t.auth });
    expect((q.json() as DJ[]).length).toBe(2);
  });

  it('a re-sent upload is not written again once a request showed it is held; new instances are', async () => {
    const writes = countWrites(t.gw.archive.blobs);
    try {
      const study = newUid();
      const parts = Array.from({ length: 4 }, () => makeInstance({ StudyInstanceUID: study }));
      const first = await stow(t, parts);
      expect([first.status, refs(first).length, writes.written]).toEqual([200, 4, 4]);
      // The first re-send is written before the archive finds it held (and its copies dropped); it marks the user.
      const again = await stow(t, parts);
      expect([again.status, refs(again).length, writes.written]).toEqual([200, 4, 8]);
      const third = await stow(t, parts);
      expect([third.status, refs(third).length, writes.written]).toEqual([200, 4, 8]);
      // New instances from the same user: looked up, not found, written and stored (and the mark goes).
      const fresh = await stow(t, [makeInstance({ StudyInstanceUID: study }), makeInstance({ StudyInstanceUID: study })]);
      expect([fresh.status, refs(fresh).length, writes.written]).toEqual([200, 2, 10]);
      const q = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/instances`, headers: t.auth });
      expect((q.json() as DJ[]).length).toBe(6);
      expect(fs.readdirSync(path.join(t.dataDir, 'blobs', '.tmp'))).toEqual([]);
    } finally {
      writes.restore();
    }
  });

  it('a disk that refuses the writes fails the parts with a reason (409, 0xA700) and the gateway goes on serving', async () => {
    // The temp directory vanishes under the gateway (a full or unmounted disk looks the same from here): every
    // part's write fails while the others are still being received. Before, a write failing while the request
    // was still waiting on an earlier part was an unhandled rejection, and Node ended the process.
    // Spares (files made ahead, FsBlobStore) are open already: they go too, and none can be made.
    const tmp = path.join(t.dataDir, 'blobs', '.tmp');
    const spare = path.join(t.dataDir, 'blobs', '.spare');
    const blobs = t.gw.archive.blobs as FsBlobStore;
    await blobs.sparesReady(); // none half-made
    fs.renameSync(tmp, `${tmp}-away`);
    fs.renameSync(spare, `${spare}-away`);
    blobs.dropSpares();
    try {
      const study = newUid();
      const r = await stow(t, Array.from({ length: 6 }, () => makeInstance({ StudyInstanceUID: study })));
      expect(r.status).toBe(409);
      expect(fails(r)).toHaveLength(6);
      for (const f of fails(r)) expect(Number(str(f, '00081197'))).toBe(0xa700);
      expect((await t.gw.app.inject({ url: `/dicom-web/studies/${study}/instances`, headers: t.auth })).json()).toEqual([]);
    } finally {
      fs.renameSync(`${tmp}-away`, tmp);
      fs.renameSync(`${spare}-away`, spare);
    }
    const after = makeInstance();
    expect((await stow(t, [after])).status).toBe(200);
  });

  it('a wrong boundary or an unsupported type is a clear 4xx, and a body cut mid-part keeps the complete parts', async () => {
    const good = makeInstance();
    const { body } = stowBody([good]);
    const wrong = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': 'multipart/related; type="application/dicom"; boundary=nope' }, payload: body });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.headers['content-type']).toMatch(/problem\+json/);
    const xml = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': 'multipart/related; type="application/dicom+xml"; boundary=x' }, payload: body });
    expect(xml.statusCode).toBe(415);

    const study = newUid();
    const a = makeInstance({ StudyInstanceUID: study });
    const b = makeInstance({ StudyInstanceUID: study });
    const full = stowBody([a, b]);
    const cut = full.body.subarray(0, full.body.length - 200);
    const res = await t.gw.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { ...t.auth, 'content-type': full.contentType }, payload: cut });
    expect(res.statusCode).toBe(202);
    const q = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/instances`, headers: t.auth });
    expect((q.json() as DJ[]).length).toBe(1);
  });

  it('POST /studies/{study} refuses instances of another study', async () => {
    const study = newUid();
    const inside = makeInstance({ StudyInstanceUID: study });
    const outside = makeInstance();
    const r = await stow(t, [inside, outside], `/dicom-web/studies/${study}`);
    expect(r.status).toBe(202);
    expect(Number(str(fails(r)[0]!, '00081197'))).toBe(0xc409);
  });

  describe('QIDO-RS matching', () => {
    const study1 = newUid();
    const study2 = newUid();
    const seriesCT = newUid();
    beforeAll(async () => {
      const r = await stow(t, [
        makeInstance({ StudyInstanceUID: study1, SeriesInstanceUID: seriesCT, Modality: 'CT', PatientName: 'NGUYỄN^VĂN^A', PatientID: 'VN-001', StudyDate: '20230115', StudyTime: '083000', AccessionNumber: 'ACC-1', InstanceNumber: 1, SeriesNumber: 2, StudyDescription: 'CT ngực' }),
        makeInstance({ StudyInstanceUID: study1, SeriesInstanceUID: seriesCT, Modality: 'CT', PatientName: 'NGUYỄN^VĂN^A', PatientID: 'VN-001', StudyDate: '20230115', StudyTime: '083000', AccessionNumber: 'ACC-1', InstanceNumber: 2, SeriesNumber: 2 }),
        makeInstance({ StudyInstanceUID: study1, Modality: 'SR', PatientName: 'NGUYỄN^VĂN^A', PatientID: 'VN-001', StudyDate: '20230115', StudyTime: '083000', AccessionNumber: 'ACC-1', SeriesNumber: 3 }),
        makeInstance({ StudyInstanceUID: study2, Modality: 'MR', PatientName: 'TRẦN^THỊ^BÌNH', PatientID: 'VN-002', StudyDate: '20240620', StudyTime: '150000', AccessionNumber: 'ACC-2' }),
      ]);
      expect(r.status).toBe(200);
    });
    const qido = async (url: string) => {
      const res = await t.gw.app.inject({ url, headers: { ...t.auth, accept: 'application/dicom+json' } });
      expect(res.statusCode, url).toBe(200);
      return res.json() as DJ[];
    };
    const uids = (rows: DJ[]) => rows.map((r) => str(r, '0020000D'));

    it('PatientName ignores case and Vietnamese diacritics', async () => {
      expect(uids(await qido('/dicom-web/studies?PatientName=nguyen%20van%20a'))).toEqual([study1]);
      expect(uids(await qido(`/dicom-web/studies?PatientName=${encodeURIComponent('NGUYỄN^VĂN^A')}`))).toEqual([study1]);
      expect(uids(await qido('/dicom-web/studies?PatientName=tran*'))).toEqual([study2]);
      expect(uids(await qido('/dicom-web/studies?PatientName=tr?n*'))).toEqual([study2]);
      expect(uids(await qido('/dicom-web/studies?PatientName=binh&fuzzymatching=true'))).toEqual([study2]);
      expect(await qido('/dicom-web/studies?PatientName=nguyen')).toEqual([]);
    });

    it('dates and times match single values and ranges', async () => {
      const scope = `StudyInstanceUID=${study1},${study2}`;
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyDate=20230115`))).toEqual([study1]);
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyDate=20230101-20231231`))).toEqual([study1]);
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyDate=20240101-`)).sort()).toEqual([study2]);
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyDate=-20230115`))).toEqual([study1]);
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyTime=1400-1600`))).toEqual([study2]);
      expect(uids(await qido(`/dicom-web/studies?${scope}&StudyDate=20230115&StudyTime=08-09`))).toEqual([study1]);
      const bad = await t.gw.app.inject({ url: '/dicom-web/studies?StudyDate=yesterday', headers: t.auth });
      expect(bad.statusCode).toBe(400);
    });

    it('UID lists, ModalitiesInStudy, counts, wildcards on accession, limit and offset', async () => {
      const both = await qido(`/dicom-web/studies?StudyInstanceUID=${study1}\\${study2}`);
      expect(both.length).toBe(2);
      const s1 = both.find((r) => str(r, '0020000D') === study1)!;
      expect(s1['00080061']!.Value).toEqual(['CT', 'SR']);
      expect(str(s1, '00201206')).toBe(2);
      expect(str(s1, '00201208')).toBe(3);
      expect(uids(await qido(`/dicom-web/studies?StudyInstanceUID=${study1},${study2}&ModalitiesInStudy=MR`))).toEqual([study2]);
      expect(uids(await qido(`/dicom-web/studies?StudyInstanceUID=${study1},${study2}&AccessionNumber=ACC-*`)).length).toBe(2);
      const p1 = await qido(`/dicom-web/studies?StudyInstanceUID=${study1},${study2}&limit=1`);
      const p2 = await qido(`/dicom-web/studies?StudyInstanceUID=${study1},${study2}&limit=1&offset=1`);
      expect(p1.length).toBe(1);
      expect(p2.length).toBe(1);
      expect(uids(p1)).not.toEqual(uids(p2));
    });

    it('series and instance levels, includefield and all', async () => {
      const series = await qido(`/dicom-web/studies/${study1}/series?Modality=CT`);
      expect(series.length).toBe(1);
      expect(str(series[0]!, '0020000E')).toBe(seriesCT);
      expect(str(series[0]!, '00201209')).toBe(2);
      const inst = await qido(`/dicom-web/studies/${study1}/series/${seriesCT}/instances?InstanceNumber=2`);
      expect(inst.length).toBe(1);
      const all = await qido(`/dicom-web/series?PatientID=VN-002`);
      expect(all.length).toBe(1);
      expect(str(all[0]!, '00080060')).toBe('MR');
      const withField = await qido(`/dicom-web/studies/${study1}/series/${seriesCT}/instances?includefield=PhotometricInterpretation&includefield=00280101`);
      expect(str(withField[0]!, '00280004')).toBe('MONOCHROME2');
      expect(str(withField[0]!, '00280101')).toBe(8);
      const full = await qido(`/dicom-web/instances?PatientID=VN-002&includefield=all`);
      expect(str(full[0]!, '00280102')).toBe(7);
      for (const row of [...series, ...inst, ...all, ...full]) expect(annexFProblems(row)).toEqual([]);
      const xml = await t.gw.app.inject({ url: '/dicom-web/studies', headers: { ...t.auth, accept: 'application/dicom+xml' } });
      expect(xml.statusCode).toBe(406);
    });

    it('decodes UTF-8 and ISO 2022 character sets into JSON', async () => {
      const r = await stow(t, [fs.readFileSync(path.join(FIXTURES, 'charset_chrH31_iso2022_jp.dcm')), fs.readFileSync(path.join(FIXTURES, 'charset_chrX1_utf8.dcm'))]);
      expect([200, 409]).toContain(r.status);
      const jp = await qido('/dicom-web/studies?PatientName=yamada*&includefield=00100010');
      const pn = jp.map((s) => (s['00100010']!.Value![0] as Record<string, string>)).find((p) => p.Ideographic);
      expect(pn).toMatchObject({ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' });
      const cn = await qido('/dicom-web/studies?PatientName=wang*');
      expect((cn[0]!['00100010']!.Value![0] as Record<string, string>).Ideographic).toBe('王^小東');
      const vn = await qido('/dicom-web/studies?PatientName=nguyen%20van%20a');
      expect((vn[0]!['00100010']!.Value![0] as Record<string, string>).Alphabetic).toBe('NGUYỄN^VĂN^A');
      expect(str(vn[0]!, '00081030')).toBe('CT ngực');
    });
  });

  describe('WADO-RS', () => {
    it('retrieves a study as multipart, transcodes to Explicit VR LE when asked, serves frames, bulk data, rendered and thumbnails', async () => {
      const xa = fs.readFileSync(path.join(FIXTURES, 'XA_multiframe96_jpeg.dcm'));
      const r = await stow(t, [xa]);
      expect([200]).toContain(r.status);
      const url = String(str(refs(r)[0]!, '00081190')).replace(/^https?:\/\/[^/]+/, '');

      const asStored = await t.gw.app.inject({ url, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
      expect(parseMultipart(asStored.rawPayload, String(asStored.headers['content-type']))[0]!.body.equals(xa)).toBe(true);

      const le = await t.gw.app.inject({ url, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1' } });
      expect(le.statusCode).toBe(200);
      const lePart = parseMultipart(le.rawPayload, String(le.headers['content-type']))[0]!;
      expect(lePart.headers['content-type']).toContain('1.2.840.10008.1.2.1');
      expect(lePart.body.length).toBeGreaterThan(512 * 512 * 96);

      const refuse = await t.gw.app.inject({ url, headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.80' } });
      expect(refuse.statusCode).toBe(406);

      const raw = await t.gw.app.inject({ url: `${url}/frames/1,96`, headers: { ...t.auth, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
      expect(raw.statusCode).toBe(200);
      const rawParts = parseMultipart(raw.rawPayload, String(raw.headers['content-type']));
      expect(rawParts.length).toBe(2);
      expect(rawParts[0]!.body.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(rawParts[0]!.headers['content-type']).toContain('1.2.840.10008.1.2.4.50');

      const decoded = await t.gw.app.inject({ url: `${url}/frames/2`, headers: { ...t.auth, accept: 'multipart/related; type="application/octet-stream"' } });
      expect(decoded.statusCode).toBe(200);
      expect(parseMultipart(decoded.rawPayload, String(decoded.headers['content-type']))[0]!.body.length).toBe(512 * 512);

      const missing = await t.gw.app.inject({ url: `${url}/frames/97`, headers: { ...t.auth, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
      expect(missing.statusCode).toBe(404);

      const jpeg = await t.gw.app.inject({ url: `${url}/frames/10/rendered?quality=80&viewport=256,256`, headers: { ...t.auth, accept: 'image/jpeg' } });
      expect(jpeg.statusCode).toBe(200);
      expect(jpeg.headers['content-type']).toBe('image/jpeg');
      expect(jpeg.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
      const png = await t.gw.app.inject({ url: `${url}/rendered?window=128,100`, headers: { ...t.auth, accept: 'image/png' } });
      expect(png.headers['content-type']).toBe('image/png');
      const thumb = await t.gw.app.inject({ url: `${url.replace(/\/instances\/.*/, '')}/thumbnail`, headers: { ...t.auth, accept: 'image/jpeg' } });
      expect(thumb.statusCode).toBe(200);

      const ct = fs.readFileSync(path.join(FIXTURES, 'CT_small.dcm'));
      await stow(t, [ct]);
      const q = await t.gw.app.inject({ url: '/dicom-web/instances?SOPInstanceUID=1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', headers: t.auth });
      const ctUrl = String(str((q.json() as DJ[])[0]!, '00081190')).replace(/^https?:\/\/[^/]+/, '');
      const md = (await t.gw.app.inject({ url: `${ctUrl}/metadata`, headers: t.auth })).json() as DJ[];
      const pixelUri = md[0]!['7FE00010']!.BulkDataURI!;
      expect(pixelUri).toMatch(/\/bulk\/7FE00010$/);
      const bulk = await t.gw.app.inject({ url: pixelUri.replace(/^https?:\/\/[^/]+/, ''), headers: { ...t.auth, accept: 'application/octet-stream' } });
      expect(bulk.statusCode).toBe(200);
      expect(bulk.rawPayload.length).toBe(128 * 128 * 2);
      const frame = await t.gw.app.inject({ url: `${ctUrl}/frames/1`, headers: { ...t.auth, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
      expect(parseMultipart(frame.rawPayload, String(frame.headers['content-type']))[0]!.body.equals(bulk.rawPayload)).toBe(true);
    });

    it('series metadata is the cached JSON of every instance, in order', async () => {
      const study = newUid();
      const series = newUid();
      const n = 30;
      const r = await stow(t, Array.from({ length: n }, (_, i) => makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, InstanceNumber: n - i })));
      expect(r.status).toBe(200);
      const md = await t.gw.app.inject({ url: `/dicom-web/studies/${study}/series/${series}/metadata`, headers: t.auth });
      const rows = md.json() as DJ[];
      expect(rows.length).toBe(n);
      expect(rows.map((x) => str(x, '00200013'))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });

    it('unknown resources are 404 problem+json', async () => {
      const res = await t.gw.app.inject({ url: `/dicom-web/studies/${newUid()}/metadata`, headers: t.auth });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });
  });

  describe('retrieve', () => {
    it('sends stored bytes with an exact Content-Length; a blob lost under the index cuts the response short, never a wrong body', async () => {
      const study = newUid();
      const series = newUid();
      const parts = [1, 2, 3].map((n) => makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, InstanceNumber: n }));
      expect((await stow(t, parts)).status).toBe(200);
      const url = `/dicom-web/studies/${study}`;
      const accept = 'multipart/related; type="application/dicom"; transfer-syntax=*';
      const whole = await t.gw.app.inject({ url, headers: { ...t.auth, accept } });
      expect(whole.statusCode).toBe(200);
      expect(Number(whole.headers['content-length'])).toBe(whole.rawPayload.length);
      // Written past fastify's send, the retrieve is still in the access log (G-2.11).
      let logged: { action: string; outcome: string; detail?: { status?: number } }[] = [];
      for (let i = 0; i < 50 && !logged.length; i++) {
        await new Promise((r) => setTimeout(r, 40));
        const a = await t.gw.app.inject({ url: `/api/audit?objectId=${study}&action=image.read`, headers: t.auth });
        logged = (a.json() as { entries: typeof logged }).entries;
      }
      expect(logged.map((e) => [e.action, e.outcome, e.detail?.status])).toContainEqual(['image.read', expect.any(String), 200]);
      const got = parseMultipart(whole.rawPayload, String(whole.headers['content-type'])).map((p) => p.body);
      expect(got.map((b) => parts.findIndex((x) => x.equals(b))).sort()).toEqual([0, 1, 2]);
      // The second instance's file goes missing behind the archive's back.
      const blobsDir = path.join(t.dataDir, 'blobs');
      const files = fs.readdirSync(blobsDir, { recursive: true }).map(String).filter((f) => f.endsWith('.dcm'))
        .filter((f) => fs.readFileSync(path.join(blobsDir, f)).includes(Buffer.from(series)));
      expect(files.length).toBe(3);
      const victim = files.find((f) => fs.readFileSync(path.join(blobsDir, f)).equals(got[1]!))!;
      fs.renameSync(path.join(blobsDir, victim), path.join(t.dataDir, 'moved-away.dcm'));
      try {
        // The head (200, Content-Length) is out before the loss shows: the connection is cut, the client errors.
        await expect(t.gw.app.inject({ url, headers: { ...t.auth, accept } })).rejects.toThrow(/destroyed before completion/);
      } finally {
        fs.renameSync(path.join(t.dataDir, 'moved-away.dcm'), path.join(blobsDir, victim));
      }
      const again = await t.gw.app.inject({ url, headers: { ...t.auth, accept } });
      expect(again.statusCode).toBe(200);
      expect(parseMultipart(again.rawPayload, String(again.headers['content-type'])).length).toBe(3);
    });
  });

  it('a client that hangs up mid-retrieve costs nothing: the next retrieve is whole', async () => {
    const study = newUid();
    const series = newUid();
    // 12 MB: more than the socket buffers take at once, so the sender is still writing when the client leaves.
    const parts = Array.from({ length: 12 }, (_, i) => makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: series, InstanceNumber: i + 1, Rows: 1024, Columns: 1024 }, { pixels: new Uint8Array(1024 * 1024).fill(i) }));
    expect((await stow(t, parts)).status).toBe(200);
    const address = await t.gw.app.listen({ host: '127.0.0.1', port: 0 });
    const get = (mode: 'hang-up' | 'whole') => new Promise<{ n: number; body?: Buffer; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const client = address.startsWith('https:') ? https : http;
      const req = client.get(`${address}/dicom-web/studies/${study}`, { headers: { ...t.auth, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' }, rejectUnauthorized: false }, (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
          chunks.push(d);
          if (mode === 'hang-up' && n > 100_000) {
            req.destroy();
            resolve({ n, headers: res.headers });
          }
        });
        res.on('end', () => resolve({ n, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', () => undefined);
      });
      req.on('error', (e) => (mode === 'hang-up' ? undefined : reject(e)));
    });
    const cut = await get('hang-up');
    expect(cut.n).toBeLessThan(Number(cut.headers['content-length']));
    const again = await get('whole');
    expect(again.body!.length).toBe(Number(again.headers['content-length']));
    const back = parseMultipart(again.body!, String(again.headers['content-type'])).map((p) => p.body);
    expect(back.map((b) => parts.findIndex((x) => x.equals(b))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  describe('delete', () => {
    it('an admin deletes an instance, a series and a study; counts follow and the files go', async () => {
      const study = newUid();
      const s1 = newUid();
      const s2 = newUid();
      const a = makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: s1 });
      const b = makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: s1 });
      const c = makeInstance({ StudyInstanceUID: study, SeriesInstanceUID: s2, Modality: 'CT' });
      const r = await stow(t, [a, b, c]);
      expect(r.status).toBe(200);
      const sopA = String(str(refs(r)[0]!, '00081155'));
      const blobsDir = path.join(t.dataDir, 'blobs');
      const countFiles = (): number => fs.readdirSync(blobsDir, { recursive: true }).filter((f) => String(f).endsWith('.dcm')).length;
      const before = countFiles();
      expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${study}/series/${s1}/instances/${sopA}`, headers: t.auth })).statusCode).toBe(204);
      expect(countFiles()).toBe(before - 1);
      let st = (await t.gw.app.inject({ url: `/dicom-web/studies?StudyInstanceUID=${study}`, headers: t.auth })).json() as DJ[];
      expect(str(st[0]!, '00201208')).toBe(2);
      expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${study}/series/${s2}`, headers: t.auth })).statusCode).toBe(204);
      st = (await t.gw.app.inject({ url: `/dicom-web/studies?StudyInstanceUID=${study}`, headers: t.auth })).json() as DJ[];
      expect(st[0]!['00080061']!.Value).toEqual(['OT']);
      expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${study}`, headers: t.auth })).statusCode).toBe(204);
      expect((await t.gw.app.inject({ url: `/dicom-web/studies?StudyInstanceUID=${study}`, headers: t.auth })).json()).toEqual([]);
      expect(countFiles()).toBe(before - 3);
      expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${study}`, headers: t.auth })).statusCode).toBe(404);
    });
  });

  describe('accounts', () => {
    it('protects every endpoint but /healthz and login; accepts Basic on DICOMweb only', async () => {
      expect((await t.gw.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect((await t.gw.app.inject({ url: '/dicom-web/studies' })).statusCode).toBe(401);
      expect((await t.gw.app.inject({ url: '/api/auth/me' })).statusCode).toBe(401);
      expect((await t.gw.app.inject({ url: '/dicom-web/studies', headers: { authorization: 'Bearer not-a-token' } })).statusCode).toBe(401);
      const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
      expect((await t.gw.app.inject({ url: '/dicom-web/studies', headers: { authorization: basic } })).statusCode).toBe(200);
      expect((await t.gw.app.inject({ url: '/api/auth/me', headers: { authorization: basic } })).statusCode).toBe(401);
      const me = await t.gw.app.inject({ url: '/api/auth/me', headers: t.auth });
      expect(me.json()).toMatchObject({ username: 'admin', roles: ['admin'] });
    });

    it('non-admins cannot delete or create users; passwords are stored as scrypt hashes', async () => {
      const created = await t.gw.app.inject({ method: 'POST', url: '/api/users', headers: t.auth, payload: { username: 'bs.lan', password: 'a-long-password', roles: ['consultant'] } });
      expect(created.statusCode).toBe(201);
      const login = await t.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bs.lan', password: 'a-long-password' } });
      const auth = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
      expect((await t.gw.app.inject({ method: 'DELETE', url: `/dicom-web/studies/${newUid()}`, headers: auth })).statusCode).toBe(403);
      expect((await t.gw.app.inject({ method: 'POST', url: '/api/users', headers: auth, payload: { username: 'x', password: 'another-long-one', roles: ['admin'] } })).statusCode).toBe(403);
      const row = await t.gw.index.db.selectFrom('users').select('password_hash').where('username', '=', 'bs.lan').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain('a-long-password');
      const out = await t.gw.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth });
      expect(out.statusCode).toBe(204);
      expect((await t.gw.app.inject({ url: '/api/auth/me', headers: auth })).statusCode).toBe(401);
    });

    it('rate-limits failed logins with 429 and Retry-After', async () => {
      const bad = () => t.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ratelimited', password: 'wrong' } });
      for (let i = 0; i < 5; i++) expect((await bad()).statusCode).toBe(401);
      const limited = await bad();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const malformed = await t.gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { user: 'x' } });
      expect(malformed.statusCode).toBe(400);
    });
  });
});

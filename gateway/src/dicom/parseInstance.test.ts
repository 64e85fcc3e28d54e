import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomParseError, parseInstance, readDataset, STUDY_TAGS, SERIES_TAGS, INSTANCE_TAGS } from './index.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(join(DIR, 'MANIFEST.tsv'));
const load = (file: string): Buffer => readFileSync(join(DIR, file));

interface DcmjsElement { vr: string; Value?: unknown[] }
type DcmjsDict = Record<string, DcmjsElement>;
interface Dcmjs {
  log: { setLevel(level: string): void };
  data: {
    DicomMessage: { readFile(b: ArrayBuffer, opts?: { ignoreErrors?: boolean }): { meta: DcmjsDict; dict: DcmjsDict } };
    DicomDict: new (meta: DcmjsDict) => { dict: DcmjsDict; write(): ArrayBuffer };
  };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');

/** The manifest: one row per fixture, keyed by column name. */
function manifest(): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

/** A bare dataset given a file meta group, so that dcmjs (which insists on one) can read it too. */
function withMeta(dataset: Buffer, ts: string): Buffer {
  const uid = Buffer.from(ts.length % 2 ? `${ts}\0` : ts, 'latin1');
  const el = Buffer.alloc(8);
  el.writeUInt16LE(0x0002, 0); el.writeUInt16LE(0x0010, 2); el.write('UI', 4, 'latin1'); el.writeUInt16LE(uid.length, 6);
  const len = Buffer.alloc(12);
  len.writeUInt16LE(0x0002, 0); len.writeUInt16LE(0x0000, 2); len.write('UL', 4, 'latin1'); len.writeUInt16LE(4, 6); len.writeUInt32LE(8 + uid.length, 8);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), len, el, uid, dataset]);
}

function readWithDcmjs(bytes: Buffer, ts: string): { meta: DcmjsDict; dict: DcmjsDict } {
  const part10 = bytes.length > 132 && bytes.toString('latin1', 128, 132) === 'DICM' ? bytes : withMeta(bytes, ts);
  return dcmjs.data.DicomMessage.readFile(part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer, { ignoreErrors: true });
}

function writeWithDcmjs(dict: DcmjsDict, ts = '1.2.840.10008.1.2.1', sop = '1.2.826.0.1.3680043.8.498.1'): Buffer {
  const d = new dcmjs.data.DicomDict({
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
    '00020003': { vr: 'UI', Value: [sop] },
    '00020010': { vr: 'UI', Value: [ts] },
    '00020012': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.2'] },
  });
  d.dict = dict;
  return Buffer.from(d.write());
}

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/** Annex F shape of a DICOM JSON object (recursively): problems found, empty when valid. */
function annexF(obj: Record<string, { vr?: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>, at = '$'): string[] {
  const out: string[] = [];
  for (const [tag, el] of Object.entries(obj)) {
    if (!/^[0-9A-F]{8}$/.test(tag)) out.push(`${at}.${tag}: key`);
    if (!el.vr || !VRS.has(el.vr)) out.push(`${at}.${tag}: vr ${el.vr}`);
    if (['Value', 'BulkDataURI', 'InlineBinary'].filter((k) => k in el).length > 1) out.push(`${at}.${tag}: two value forms`);
    if (el.vr === 'SQ') (el.Value ?? []).forEach((item, i) => out.push(...annexF(item as typeof obj, `${at}.${tag}[${i}]`)));
    else if (el.Value && ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN'].includes(el.vr!)) out.push(`${at}.${tag}: binary with Value`);
    else if (el.Value && ['DS', 'IS', 'US', 'SS', 'UL', 'SL', 'FL', 'FD'].includes(el.vr!) && el.Value.some((v) => v !== null && typeof v !== 'number')) out.push(`${at}.${tag}: not a number`);
  }
  return out;
}

/** Tag keys out of ascending order in JSON text, at any depth (JSON.parse would reorder numeric-looking keys). */
function keyOrderProblems(json: string): string[] {
  const out: string[] = [];
  const last: string[] = [''];
  const re = /"(?:[^"\\]|\\.)*"|[{}]/g;
  for (let m = re.exec(json); m; m = re.exec(json)) {
    const t = m[0];
    if (t === '{') last.push('');
    else if (t === '}') last.pop();
    else if (/^"[0-9A-F]{8}"$/.test(t) && json[re.lastIndex] === ':') {
      if (t <= last[last.length - 1]!) out.push(`${t} after ${last[last.length - 1]}`);
      last[last.length - 1] = t;
    }
  }
  return out;
}

describe('parseInstance over every real fixture', () => {
  const rows = haveFixtures ? manifest() : [];
  const files = haveFixtures ? readdirSync(DIR).filter((f) => f.endsWith('.dcm')).sort() : [];

  it('knows every fixture from the manifest', () => {
    expect(files.length).toBe(38);
    expect(rows.map((r) => r.file).sort()).toEqual(files);
  });

  for (const row of rows) {
    it(`${row.file}: UIDs and values as dcmjs reads them, valid DICOM JSON`, () => {
      const bytes = load(row.file!);
      const declared = /^1\.2\.840/.test(row.transfer_syntax_uid!) ? row.transfer_syntax_uid! : /explicit/i.test(row.transfer_syntax_uid!) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
      if (row.file === 'nested_priv_SQ.dcm') {
        // Its meta has empty SOP Class/Instance UIDs and the dataset none at all.
        expect(() => parseInstance(bytes)).toThrow(expect.objectContaining({ reason: 'missing-uid' }));
        return;
      }
      const p = parseInstance(bytes);
      expect(p.fields.transferSyntaxUid).toBe(declared);
      expect(p.hasFileMeta).toBe(/preamble=Y meta=Y/.test(row.preamble_meta!));

      const { meta, dict } = readWithDcmjs(bytes, declared);
      const v = (tag: string): unknown => dict[tag]?.Value?.[0];
      expect(p.fields.sopInstanceUid).toBe(v('00080018') ?? meta['00020003']?.Value?.[0]);
      expect(p.fields.sopClassUid).toBe(v('00080016') ?? meta['00020002']?.Value?.[0]);
      if (v('0020000D')) expect(p.fields.studyInstanceUid).toBe(v('0020000D'));
      else expect(p.coerced).toContain('0020000D');
      if (v('0020000E')) expect(p.fields.seriesInstanceUid).toBe(v('0020000E'));
      else expect(p.coerced).toContain('0020000E');

      // Naturalized values dcmjs agrees on (it leaves ISO 2022 escapes undecoded, so skip its PN there).
      const pn = v('00100010') as { Alphabetic?: string } | undefined;
      const alphabetic = pn?.Alphabetic?.trim() ?? '';
      if (!/2022/.test(row.charset!)) expect(p.fields.patientName).toBe(/^[\s^]*$/.test(alphabetic) ? null : alphabetic);
      expect(p.fields.studyDate).toBe((v('00080020') as string | undefined) || null);
      expect(p.fields.rows).toBe((v('00280010') as number | undefined) ?? null);
      expect(p.fields.numberOfFrames).toBe(v('00280008') === undefined ? null : Number(v('00280008')));
      if (row.rows) expect(p.fields.rows).toBe(Number(row.rows));
      if (row.modality) expect(p.fields.modality).toBe(row.modality);

      const md = JSON.parse(p.json.metadata);
      expect(annexF(md)).toEqual([]);
      expect(keyOrderProblems(p.json.metadata)).toEqual([]);
      for (const [tag, el] of Object.entries(md)) expect((el as { vr?: string }).vr, tag).toMatch(/^[A-Z]{2}$/);
      expect(md['00080018'].Value[0]).toBe(p.fields.sopInstanceUid);
      if (dict['7FE00010']) expect(md['7FE00010'].BulkDataURI).toMatch(/^\{\{BASE\}\}\/studies\/[\d.]+\/series\/[\d.]+\/instances\/[\d.]+\/bulk\/7FE00010$/);
      expect(Object.keys(md).some((t) => t.startsWith('0002'))).toBe(false);

      // The level fragments are subsets of the metadata, on their own tag lists.
      for (const [json, tags] of [[p.json.study, STUDY_TAGS], [p.json.series, SERIES_TAGS], [p.json.instance, INSTANCE_TAGS]] as const) {
        const frag = JSON.parse(json) as Record<string, unknown>;
        expect(annexF(frag as Parameters<typeof annexF>[0])).toEqual([]);
        expect(keyOrderProblems(json)).toEqual([]);
        for (const [tag, el] of Object.entries(frag)) {
          expect(tags as readonly string[]).toContain(tag);
          expect(el).toEqual(md[tag]);
        }
        for (const tag of tags) if (md[tag]) expect(frag[tag], tag).toBeDefined();
      }
    });
  }

  it('reads big endian, implicit VR and bare datasets to the same values as explicit VR little endian', () => {
    const strip = (json: string) => {
      const md = JSON.parse(json) as Record<string, { vr: string }>;
      delete md['7FE00010'];
      return md;
    };
    const implicit = strip(parseInstance(load('MR_small_implicit.dcm')).json.metadata);
    const big = strip(parseInstance(load('MR_small_bigendian.dcm')).json.metadata);
    expect(big).toEqual(implicit);
    const withMeta = parseInstance(load('CT_small.dcm'));
    const bare = parseInstance(load('CT_small_no_meta.dcm'));
    expect(bare.fields).toEqual({ ...withMeta.fields });
  });

  it('believes the bytes when the meta names the wrong VR encoding', () => {
    const implicit = load('MR_small_implicit.dcm');
    const parsed = readDataset(implicit);
    const body = implicit.subarray(Math.min(...Object.values(parsed.dataSet.elements).map((e) => e.dataOffset)) - 8);
    const mislabeled = parseInstance(withMeta(body, '1.2.840.10008.1.2.1'));
    const original = parseInstance(implicit);
    expect(mislabeled.fields).toEqual(original.fields);
    expect(mislabeled.json.metadata).toBe(original.json.metadata);
  });

  it('inflates Deflated Explicit VR Little Endian', () => {
    const p = parseInstance(load('image_dfl.dcm'));
    expect(p.fields.transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
    expect(p.fields.rows).toBe(512);
    expect(JSON.parse(p.json.metadata)['7FE00010'].vr).toBe('OB');
  });

  it('keeps every level of nested SR content sequences (the document plus 4, as dcmjs reads them)', () => {
    type Item = Record<string, { Value?: Item[] }>;
    const depth = (item: Item): number => Math.max(0, ...(item['0040A730']?.Value ?? []).map((i) => 1 + depth(i)));
    expect(depth(JSON.parse(parseInstance(load('SR_deep_nesting.dcm')).json.metadata))).toBe(4);
  });

  it('names a private creator written as UN by its LO value', () => {
    const md = JSON.parse(parseInstance(load('GH1146_private_creator_UN.dcm')).json.metadata);
    expect(md['00290010']).toEqual({ vr: 'LO', Value: ['2.00'] });
  });

  it('recovers private sequences nested in private sequences (implicit VR)', () => {
    const parsed = readDataset(load('nested_priv_SQ.dcm'));
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    const bytes = load('nested_priv_SQ.dcm');
    // Give it the UIDs it lacks, keeping its implicit VR private sequences.
    const sop = Buffer.from('1.2.3.4\0', 'latin1');
    const uids = Buffer.concat([[0x0008, 0x0016], [0x0008, 0x0018]].map(([g, e]) => {
      const h = Buffer.alloc(8); h.writeUInt16LE(g!, 0); h.writeUInt16LE(e!, 2); h.writeUInt32LE(sop.length, 4);
      return Buffer.concat([h, sop]);
    }));
    const metaEnd = parsed.dataSet.elements.x00010001!.dataOffset - 8;
    const fixed = Buffer.concat([bytes.subarray(0, metaEnd), uids, bytes.subarray(metaEnd)]);
    const md = JSON.parse(parseInstance(fixed).json.metadata);
    expect(md['00010001'].vr).toBe('SQ');
    expect(md['00010001'].Value[0]['00010001'].vr).toBe('SQ');
    expect(Buffer.from(md['00010001'].Value[0]['00010001'].Value[0]['00010001'].InlineBinary, 'base64').toString()).toBe('Double Nested SQ');
  });
});

describe('parseInstance refuses what is not a storable instance', () => {
  const reasonOf = (bytes: Uint8Array, opts?: { partial?: boolean }): string => {
    try {
      parseInstance(bytes, opts);
    } catch (err) {
      expect(err).toBeInstanceOf(DicomParseError);
      return (err as DicomParseError).reason;
    }
    return 'parsed';
  };
  /** Deterministic noise (xorshift), so a failure reproduces. */
  const noise = (n: number, seed: number): Buffer => {
    const b = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  };
  const small = (): Buffer => writeWithDcmjs({
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
    '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.1'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN' }] },
    '00100020': { vr: 'LO', Value: ['ID1'] },
    '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.3'] },
    '0020000E': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.4'] },
    '00280010': { vr: 'US', Value: [2] },
    '00280011': { vr: 'US', Value: [2] },
    '00280100': { vr: 'US', Value: [16] },
    '7FE00010': { vr: 'OW', Value: [new Uint16Array([1, 2, 3, 4]).buffer] },
  });

  it('random bytes, text and nothing are not DICOM', () => {
    for (let seed = 1; seed <= 50; seed++) expect(reasonOf(noise(4096, seed))).toBe('not-dicom');
    expect(reasonOf(Buffer.from('this is a text file, not DICOM at all\n'.repeat(20)))).toBe('not-dicom');
    expect(reasonOf(Buffer.alloc(0))).toBe('not-dicom');
    expect(reasonOf(Buffer.alloc(300))).toBe('not-dicom');
  });

  it('a file cut inside its header is truncated; cut inside pixel data only when the whole file was given', () => {
    expect(small().length).toBeGreaterThan(200);
    expect(reasonOf(small())).toBe('parsed');
    const ct = haveFixtures ? load('CT_small.dcm') : small();
    expect(reasonOf(ct.subarray(0, 150))).toBe('truncated'); // inside the meta group
    expect(reasonOf(ct.subarray(0, 700))).toBe('truncated'); // inside the dataset
    expect(reasonOf(ct.subarray(0, Math.floor(ct.length / 2)))).toBe('truncated');
    const px = readDataset(ct).dataSet.elements.x7fe00010!;
    const cut = ct.subarray(0, px.dataOffset + 100);
    expect(reasonOf(cut)).toBe('truncated');
    expect(reasonOf(cut, { partial: true })).toBe('parsed');
    expect(parseInstance(cut, { partial: true }).fields).toEqual(parseInstance(ct).fields);
    if (haveFixtures) {
      // Encapsulated: cut inside the fragments.
      const xa = load('XA_multiframe96_jpeg.dcm');
      const xpx = readDataset(xa).dataSet.elements.x7fe00010!;
      expect(reasonOf(xa.subarray(0, xpx.dataOffset + 5000))).toBe('truncated');
      expect(parseInstance(xa.subarray(0, xpx.dataOffset + 5000), { partial: true }).fields.numberOfFrames).toBe(96);
      // A bare dataset and an SR (undefined-length sequences) cut short.
      expect(reasonOf(load('RTSTRUCT_nometa.dcm').subarray(0, 1500))).toBe('truncated');
      const sr = load('SR_deep_nesting.dcm');
      for (const n of [2000, 4000, 6000, sr.length - 9]) expect(reasonOf(sr.subarray(0, n)), `SR cut at ${n}`).toBe('truncated');
    }
  });

  it('a header window may end inside what follows Pixel Data, or inside a deflated stream', () => {
    const padding = Buffer.alloc(12 + 1000);
    padding.writeUInt16LE(0xfffc, 0); padding.writeUInt16LE(0xfffc, 2); padding.write('OB', 4, 'latin1'); padding.writeUInt32LE(1000, 8);
    const padded = Buffer.concat([small(), padding]);
    expect(reasonOf(padded)).toBe('parsed');
    const cut = padded.subarray(0, padded.length - 500);
    expect(reasonOf(cut)).toBe('truncated');
    expect(parseInstance(cut, { partial: true }).fields).toEqual(parseInstance(padded).fields);
    if (haveFixtures) {
      const dfl = load('image_dfl.dcm');
      expect(reasonOf(dfl.subarray(0, dfl.length - 1000))).toBe('truncated');
      expect(parseInstance(dfl.subarray(0, dfl.length - 1000), { partial: true }).fields).toEqual(parseInstance(dfl).fields);
    }
  });

  it('no SOP Instance UID (dataset or meta) is missing-uid', () => {
    const noUid = writeWithDcmjs({
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
      '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.3'] },
      '0020000E': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.4'] },
    }, undefined, '');
    expect(reasonOf(noUid)).toBe('missing-uid');
  });

  it('takes SOP UIDs from the meta when the dataset lacks them, and derives missing study/series UIDs', () => {
    const p = parseInstance(writeWithDcmjs({ '00100020': { vr: 'LO', Value: ['X'] } }, undefined, '1.2.826.0.1.3680043.8.498.77'));
    expect(p.fields.sopInstanceUid).toBe('1.2.826.0.1.3680043.8.498.77');
    expect(p.fields.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(p.coerced).toEqual(['0020000D', '0020000E']);
    expect(p.fields.studyInstanceUid).toMatch(/^2\.25\.\d+$/);
    const md = JSON.parse(p.json.metadata);
    expect(Object.keys(md)).toEqual(['00080016', '00080018', '00100020', '0020000D', '0020000E']);
    expect(md['0020000D'].Value[0]).toBe(p.fields.studyInstanceUid);
    expect(JSON.parse(p.json.series)['0020000E'].Value[0]).toBe(p.fields.seriesInstanceUid);
    expect(JSON.parse(p.json.instance)['00080018'].Value[0]).toBe(p.fields.sopInstanceUid);
  });

  it('"DICM" followed by garbage is an error, never a crash', () => {
    const prefix = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')]);
    for (let seed = 1; seed <= 50; seed++) expect(['not-dicom', 'truncated', 'bad-length']).toContain(reasonOf(Buffer.concat([prefix, noise(1000, seed)])));
    expect(reasonOf(prefix)).toBe('truncated');
    // A meta element whose length runs off the end.
    const meta = Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49, 0xff, 0xff, 0x31, 0x2e, 0x32]);
    expect(reasonOf(Buffer.concat([prefix, meta]))).toBe('truncated');
    // Meta group fine but no transfer syntax, then junk.
    const noTs = Buffer.from([0x02, 0x00, 0x02, 0x00, 0x55, 0x49, 0x02, 0x00, 0x31, 0x00]);
    expect(reasonOf(Buffer.concat([prefix, noTs, Buffer.from('garbage garbage garbage')]))).toBe('not-dicom');
  });

  it('an absurd declared length (0xFFFFFFF0) on a non-SQ element is bad-length', () => {
    // Implicit VR: every length is 4 bytes.
    const implicit = writeWithDcmjs({
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
      '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.1'] },
      '00100020': { vr: 'LO', Value: ['ID1'] },
      '00200013': { vr: 'IS', Value: [1] },
    }, '1.2.840.10008.1.2');
    const at = implicit.indexOf(Buffer.from([0x10, 0x00, 0x20, 0x00]), 132);
    implicit.writeUInt32LE(0xfffffff0, at + 4);
    expect(reasonOf(implicit)).toBe('bad-length');
    // Explicit VR: a UT (4-byte length) in the middle, and Pixel Data.
    const ut = writeWithDcmjs({
      '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
      '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.1'] },
      '00404001': { vr: 'UT', Value: ['some text'] },
      '00404002': { vr: 'LO', Value: ['more'] },
    });
    const u = ut.indexOf(Buffer.from('UT', 'latin1'), 132);
    ut.writeUInt32LE(0xfffffff0, u + 4);
    expect(reasonOf(ut)).toBe('bad-length');
    const px = small();
    const p = px.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]), 132);
    px.writeUInt32LE(0xfffffff0, p + 8);
    expect(reasonOf(px)).toBe('bad-length');
    // A 2-byte length merely past the end is a cut, not an absurdity.
    const lo = small();
    const l = lo.indexOf(Buffer.from([0x10, 0x00, 0x20, 0x00]), 132);
    lo.writeUInt16LE(0xfff0, l + 6);
    expect(['truncated', 'bad-length']).toContain(reasonOf(lo));
  });
});

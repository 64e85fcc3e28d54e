import { join } from 'node:path';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseInstance, readBulk, readDataset, toDicomJson } from './index.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(`${DIR}/MANIFEST.tsv`);

type DcmjsDict = Record<string, { vr: string; Value?: unknown[] }>;
interface Dcmjs {
  log: { setLevel(level: string): void };
  data: { DicomDict: new (meta: DcmjsDict) => { dict: DcmjsDict; write(): ArrayBuffer } };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');

const STUDY = '1.2.826.0.1.3680043.8.498.3';
const SERIES = '1.2.826.0.1.3680043.8.498.4';
const SOP = '1.2.826.0.1.3680043.8.498.1';
const BASE = `{{BASE}}/studies/${STUDY}/series/${SERIES}/instances/${SOP}/bulk/`;

function write(dict: DcmjsDict, ts = '1.2.840.10008.1.2.1'): Buffer {
  const d = new dcmjs.data.DicomDict({
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
    '00020003': { vr: 'UI', Value: [SOP] },
    '00020010': { vr: 'UI', Value: [ts] },
    '00020012': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.2'] },
  });
  d.dict = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
    '00080018': { vr: 'UI', Value: [SOP] },
    '0020000D': { vr: 'UI', Value: [STUDY] },
    '0020000E': { vr: 'UI', Value: [SERIES] },
    ...dict,
  };
  return Buffer.from(d.write());
}

const small = new Uint8Array([1, 2, 3, 4, 5, 6]).buffer;
const big = new Uint8Array(2000).fill(7).buffer;

/** One of each value form, with explicit VRs. */
const SAMPLE: DcmjsDict = {
  '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
  '00080008': { vr: 'CS', Value: ['ORIGINAL', '', 'AXIAL'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }] },
  '00100020': { vr: 'LO', Value: ['  ID "1" \\ two'] },
  '00101030': { vr: 'DS', Value: ['72.5'] },
  '00181310': { vr: 'US', Value: [0, 256, 256, 0] },
  '00200013': { vr: 'IS', Value: ['7'] },
  '00200032': { vr: 'DS', Value: [-1.5, 2, '3e2'] },
  '00204000': { vr: 'LT', Value: ['line one\\still one  '] },
  '00209165': { vr: 'AT', Value: [0x00209056, 0x00209128] },
  '00280106': { vr: 'SS', Value: [-32768] },
  '00189087': { vr: 'FD', Value: [1.25] },
  '00189089': { vr: 'FD', Value: [0.5, -0.25, 1] },
  '00181050': { vr: 'DS', Value: [] },
  '00091010': { vr: 'LO', Value: ['ACME 1.0'] },
  '00091011': { vr: 'OB', Value: [small] },
  '00091012': { vr: 'OB', Value: [big] },
  '00081140': {
    vr: 'SQ',
    Value: [
      { '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.4'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4'] } },
      { '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.4'] }, '00091012': { vr: 'OB', Value: [big] }, '00091010': { vr: 'LO', Value: ['ACME 1.0'] } },
    ],
  },
  '00400275': { vr: 'SQ', Value: [{ '00400009': { vr: 'SH', Value: ['SPS1'] }, '00401001': { vr: 'SH', Value: ['RP1'] } }] },
  '00082112': { vr: 'SQ', Value: [] },
  '00282000': { vr: 'OB', Value: [new Uint8Array(0).buffer] },
};

describe('DICOM JSON (PS3.18 Annex F)', () => {
  it('writes each VR in its Annex F form', () => {
    const md = JSON.parse(parseInstance(write(SAMPLE)).json.metadata);
    expect(md['00080008']).toEqual({ vr: 'CS', Value: ['ORIGINAL', null, 'AXIAL'] });
    expect(md['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }] });
    expect(md['00100020']).toEqual({ vr: 'LO', Value: ['ID "1"', 'two'] });
    expect(md['00101030']).toEqual({ vr: 'DS', Value: [72.5] });
    expect(md['00181310']).toEqual({ vr: 'US', Value: [0, 256, 256, 0] });
    expect(md['00200013']).toEqual({ vr: 'IS', Value: [7] });
    expect(md['00200032']).toEqual({ vr: 'DS', Value: [-1.5, 2, 300] });
    expect(md['00204000']).toEqual({ vr: 'LT', Value: ['line one\\still one'] });
    expect(md['00209165']).toEqual({ vr: 'AT', Value: ['00209056', '00209128'] });
    expect(md['00280106']).toEqual({ vr: 'SS', Value: [-32768] });
    expect(md['00189087']).toEqual({ vr: 'FD', Value: [1.25] });
    expect(md['00189089']).toEqual({ vr: 'FD', Value: [0.5, -0.25, 1] });
    expect(md['00181050']).toEqual({ vr: 'DS' });
    expect(md['00091010']).toEqual({ vr: 'LO', Value: ['ACME 1.0'] });
    expect(md['00091011']).toEqual({ vr: 'OB', InlineBinary: Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64') });
    expect(md['00091012']).toEqual({ vr: 'OB', BulkDataURI: `${BASE}00091012` });
    expect(md['00081140'].Value[0]).toEqual({ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.4'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4'] } });
    expect(md['00081140'].Value[1]['00091012']).toEqual({ vr: 'OB', BulkDataURI: `${BASE}00081140/1/00091012` });
    expect(md['00082112']).toEqual({ vr: 'SQ' });
    expect(md['00282000']).toEqual({ vr: 'OB' });
    expect(Object.keys(md).some((k) => k.startsWith('0002') || k.endsWith('0000'))).toBe(false);
  });

  it('fills the index from the same values', () => {
    const f = parseInstance(write(SAMPLE)).fields;
    expect(f).toMatchObject({ patientName: 'Yamada^Tarou', patientId: 'ID "1"', instanceNumber: 7, scheduledProcedureStepId: 'SPS1', requestedProcedureId: 'RP1', specificCharacterSet: 'ISO_IR 192' });
  });

  it('takes VRs from the dictionary for implicit VR: US/SS by Pixel Representation, OB/OW by Bits Allocated, private → UN, creators → LO', () => {
    const dict: DcmjsDict = {
      '00280100': { vr: 'US', Value: [16] },
      '00280103': { vr: 'US', Value: [1] },
      '00280106': { vr: 'SS', Value: [-5] },
      '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
      '00091011': { vr: 'LO', Value: ['secret'] },
      '60000010': { vr: 'US', Value: [4] },
      '60003000': { vr: 'OW', Value: [new Uint8Array(4).buffer] },
      '00101010': { vr: 'AS', Value: ['042Y'] },
      '7FE00010': { vr: 'OW', Value: [new Uint16Array([1, 2]).buffer] },
    };
    const implicit = JSON.parse(parseInstance(write(dict, '1.2.840.10008.1.2')).json.metadata);
    expect(implicit['00280106']).toEqual({ vr: 'SS', Value: [-5] });
    expect(implicit['00090010']).toEqual({ vr: 'LO', Value: ['ACME 1.0'] });
    expect(implicit['00091011']).toEqual({ vr: 'UN', InlineBinary: Buffer.from('secret').toString('base64') });
    expect(implicit['60000010']).toEqual({ vr: 'US', Value: [4] }); // repeating group 60xx
    expect(implicit['60003000'].vr).toBe('OW');
    expect(implicit['00101010']).toEqual({ vr: 'AS', Value: ['042Y'] });
    expect(implicit['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: `${BASE}7FE00010` });
    const explicit = JSON.parse(parseInstance(write(dict)).json.metadata);
    for (const tag of ['00280106', '00090010', '60000010', '00101010']) expect(implicit[tag], tag).toEqual(explicit[tag]);
  });

  it('reads a sequence written as UN (defined or undefined length) as SQ', () => {
    const implicitElement = (group: number, element: number, value: Buffer): Buffer => {
      const h = Buffer.alloc(8);
      h.writeUInt16LE(group, 0); h.writeUInt16LE(element, 2); h.writeUInt32LE(value.length, 4);
      return Buffer.concat([h, value]);
    };
    const content = Buffer.concat([
      implicitElement(0x0008, 0x1150, Buffer.from('1.2.840.10008.5.1.4.1.1.4\0', 'latin1')),
      implicitElement(0x0008, 0x1155, Buffer.from('1.2.3.4\0', 'latin1')),
    ]);
    const item = (undefinedLength: boolean): Buffer => {
      const h = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0]);
      h.writeUInt32LE(undefinedLength ? 0xffffffff : content.length, 4);
      return Buffer.concat([h, content, undefinedLength ? Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]) : Buffer.alloc(0)]);
    };
    const unElement = (value: Buffer, undefinedLength: boolean): Buffer => {
      const h = Buffer.from([0x08, 0x00, 0x40, 0x11, 0x55, 0x4e, 0, 0, 0, 0, 0, 0]);
      h.writeUInt32LE(undefinedLength ? 0xffffffff : value.length, 8);
      return Buffer.concat([h, value]);
    };
    const base = write({});
    const at = base.indexOf(Buffer.from([0x20, 0x00, 0x0d, 0x00]), 132); // (0020,000D) follows (0008,1140)
    const withUn = (el: Buffer) => Buffer.concat([base.subarray(0, at), el, base.subarray(at)]);
    const expected = { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.4'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4'] } }] };
    const defined = JSON.parse(parseInstance(withUn(unElement(item(false), false))).json.metadata);
    expect(defined['00081140']).toEqual(expected);
    const undef = Buffer.concat([item(true), Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])]);
    expect(JSON.parse(parseInstance(withUn(unElement(undef, true))).json.metadata)['00081140']).toEqual(expected);
    // Bytes that merely start like an item stay UN.
    const junk = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0x00, 0x00, 0x00, 1, 2, 3, 4]);
    expect(JSON.parse(parseInstance(withUn(unElement(junk, false))).json.metadata)['00081140']).toEqual({ vr: 'UN', InlineBinary: junk.toString('base64') });
  });

  it('toDicomJson converts any dicom-parser DataSet', () => {
    const parsed = readDataset(write(SAMPLE));
    const json = JSON.parse(toDicomJson(parsed.dataSet, { bulkBase: 'bulk:' }));
    expect(json['00091012']).toEqual({ vr: 'OB', BulkDataURI: 'bulk:00091012' });
    expect(json['00100010'].Value[0].Ideographic).toBe('山田^太郎');
  });

  it('big endian binary values are inlined little endian', () => {
    const dict: DcmjsDict = { '00282000': { vr: 'OW', Value: [new Uint8Array([1, 2, 3, 4]).buffer] }, '00181310': { vr: 'US', Value: [1, 513] } };
    const file = write(dict, '1.2.840.10008.1.2.2');
    const be = JSON.parse(parseInstance(file).json.metadata);
    expect(be['00181310']).toEqual({ vr: 'US', Value: [1, 513] });
    const stored = readBulk(file, '00282000')!; // as stored: big endian words
    expect(Buffer.from(be['00282000'].InlineBinary, 'base64')).toEqual(Buffer.from([stored[1]!, stored[0]!, stored[3]!, stored[2]!]));
  });
});

describe('readBulk', () => {
  it('returns the value a BulkDataURI names, through sequence items', () => {
    const file = write(SAMPLE);
    expect(readBulk(file, '00091012')).toEqual(Buffer.from(big));
    expect(readBulk(file, '00081140/1/00091012')).toEqual(Buffer.from(big));
    expect(readBulk(file, '00091011')).toEqual(Buffer.from(small));
    expect(readBulk(file, '00081140/0/00091012')).toBeNull();
    expect(readBulk(file, '00081140/5/00091012')).toBeNull();
    expect(readBulk(file, '00081140/x/00091012')).toBeNull();
    expect(readBulk(file, '00081140/1')).toBeNull();
    expect(readBulk(file, 'zz')).toBeNull();
    expect(readBulk(file, '')).toBeNull();
    // A view, not a copy.
    expect(readBulk(file, '00091012')!.buffer).toBe(file.buffer);
  });

  it('resolves every BulkDataURI and matches every InlineBinary of every fixture', () => {
    let uris = 0;
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.dcm') && f !== 'nested_priv_SQ.dcm')) {
      const bytes = readFileSync(`${DIR}/${file}`);
      const p = parseInstance(bytes);
      const bigEndian = p.fields.transferSyntaxUid === '1.2.840.10008.1.2.2';
      const base = `{{BASE}}/studies/${p.fields.studyInstanceUid}/series/${p.fields.seriesInstanceUid}/instances/${p.fields.sopInstanceUid}/bulk/`;
      const walk = (ds: Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>, prefix: string) => {
        for (const [tag, el] of Object.entries(ds)) {
          if (el.BulkDataURI) {
            expect(el.BulkDataURI.startsWith(base), `${file} ${tag}`).toBe(true);
            const path = el.BulkDataURI.slice(base.length);
            expect(path).toBe(prefix + tag);
            const value = readBulk(bytes, path);
            expect(value, `${file} ${path}`).not.toBeNull();
            expect(value!.length > 1024 || tag.startsWith('7FE0'), `${file} ${path}`).toBe(true);
            uris++;
          } else if (el.InlineBinary !== undefined && !bigEndian) {
            expect(Buffer.from(el.InlineBinary, 'base64'), `${file} ${prefix}${tag}`).toEqual(readBulk(bytes, prefix + tag));
          } else if (el.vr === 'SQ') {
            (el.Value ?? []).forEach((item, i) => walk(item as typeof ds, `${prefix}${tag}/${i}/`));
          }
        }
      };
      walk(JSON.parse(p.json.metadata), '');
    }
    expect(uris).toBeGreaterThan(37);
  });

  it('encapsulated Pixel Data comes back whole: offset table item and fragment items', () => {
    const bytes = readFileSync(`${DIR}/XA_multiframe96_jpeg.dcm`);
    const value = readBulk(bytes, '7FE00010')!;
    expect([...value.subarray(0, 4)]).toEqual([0xfe, 0xff, 0x00, 0xe0]);
    const px = readDataset(bytes).dataSet.elements.x7fe00010!;
    const last = px.fragments![px.fragments!.length - 1]!;
    expect(value.length).toBe(last.position + last.length - px.dataOffset);
    // The icon inside a sequence is native pixel data.
    const icon = readBulk(readFileSync(`${DIR}/XC_jpeg_with_icon.dcm`), '00880200/0/7FE00010')!;
    expect(icon.length).toBe(64 * 64);
  });
});

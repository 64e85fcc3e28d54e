import { describe, expect, it } from 'vitest';
import { deidentify, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './deidentify.js';
import { type DicomDataset, readPart10, TS } from './dicom/io.js';
import { AnonymizerError } from './errors.js';
import { identityOf } from './identity.js';
import { leakScan } from './leakScan.js';
import { BASIC_PROFILE, CONSULT_PROFILE } from './profile/options.js';
import { replaceUid } from './rules/replaceUid.js';
import { dateShiftDays } from './rules/shiftDate.js';
import { bytesOf, el, first, items, part10, SECRET, SOP, walk } from './testing/build.js';

const secret = Buffer.from(SECRET);

/** A CT image full of planted PHI (Vietnamese name with diacritics, IDs, address, phone, nested and private). */
function ctImage(over: DicomDataset = {}): DicomDataset {
  return {
    '00080005': el('CS', 'ISO_IR 192'),
    '00080016': el('UI', SOP.ct),
    '00080018': el('UI', '1.2.392.200036.9116.2.1.1.1'),
    '00080020': el('DA', '20240315'),
    '00080021': el('DA', '20240315'),
    '00080023': el('DA', '20240315'),
    '00080030': el('TM', '101530'),
    '00080050': el('SH', 'ACC778899'),
    '00080060': el('CS', 'CT'),
    '00080080': el('LO', 'Bệnh viện Đa khoa Tỉnh Thái Bình'),
    '00080081': el('ST', '530 Lý Bôn, TP Thái Bình'),
    '00080090': el('PN', { Alphabetic: 'Phạm^Quang Huy' }),
    '00081010': el('SH', 'CT-TB-01'),
    '00081030': el('LO', 'CT ngực - Trần Thị Mai - BN0099887'),
    '0008103E': el('LO', 'Phổi 1.25mm'),
    '00081070': el('PN', { Alphabetic: 'KTV^Lan' }),
    '00081140': el('SQ', { '00081150': el('UI', SOP.ct), '00081155': el('UI', '1.2.392.200036.9116.2.1.1.0') }),
    '00100010': el('PN', { Alphabetic: 'Trần^Thị Mai' }),
    '00100020': el('LO', 'BN0099887'),
    '00100030': el('DA', '19750412'),
    '00100040': el('CS', 'F'),
    '00101000': el('LO', 'CCCD034175001234'),
    '00101010': el('AS', '048Y'),
    '00101020': el('DS', '1.55'),
    '00101030': el('DS', '52'),
    '00101040': el('LO', '12 Lê Lợi, Phường Đề Thám'),
    '00102154': el('SH', '0912345678'),
    '001021B0': el('LT', 'Ho kéo dài, bà Mai gọi 0912 345 678'),
    '00181000': el('LO', 'SN12345'),
    '0020000D': el('UI', '1.2.392.200036.9116.2.1'),
    '0020000E': el('UI', '1.2.392.200036.9116.2.1.1'),
    '00200010': el('SH', 'S1'),
    '00200052': el('UI', '1.2.392.200036.9116.2.1.9'),
    '00204000': el('LT', 'Nốt mờ thùy trên phải'),
    '00280010': el('US', 2),
    '00280011': el('US', 2),
    '00280100': el('US', 16),
    '00280101': el('US', 12),
    '00280102': el('US', 11),
    '00280103': el('US', 0),
    '00280002': el('US', 1),
    '00280004': el('CS', 'MONOCHROME2'),
    '00090010': el('LO', 'ACME HIS 1.0'),
    '00091001': el('LO', 'Trần Thị Mai 0912345678'),
    '7FE00010': el('OW', new Uint16Array([1, 2, 3, 4]).buffer),
    ...over,
  };
}

/** Z: present with a zero-length value. */
function expectEmpty(ds: DicomDataset, tag: string): void {
  expect(ds[tag], tag).toBeDefined();
  expect((ds[tag]?.Value ?? []).every((v) => v === ''), tag).toBe(true);
}

function run(ds: DicomDataset, opts: Partial<Parameters<typeof deidentify>[1]> = {}) {
  const input = part10(ds);
  const result = deidentify(input, { siteSecret: SECRET, pseudonym: 'HC-2026-0007', ...opts });
  return { input, ...result, out: readPart10(result.part10).dataset, meta: readPart10(result.part10).meta };
}

describe('deidentify: action codes (PS3.15 E.1.1)', () => {
  it('X removes, Z empties, D puts a dummy, U replaces UIDs, K keeps, C cleans', () => {
    const { out, report } = run(ctImage(), { profile: CONSULT_PROFILE });
    expect(out['00080081']).toBeUndefined(); // Institution Address: X
    expect(out['00101000']).toBeUndefined(); // Other Patient IDs: X
    expect(out['00081070']).toBeUndefined(); // Operators' Name: X/Z/D, Type 3 -> X
    expectEmpty(out, '00080050'); // Accession Number: Z
    expectEmpty(out, '00080090'); // Referring Physician: Z
    expectEmpty(out, '00100030'); // Birth Date: Z
    expect(first(out, '0020000D')).toBe(replaceUid(secret, '1.2.392.200036.9116.2.1')); // U
    expect(first(out, '00080060')).toBe('CT'); // not in the table: K
    expect(first(out, '00081030')).toBe('CT ngực - -'); // Clean Descriptors: C
    expect(first(out, '0008103E')).toBe('Phổi 1.25mm');
    expect(first(out, '001021B0')).toBe('Ho kéo dài, bà gọi');
    const byPath = new Map(report.entries.map((e) => [e.path, e]));
    expect(byPath.get('(0008,1070)')?.rule).toMatch(/X\/Z\/D \(Type 3\)/);
    expect(byPath.get('(0008,0081)')?.action).toBe('X');
    expect(byPath.get('(0020,000D)')?.action).toBe('U');
  });

  it('resolves compound codes by Type: Content Date is Z in a CT (Type 2C) and D in an SR (Type 1)', () => {
    const basic = { profile: BASIC_PROFILE };
    expectEmpty(run(ctImage(), basic).out, '00080023');
    const sr = run(ctImage({ '00080016': el('UI', SOP.comprehensiveSR) }), basic).out;
    expect(first(sr, '00080023')).toBe('19000101');
    // Device Serial Number: X/Z/D -> X in a CT (Type 3), D in an Enhanced CT (Type 1, Enhanced General Equipment)
    expect(run(ctImage(), basic).out['00181000']).toBeUndefined();
    expect(first(run(ctImage({ '00080016': el('UI', SOP.enhancedCT) }), basic).out, '00181000')).toBe('DEIDENTIFIED');
  });

  it('X/Z/U*: Referenced Image Sequence removed at Type 3, kept unchanged under Retain UIDs', () => {
    expect(run(ctImage()).out['00081140']).toBeUndefined();
    const kept = run(ctImage(), { profile: { ...CONSULT_PROFILE, retainUIDs: true } }).out;
    expect(first(items(kept, '00081140')[0], '00081155')).toBe('1.2.392.200036.9116.2.1.1.0');
    expect(first(kept, '00080018')).toBe('1.2.392.200036.9116.2.1.1.1');
  });

  it('X/Z/U* at Type 1 (Source Image Sequence in a Derivation Image item) keeps the sequence and maps its UIDs', () => {
    const ds = ctImage({
      '00080016': el('UI', SOP.enhancedCT),
      '52009230': el('SQ', {
        '00089124': el('SQ', {
          '00082112': el('SQ', { '00081150': el('UI', SOP.ct), '00081155': el('UI', '1.2.3.99') }),
        }),
      }),
    });
    const { out } = run(ds);
    const src = items(items(items(out, '52009230')[0], '00089124')[0], '00082112');
    expect(first(src[0], '00081155')).toBe(replaceUid(secret, '1.2.3.99'));
    expect(first(src[0], '00081150')).toBe(SOP.ct);
  });
});

describe('deidentify: options', () => {
  it('Retain Patient Characteristics keeps sex, age, size, weight (G-2.2); Basic empties/removes them', () => {
    const consult = run(ctImage()).out;
    expect(first(consult, '00100040')).toBe('F');
    expect(first(consult, '00101010')).toBe('048Y');
    expect(Number(first(consult, '00101020'))).toBe(1.55);
    expect(Number(first(consult, '00101030'))).toBe(52);
    const basic = run(ctImage(), { profile: BASIC_PROFILE }).out;
    expectEmpty(basic, '00100040');
    expect(basic['00101010']).toBeUndefined();
    expect(basic['00101030']).toBeUndefined();
  });

  it('Modified Dates shifts every date of the patient by one derived amount, keeps times', () => {
    const { out, report } = run(ctImage());
    const shift = dateShiftDays(secret, 'BN0099887');
    expect(report.dateShiftDays).toBe(shift);
    const expected = new Date(Date.UTC(2024, 2, 15) + shift * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    expect(first(out, '00080020')).toBe(expected);
    expect(first(out, '00080021')).toBe(expected);
    expect(first(out, '00080030')).toBe('101530');
    expect(first(out, '00280303')).toBe('MODIFIED');
    expect(run(ctImage(), { dateShiftDays: -100 }).out['00080020']?.Value).toEqual(['20231206']);
  });

  it('Full Dates keeps dates; no temporal option removes or empties them', () => {
    const full = run(ctImage(), { profile: { ...CONSULT_PROFILE, retainLongitudinalTemporal: 'full' } }).out;
    expect(first(full, '00080020')).toBe('20240315');
    expect(first(full, '00280303')).toBe('UNMODIFIED');
    const none = run(ctImage(), { profile: BASIC_PROFILE }).out;
    expectEmpty(none, '00080020'); // Study Date Z
    expect(none['00080021']).toBeUndefined(); // Series Date X/D, Type 3
    expect(first(none, '00280303')).toBe('REMOVED');
  });

  it('Retain Device Identity and Retain Institution Identity keep what they name', () => {
    const p = { ...CONSULT_PROFILE, retainDeviceIdentity: true, retainInstitutionIdentity: true };
    const { out } = run(ctImage(), { profile: p });
    expect(first(out, '00181000')).toBe('SN12345');
    expect(first(out, '00081010')).toBe('CT-TB-01');
    expect(first(out, '00080080')).toBe('Bệnh viện Đa khoa Tỉnh Thái Bình');
    expect(run(ctImage()).out['00080080']).toBeUndefined();
  });

  it('Clean Descriptors off: descriptions are removed (Basic X)', () => {
    const { out } = run(ctImage(), { profile: { ...CONSULT_PROFILE, cleanDescriptors: false } });
    expect(out['00081030']).toBeUndefined();
    expect(out['00204000']).toBeUndefined();
  });

  it('Clean Structured Content cleans SR text; without it SR text is still cleaned as the dummy of Content Sequence', () => {
    const content = el('SQ', {
      '0040A040': el('CS', 'TEXT'),
      '0040A043': el('SQ', { '00080100': el('SH', '121071'), '00080102': el('SH', 'DCM'), '00080104': el('LO', 'Finding') }),
      '0040A160': el('UT', 'Bà Trần Thị Mai, SĐT 0912345678: nốt 8mm thùy trên phải'),
    });
    const ds = ctImage({ '00080016': el('UI', SOP.comprehensiveSR), '0040A730': content });
    for (const profile of [CONSULT_PROFILE, BASIC_PROFILE]) {
      const item = items(run(ds, { profile }).out, '0040A730')[0];
      expect(first(item, '0040A160')).toBe('Bà , SĐT : nốt 8mm thùy trên phải');
      expect(first(items(item, '0040A043')[0], '00080100')).toBe('121071'); // coded values are not digit-run cleaned
    }
  });

  it('Retain UIDs keeps UIDs; default replaces them', () => {
    const kept = run(ctImage(), { profile: { ...CONSULT_PROFILE, retainUIDs: true } });
    expect(first(kept.out, '0020000E')).toBe('1.2.392.200036.9116.2.1.1');
    expect(kept.report.methodCodes).toContain('113110');
    expect(first(run(ctImage()).out, '0020000E')).toBe(replaceUid(secret, '1.2.392.200036.9116.2.1.1'));
  });
});

describe('deidentify: private tags (Retain Safe Private, safePrivate.ts)', () => {
  const privates: DicomDataset = {
    '00190010': el('LO', 'SIEMENS MR HEADER'),
    '0019100C': el('IS', '1000'),
    '0019100D': el('CS', 'DIRECTIONAL'),
    '00191008': el('CS', 'IMAGE NUM 4'),
    '00191020': el('LO', 'Trần Thị Mai'),
    '00290010': el('LO', 'SIEMENS CSA HEADER'),
    '00291010': el('OB', new Uint8Array([1, 2, 3, 4]).buffer),
    '00410010': el('LO', 'NESTED'),
    '00411001': el('SQ', { '00410010': el('LO', 'NESTED'), '00411002': el('LO', 'Trần Thị Mai') }),
  };
  it('removes every private element by default, at every depth', () => {
    const ds = ctImage({ ...privates, '00081111': el('SQ', { ...privates, '00081155': el('UI', '1.2.3') }) });
    const { out } = run(ds);
    walk(out, (tag, _e, path) => expect(parseInt(tag.slice(0, 4), 16) % 2, path).toBe(0));
  });
  it('keeps only listed safe private elements (with their creator) under Retain Safe Private', () => {
    const { out, report } = run(ctImage(privates), { profile: { ...CONSULT_PROFILE, retainSafePrivate: true } });
    const priv = Object.keys(out).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1).sort();
    expect(priv).toEqual(['00190010', '0019100C', '0019100D']);
    expect(Number(first(out, '0019100C'))).toBe(1000);
    expect(report.methodCodes).toContain('113111');
    expect(report.entries.find((e) => e.path === '(0019,100C)')?.rule).toMatch(/b-value/);
  });
  it('does not keep a safe element whose block belongs to another creator', () => {
    const ds = ctImage({ '00190010': el('LO', 'OTHER VENDOR'), '0019100C': el('IS', '1000') });
    const { out } = run(ds, { profile: { ...CONSULT_PROFILE, retainSafePrivate: true } });
    expect(out['0019100C']).toBeUndefined();
  });
});

describe('deidentify: wildcard groups (curves 50xx, overlays 60xx)', () => {
  const graphics: DicomDataset = {
    '60000010': el('US', 2),
    '60000011': el('US', 2),
    '60000022': el('LO', 'Overlay: Trần Thị Mai'),
    '60000040': el('CS', 'G'),
    '60000050': el('SS', 1, 1),
    '60000100': el('US', 1),
    '60000102': el('US', 0),
    '60003000': el('OW', new Uint8Array([0xff, 0, 0, 0]).buffer),
    '60024000': el('LT', 'comment BN0099887'),
    '50000005': el('US', 1),
    '50000010': el('US', 2),
    '50000020': el('CS', 'POLY'),
    '50002500': el('LO', 'Trần Thị Mai'),
    '50003000': el('OW', new Uint16Array([1, 2]).buffer),
  };
  it.each([
    ['Basic', BASIC_PROFILE],
    ['Clean Graphics', CONSULT_PROFILE],
  ])('removes (6000,3000) overlay data with its group and all (5000,xxxx) curve data (%s)', (_name, profile) => {
    const { out, report } = run(ctImage(graphics), { profile });
    for (const tag of Object.keys(out)) {
      expect(tag.startsWith('5000') || tag.startsWith('6000')).toBe(false);
    }
    expect(report.entries.find((e) => e.path === '(6000,3000)')?.rule).toMatch(/60XX,3000/);
    expect(report.entries.find((e) => e.path === '(5000,3000)')?.rule).toMatch(/50XX,XXXX/);
  });
  it('cleans Overlay Comments (60xx,4000) under Clean Graphics and removes them under Basic', () => {
    expect(first(run(ctImage(graphics)).out, '60024000')).toBe('comment');
    expect(run(ctImage(graphics), { profile: BASIC_PROFILE }).out['60024000']).toBeUndefined();
  });
});

describe('deidentify: identity, meta, method codes', () => {
  it('writes the pseudonym as Patient Name and ID and nothing of the patient survives (G-2.3)', () => {
    const { out, part10: bytes, input, report } = run(ctImage());
    expect(first(out, '00100010')).toEqual({ Alphabetic: 'HC-2026-0007' });
    expect(first(out, '00100020')).toBe('HC-2026-0007');
    const scan = leakScan(bytes, identityOf(readPart10(input).dataset));
    expect(scan.hits).toEqual([]);
    expect(report.leakScan?.clean).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/Mai|BN0099887|0912345678|19750412/i);
  });

  it('sets Patient Identity Removed, De-identification Method and its CID 7050 codes', () => {
    const { out } = run(ctImage(), { pixels: { cleanPixelData: true } });
    expect(first(out, '00120062')).toBe('YES');
    expect(out['00120063']?.Value?.join(' ')).toMatch(/Basic Profile.*Clean Pixel Data.*Retain Patient Characteristics/);
    const codes = items(out, '00120064').map((i) => [first(i, '00080100'), first(i, '00080102')]);
    expect(codes).toEqual([
      ['113100', 'DCM'],
      ['113101', 'DCM'],
      ['113103', 'DCM'],
      ['113104', 'DCM'],
      ['113105', 'DCM'],
      ['113107', 'DCM'],
      ['113108', 'DCM'],
    ]);
    const plain = items(run(ctImage()).out, '00120064').map((i) => first(i, '00080100'));
    expect(plain).not.toContain('113101');
    expect(plain).not.toContain('113102');
  });

  it('rewrites the File Meta Information', () => {
    const { out, meta, report } = run(ctImage());
    expect(first(meta, '00020003')).toBe(first(out, '00080018'));
    expect(report.sopInstanceUid).toBe(first(out, '00080018'));
    expect(first(meta, '00020002')).toBe(SOP.ct);
    expect(first(meta, '00020012')).toBe(IMPLEMENTATION_CLASS_UID);
    expect(first(meta, '00020013')).toBe(IMPLEMENTATION_VERSION_NAME);
    expect(first(meta, '00020010')).toBe(TS.explicitLE);
  });

  it('keeps pixel data bytes identical', () => {
    const { out } = run(ctImage());
    expect(bytesOf(first(out, '7FE00010'))).toEqual(Buffer.from(new Uint16Array([1, 2, 3, 4]).buffer));
  });

  it('is deterministic across runs and keyed by the site secret', () => {
    const a = run(ctImage()).part10;
    const b = run(ctImage()).part10;
    expect(a.equals(b)).toBe(true);
    const c = run(ctImage(), { siteSecret: 'another-site-secret-000' }).part10;
    expect(a.equals(c)).toBe(false);
  });

  it('rejects bad options and non-DICOM input with stable codes', () => {
    expect(() => deidentify(part10(ctImage()), { siteSecret: 'short' })).toThrow(AnonymizerError);
    expect(() => deidentify(part10(ctImage()), { siteSecret: SECRET, pseudonym: 'A\\B' })).toThrow(/pseudonym/);
    expect(() => deidentify(Buffer.from('hello, not dicom at all'), { siteSecret: SECRET })).toThrow(
      expect.objectContaining({ code: 'NOT_DICOM' }),
    );
  });
});

describe('deidentify: consistency across the files of a case', () => {
  const study = '1.2.840.99.1';
  const series = '1.2.840.99.1.1';
  const image = '1.2.840.99.1.1.1';
  const frame = '1.2.840.99.1.9';
  const img = ctImage({
    '0020000D': el('UI', study),
    '0020000E': el('UI', series),
    '00080018': el('UI', image),
    '00200052': el('UI', frame),
  });
  const sr: DicomDataset = {
    '00080016': el('UI', SOP.comprehensiveSR),
    '00080018': el('UI', '1.2.840.99.1.2.1'),
    '0020000D': el('UI', study),
    '0020000E': el('UI', '1.2.840.99.1.2'),
    '00080020': el('DA', '20240316'),
    '00100010': el('PN', { Alphabetic: 'Trần^Thị Mai' }),
    '00100020': el('LO', 'BN0099887'),
    '0040A375': el('SQ', {
      '0020000D': el('UI', study),
      '00081115': el('SQ', {
        '0020000E': el('UI', series),
        '00081199': el('SQ', { '00081150': el('UI', SOP.ct), '00081155': el('UI', image) }),
      }),
    }),
    '0040A730': el('SQ', {
      '0040A040': el('CS', 'IMAGE'),
      '00081199': el('SQ', { '00081150': el('UI', SOP.ct), '00081155': el('UI', image) }),
    }),
    '30060010': el('SQ', { '00200052': el('UI', frame) }),
  };

  it('maps an SR/RT reference to the same new UID as the image it references', () => {
    const outImg = run(img).out;
    const outSr = run(sr).out;
    const evidence = items(outSr, '0040A375')[0];
    const refSeries = items(evidence, '00081115')[0];
    expect(first(evidence, '0020000D')).toBe(first(outImg, '0020000D'));
    expect(first(refSeries, '0020000E')).toBe(first(outImg, '0020000E'));
    expect(first(items(refSeries, '00081199')[0], '00081155')).toBe(first(outImg, '00080018'));
    expect(first(items(items(outSr, '0040A730')[0], '00081199')[0], '00081155')).toBe(first(outImg, '00080018'));
    expect(first(items(outSr, '30060010')[0], '00200052')).toBe(first(outImg, '00200052'));
  });

  it('applies the same date shift to every file of the patient', () => {
    const a = run(img).report.dateShiftDays;
    const b = run(sr).report.dateShiftDays;
    expect(a).toBe(b);
    expect(run(ctImage({ '00100020': el('LO', 'OTHER-PATIENT-42') })).report.dateShiftDays).not.toBe(a);
  });
});

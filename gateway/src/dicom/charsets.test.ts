import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { charsetDecoder, decodeText, normalizeName, parseCharsets, parseInstance } from './index.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(`${DIR}/MANIFEST.tsv`);
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const decode = (raw: string, charset: string, pn = true): string => charsetDecoder(charset).decode(bytes(raw), pn);

interface Dcmjs {
  log: { setLevel(level: string): void };
  data: { datasetToDict(ds: Record<string, unknown>): { write(): ArrayBuffer } };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');

describe('Specific Character Set fixtures', () => {
  it('ISO 2022 IR 87 (Japanese, escape sequences): the three PN component groups', () => {
    const p = parseInstance(readFileSync(`${DIR}/charset_chrH31_iso2022_jp.dcm`));
    expect(JSON.parse(p.json.metadata)['00100010'].Value[0]).toEqual({ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' });
    expect(p.fields.patientName).toBe('Yamada^Tarou');
    expect(p.fields.specificCharacterSet).toBe('\\ISO 2022 IR 87');
  });

  it('ISO_IR 192 (UTF-8, Chinese)', () => {
    const p = parseInstance(readFileSync(`${DIR}/charset_chrX1_utf8.dcm`));
    expect(JSON.parse(p.json.metadata)['00100010'].Value[0]).toEqual({ Alphabetic: 'Wang^XiaoDong', Ideographic: '王^小東' });
    expect(p.fields.patientName).toBe('Wang^XiaoDong');
  });
});

describe('decoding by Specific Character Set', () => {
  it('round-trips a Vietnamese UTF-8 name written by dcmjs, and folds it for matching', () => {
    const sop = '1.2.826.0.1.3680043.8.498.10';
    const file = Buffer.from(dcmjs.data.datasetToDict({
      SpecificCharacterSet: 'ISO_IR 192', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: sop,
      StudyInstanceUID: '1.2.826.0.1.3680043.8.498.11', SeriesInstanceUID: '1.2.826.0.1.3680043.8.498.12',
      PatientName: 'NGUYỄN^VĂN^A', StudyDescription: 'Chụp cắt lớp', ReferringPhysicianName: 'TRẦN^ĐỨC',
      _meta: { MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.7', MediaStorageSOPInstanceUID: sop, TransferSyntaxUID: '1.2.840.10008.1.2.1' },
    }).write());
    const p = parseInstance(file);
    expect(p.fields.patientName).toBe('NGUYỄN^VĂN^A');
    expect(p.fields.studyDescription).toBe('Chụp cắt lớp');
    expect(JSON.parse(p.json.study)['00100010'].Value[0]).toEqual({ Alphabetic: 'NGUYỄN^VĂN^A' });
    expect(normalizeName(p.fields.patientName!)).toBe('NGUYEN VAN A');
    expect(normalizeName(p.fields.referringPhysicianName!)).toBe('TRAN DUC');
  });

  it('single-byte sets', () => {
    expect(decode('Buc^J\xe9r\xf4me', 'ISO_IR 100')).toBe('Buc^Jérôme');
    expect(decode('Buc^J\xe9r\xf4me', '')).toBe('Buc^Jérôme'); // default repertoire, read as latin1
    expect(decode('\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2', 'ISO_IR 126')).toBe('Διονυσιος');
    expect(decode('\xbb\xee\xdace\xdc\xd1yp\xd3', 'ISO_IR 144')).toBe('Люкceмбypг');
    expect(decode('\xe0\xe9\xf0\xe1', 'ISO_IR 138')).toBe('אינב');
    expect(decode('\xa1\xa2', 'ISO_IR 166')).toBe('กข');
    expect(decode('Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=', 'GB18030')).toBe('Wang^XiaoDong=王^小东=');
    expect(decode('Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=', 'GBK')).toBe('Wang^XiaoDong=王^小东=');
    expect(decode('\xd4\xcf\xc0\xde^\xc0\xdb\xb3', 'ISO_IR 13')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ');
    expect(decode('Nguy\xe1\xbb\x85n', 'ISO_IR 192')).toBe('Nguyễn');
  });

  it('ISO 2022 Japanese: JIS X 0201 katakana in G1 with JIS X 0208 (PS3.5 H.3.1)', () => {
    const raw = '\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B%d%^%@\x1b(J^\x1b$B%?%m%&\x1b(J';
    expect(decode(raw, 'ISO 2022 IR 13\\ISO 2022 IR 87')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=ヤマダ^タロウ');
  });

  it('ISO 2022 Japanese: JIS X 0212 supplementary kanji', () => {
    // ESC $ ( D, then 0x3021 (丂 in JIS X 0212, EUC-JP 8F B0 A1)
    expect(decode('A=\x1b$(D0!\x1b(B', '\\ISO 2022 IR 159')).toBe('A=丂');
  });

  it('ISO 2022 Korean (PS3.5 I.2): one designation per component group, kept across ^', () => {
    const raw = 'Hong^Gildong=\x1b$)C\xfb\xf3^\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\xb1\xe6\xb5\xbf';
    expect(decode(raw, '\\ISO 2022 IR 149')).toBe('Hong^Gildong=洪^吉洞=홍^길동');
  });

  it('ISO 2022 Chinese GB 2312 (PS3.5 K.2)', () => {
    const raw = 'Zhang^XiaoDong=\x1b$)A\xd5\xc5^\xd0\xa1\xb6\xab=';
    expect(decode(raw, '\\ISO 2022 IR 58')).toBe('Zhang^XiaoDong=张^小东=');
  });

  it('ISO 2022 with several single-byte sets switched by escapes', () => {
    expect(decode('a\xe9\x1b-L\xbb\xee\\b\xe9', 'ISO 2022 IR 100\\ISO 2022 IR 144', false)).toBe('aéЛю\\bé');
  });

  it('backslash and = restart the first set; a multi-byte run may contain those bytes', () => {
    // 0x3D3D ("=" twice) is a JIS X 0208 kanji: it must not split the group.
    expect(decode('\x1b$B==\x1b(B=x', '\\ISO 2022 IR 87')).toBe(`${new TextDecoder('euc-jp').decode(Uint8Array.from([0xbd, 0xbd]))}=x`);
    expect(decode('\x1b$B;3\x1b(B\\\x1b$BED\x1b(B', '\\ISO 2022 IR 87', false)).toBe('山\\田');
    // Control characters cannot be part of a two-byte code: they end the run and restart the first set.
    expect(decode('\x1b$B;3\r\nAB', '\\ISO 2022 IR 87', false)).toBe('山\r\nAB');
  });

  it('tolerates misspelled terms and keeps the older API', () => {
    expect(parseCharsets('\\ISO 2022 IR 87')).toEqual(['', 'ISO 2022 IR 87']);
    expect(parseCharsets('ISO-IR 100')).toEqual(['ISO_IR 100']);
    expect(parseCharsets(undefined)).toEqual(['']);
    expect(decodeText(bytes('J\xe9r\xf4me'), parseCharsets('ISO_IR100'))).toBe('Jérôme');
    expect(decode('\xe9', 'ISO_IR 999')).toBe('é'); // unknown term: latin1
  });
});

describe('normalizeName', () => {
  it('folds case, Vietnamese marks, đ and PN separators', () => {
    expect(normalizeName('nguyen van a')).toBe('NGUYEN VAN A');
    expect(normalizeName('NGUYỄN^VĂN^A')).toBe('NGUYEN VAN A');
    expect(normalizeName('Đặng^Thị^Ngọc  Hà')).toBe('DANG THI NGOC HA');
    expect(normalizeName('  Trần^Đức^^^ ')).toBe('TRAN DUC');
    expect(normalizeName('Müller=Müller')).toBe('MULLER MULLER');
    expect(normalizeName('ngu*')).toBe('NGU*');
  });

  it('leaves scripts without Latin marks alone (voiced kana stay voiced, Hangul stays whole)', () => {
    expect(normalizeName('やまだ^たろう')).toBe('やまだ たろう');
    expect(normalizeName('홍^길동')).toBe('홍 길동');
  });
});

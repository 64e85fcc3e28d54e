import { describe, expect, it } from 'vitest';
import { readDataset, textOf, writeDataset, type Element } from './dataset.js';
import { answerFor, parseIdentifier } from './identifier.js';
import { datasetOffset, fileMetaPrefix } from './part10.js';

const el = (tag: number, vr: string, text: string): Element => ({ tag, vr, value: Buffer.from(text, 'utf8') });

describe('identifier datasets', () => {
  const ident: Element[] = [
    el(0x00080052, 'CS', 'STUDY'),
    el(0x00100010, 'PN', 'DOE*'),
    el(0x00100020, 'LO', ''),
    el(0x00080020, 'DA', '20240101-20241231'),
    el(0x0020000d, 'UI', ''),
    { tag: 0x00400275, vr: 'SQ', value: null, items: [[el(0x00400009, 'SH', 'SPS1'), el(0x00401001, 'SH', '')]] },
    el(0x00201208, 'IS', ''),
  ];

  for (const explicit of [true, false]) {
    it(`round-trips (${explicit ? 'explicit' : 'implicit'} VR) including a sequence`, () => {
      const bytes = writeDataset(ident, explicit);
      const back = readDataset(bytes, explicit);
      expect(back.map((e) => [e.tag, e.vr])).toEqual([...ident].sort((a, b) => a.tag - b.tag).map((e) => [e.tag, e.vr]));
      const sq = back.find((e) => e.tag === 0x00400275)!;
      expect(textOf(sq.items![0]![0], false)).toBe('SPS1');
      expect(writeDataset(back, explicit)).toEqual(bytes);
    });
  }

  it('reads undefined-length sequences and items (implicit VR)', () => {
    const b = Buffer.concat([
      Buffer.from([0x40, 0, 0x75, 0x02, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x40, 0, 0x09, 0, 4, 0, 0, 0]), Buffer.from('SPS2'),
      Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]),
      Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
      Buffer.from([0x10, 0, 0x20, 0, 2, 0, 0, 0]), Buffer.from('P1'),
    ]);
    const ds = readDataset(b, false);
    expect(ds.map((e) => e.vr)).toEqual(['SQ', 'LO']);
    expect(textOf(ds[0]!.items![0]![0], false)).toBe('SPS2');
  });

  it('maps keys to QIDO filters and return keys', () => {
    const p = parseIdentifier(ident);
    expect(p.level).toBe('STUDY');
    expect(p.filters.map((f) => [f.attr.keyword, f.value])).toEqual([
      ['PatientName', 'DOE*'], ['StudyDate', '20240101-20241231'],
    ]);
    expect(p.keys.length).toBe(6);
    const series = parseIdentifier([el(0x00080052, 'CS', 'SERIES'), { tag: 0x00400275, vr: 'SQ', value: null, items: [[el(0x00400009, 'SH', 'SPS1')]] }, el(0x00080060, 'CS', '*')]);
    expect(series.filters.map((f) => f.attr.keyword)).toEqual(['RequestAttributesSequence.ScheduledProcedureStepID']);
  });

  it('answers only the asked keys, empty when unknown, with UTF-8 when needed', () => {
    const p = parseIdentifier(ident);
    const a = answerFor(p.keys, {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'NGUYỄN^VĂN' }] },
      '00100020': { vr: 'LO', Value: ['P1'] },
      '00100030': { vr: 'DA', Value: ['19700101'] },
      '00201208': { vr: 'IS', Value: [12] },
    }, 'STUDY');
    const byTag = new Map(a.map((e) => [e.tag, e]));
    expect(textOf(byTag.get(0x00100010), true)).toBe('NGUYỄN^VĂN');
    expect(textOf(byTag.get(0x00201208), true)).toBe('12');
    expect(byTag.get(0x0020000d)!.value!.length).toBe(0);
    expect(byTag.has(0x00100030)).toBe(false);
    expect(textOf(byTag.get(0x00080005), false)).toBe('ISO_IR 192');
    expect(textOf(byTag.get(0x00080052), false)).toBe('STUDY');
  });
});

describe('file meta', () => {
  it('builds a preamble + group 0002 that datasetOffset skips exactly', () => {
    const meta = fileMetaPrefix('1.2.840.10008.5.1.4.1.1.2', '1.2.3', '1.2.840.10008.1.2.1', 'MOD1');
    expect(meta.toString('latin1', 128, 132)).toBe('DICM');
    const ds = Buffer.from([0x08, 0, 0x16, 0, 0x55, 0x49, 2, 0, 0x31, 0]);
    const file = Buffer.concat([meta, ds]);
    expect(datasetOffset(file)).toBe(meta.length);
    expect(meta.readUInt32LE(140)).toBe(meta.length - 144);
    expect(datasetOffset(ds)).toBe(0);
  });
});

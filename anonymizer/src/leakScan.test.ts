import { describe, expect, it } from 'vitest';
import { leakScan, pixelDataRange } from './leakScan.js';
import { el, part10, SOP } from './testing/build.js';

const identity = {
  names: ['Nguyễn^Thị Ánh Tuyết'],
  ids: ['BN-2024-00123', 'CCCD079188001234'],
  birthDate: '19880214',
  other: ['12 Lê Lợi, Quận 1', 'Bệnh viện Chợ Rẫy'],
};

function file(extra: Record<string, ReturnType<typeof el>>): Buffer {
  return part10({
    '00080005': el('CS', 'ISO_IR 192'),
    '00080016': el('UI', SOP.ct),
    '00080018': el('UI', '2.25.1'),
    '00100010': el('PN', { Alphabetic: 'HC-2026-0001' }),
    '7FE00010': el('OW', new Uint8Array([0x54, 0x55, 0x59, 0x45, 0x54, 0x20, 0x41, 0x4e]).buffer), // "TUYET AN"
    ...extra,
  });
}

describe('leakScan: the pack gate (G-2.3)', () => {
  it('passes a clean file (and ignores the pixel data bytes)', () => {
    const r = leakScan(file({ '00081030': el('LO', 'CT ngực') }), identity);
    expect(r.hits).toEqual([]);
    expect(r.clean).toBe(true);
  });

  it.each([
    ['a name part without diacritics, lower case', { '00081030': el('LO', 'ct nguc - tuyet') }, 'name'],
    ['a name in a nested sequence', { '00081032': el('SQ', { '00080104': el('LO', 'x'), '0040A730': el('SQ', { '0040A160': el('UT', 'Bà Ánh nói') }) }) }, 'name'],
    ['a name in a private tag', { '00090010': el('LO', 'ACME'), '00091001': el('LO', 'NGUYEN THI') }, 'name'],
    ['a name in a private binary blob', { '00090010': el('LO', 'ACME'), '00091002': el('OB', Buffer.from('\x01\x02NGUYEN\x00').buffer) }, 'name'],
    ['an ID written differently', { '00204000': el('LT', 'so benh an bn 2024 00123') }, 'id'],
    ['the birth date as dd/mm/yyyy', { '00204000': el('LT', 'sinh 14/02/1988') }, 'birthDate'],
    ['the address', { '00204000': el('LT', 'dia chi: 12 Le Loi, quan 1') }, 'other'],
    ['the institution', { '00081040': el('LO', 'BENH VIEN CHO RAY') }, 'other'],
  ] as const)('finds %s', (_what, extra, kind) => {
    const r = leakScan(file(extra), identity);
    expect(r.clean).toBe(false);
    expect(r.hits.some((h) => h.kind === kind)).toBe(true);
    expect(JSON.stringify(r)).not.toMatch(/tuyet|nguyen|00123|1988/i); // hits never carry the value
  });

  it('finds identity in the File Meta Information and in the preamble (byte pass)', () => {
    const f = file({});
    f.write('NGUYEN THI ANH TUYET', 10, 'latin1');
    const r = leakScan(f, identity);
    expect(r.hits.some((h) => h.where === 'bytes')).toBe(true);
  });

  it('finds UTF-8 Vietnamese text in the byte pass', () => {
    const f = file({});
    f.write('Nguyễn Ánh Tuyết', 4, 'utf8');
    expect(leakScan(f, identity).hits.filter((h) => h.where === 'bytes').length).toBeGreaterThan(0);
  });

  it('reports an unreadable file as not clean', () => {
    const r = leakScan(Buffer.from('not dicom'), identity);
    expect(r.clean).toBe(false);
    expect(r.parseError).toMatch(/not a DICOM/);
  });

  it('locates native and encapsulated pixel data', () => {
    const native = file({});
    const range = pixelDataRange(native);
    expect(range).toBeDefined();
    expect(native.subarray(range![1] - 8, range![1]).toString('latin1')).toBe('TUYET AN');
    const enc = part10(
      { '00080016': el('UI', SOP.ct), '7FE00010': el('OB', new ArrayBuffer(0), new Uint8Array([1, 2, 3, 4]).buffer) },
      '1.2.840.10008.1.2.4.50',
    );
    expect(pixelDataRange(enc)?.[1]).toBe(enc.length);
  });
});

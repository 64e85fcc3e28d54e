/**
 * Property test (issue 4 §8, G-2.3) with fast-check: the patient's identity planted anywhere in a random dataset —
 * random standard and private tags, nested (private) sequences up to depth 4, odd VRs (UN, OB, UC, UR, AE, UT),
 * ISO_IR 100 or UTF-8 text, and the File Meta Information — never survives de-identification: the leak gate finds
 * nothing, and a plain byte search for the ID and phone digits finds nothing either. fast-check prints the seed and
 * the shrunk dataset of a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deidentify } from './deidentify.js';
import { type DicomDataset, type DicomElement, readPart10, writePart10 } from './dicom/io.js';
import { identityOf } from './identity.js';
import { leakScan } from './leakScan.js';
import { BASIC_PROFILE, CONSULT_PROFILE } from './profile/options.js';
import { el, SECRET, SOP } from './testing/build.js';

const ID = 'BN0099887';
const PHONE = '0912345678';
/** Forms of the identity as people type them; the Latin-1 ones can be written under ISO_IR 100. */
const LATIN1_FORMS = ['TRAN THI MAI', 'Tran^Thi Mai', 'ba Mai', ID, 'ma BN 0099887', '12/04/1975', '19750412', '0912 345 678', PHONE, '12 Le Loi'];
const UTF8_FORMS = [...LATIN1_FORMS, 'Trần Thị Mai', 'TRẦN THỊ MAI', '12 Lê Lợi, Phường Đề Thám', 'bệnh nhân Mai'];
const FILLER = ['U gan phải 35 x 42 mm', 'CT bung co thuoc', 'AXIAL', 'chest PA', 'Ghi chú', ''];

const TEXT_VRS = ['LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'PN', 'CS', 'AE', 'UR'] as const;
const BINARY_VRS = ['UN', 'OB'] as const;
/** Tags never planted: structure the writer needs (meta, charset, pixel data, delimiters) and group 0000. */
const RESERVED = (g: number, e: number): boolean =>
  g < 0x0008 || g === 0xfffe || g === 0x7fe0 || (g === 0x0008 && (e === 0x0005 || e === 0x0016 || e === 0x0018)) || e === 0x0000 || g === 0x0028;

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** At most 16 characters, cut at a word boundary (a token cut in half is not the planted identity any more). */
function short(s: string): string {
  if (s.length <= 16) return s;
  const cut = s.slice(0, 17).lastIndexOf(' ');
  return s.slice(0, cut > 0 ? cut : 16);
}

function textFor(vr: string, phrase: string, filler: string): string {
  const s = `${filler} ${phrase}`.trim();
  if (vr === 'AE' || vr === 'SH') return short(phrase);
  if (vr === 'CS') return short(phrase.toUpperCase().replace(/[^A-Z0-9 _]/g, ' '));
  if (vr === 'UR') return `http://example.org/${encodeURIComponent(s)}`;
  return s;
}

/** One planted element: random tag (standard, unknown even, or private with its creator), VR and text. */
function elementArb(forms: readonly string[]): fc.Arbitrary<[string, DicomElement][]> {
  return fc
    .record({
      privateGroup: fc.boolean(),
      group: fc.integer({ min: 0x0004, max: 0x7ffe }),
      element: fc.integer({ min: 0x0001, max: 0xffff }),
      vr: fc.constantFrom<string>(...TEXT_VRS, ...BINARY_VRS),
      phrase: fc.constantFrom(...forms),
      filler: fc.constantFrom(...FILLER),
    })
    .map(({ privateGroup, group, element, vr, phrase, filler }) => {
      const text = textFor(vr, phrase, filler);
      if (privateGroup) {
        const g = group | 1;
        const block = 0x10 + (element % 0xf0);
        const tag = `${hex4(g)}${hex4((block << 8) | (element & 0xff))}`;
        const creator: [string, DicomElement] = [`${hex4(g)}00${block.toString(16).toUpperCase().padStart(2, '0')}`, el('LO', 'HIS PRIVATE')];
        const value = vr === 'PN' ? el('PN', { Alphabetic: text }) : BINARY_VRS.includes(vr as 'UN') ? el(vr, Buffer.from(`${text} `, 'utf8').buffer) : el(vr, text);
        return [creator, [tag, value]];
      }
      const g = group & ~1;
      if (RESERVED(g, element)) return [];
      const value = vr === 'PN' ? el('PN', { Alphabetic: text }) : BINARY_VRS.includes(vr as 'UN') ? el(vr, Buffer.from(`${text} `, 'utf8').buffer) : el(vr, text);
      return [[`${hex4(g)}${hex4(element)}`, value]];
    });
}

function datasetArb(forms: readonly string[], depth: number): fc.Arbitrary<DicomDataset> {
  const leaf = fc.array(elementArb(forms), { minLength: 1, maxLength: 5 }).map((els) => Object.fromEntries(els.flat()) as DicomDataset);
  if (depth === 0) return leaf;
  return fc
    .tuple(
      leaf,
      fc.array(
        fc.tuple(
          fc.constantFrom('00081032', '00400260', '0040A730', '00089121', '00091010', '00291020'),
          fc.array(datasetArb(forms, depth - 1), { minLength: 1, maxLength: 2 }),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([ds, seqs]) => {
      const out: DicomDataset = { ...ds };
      for (const [tag, itemsOf] of seqs) {
        if (tag.startsWith('0009')) out['00090010'] = el('LO', 'HIS PRIVATE');
        if (tag.startsWith('0029')) out['00290010'] = el('LO', 'SIEMENS CSA HEADER');
        out[tag] = el('SQ', ...itemsOf);
      }
      return out;
    });
}

const caseArb = fc.oneof(
  fc.record({ charset: fc.constant('ISO_IR 192'), ds: datasetArb(UTF8_FORMS, 4), sop: fc.constantFrom(SOP.ct, SOP.comprehensiveSR, SOP.enhancedCT) }),
  fc.record({ charset: fc.constant('ISO_IR 100'), ds: datasetArb(LATIN1_FORMS, 3), sop: fc.constantFrom(SOP.ct, SOP.mr) }),
);

function file(c: { charset: string; ds: DicomDataset; sop: string }, n: number): Buffer {
  const ds: DicomDataset = {
    ...c.ds,
    '00080005': el('CS', c.charset),
    '00080016': el('UI', c.sop),
    '00080018': el('UI', `1.2.826.0.1.3680043.10.9.${n}`),
    '00100010': el('PN', { Alphabetic: c.charset === 'ISO_IR 192' ? 'Trần^Thị Mai' : 'Tran^Thi Mai' }),
    '00100020': el('LO', ID),
    '00100030': el('DA', '19750412'),
    '00102154': el('SH', PHONE),
  };
  // identity in the File Meta Information too: source AE title and private meta information
  const meta: DicomDataset = {
    '00020001': el('OB', new Uint8Array([0, 1]).buffer),
    '00020002': el('UI', c.sop),
    '00020003': el('UI', `1.2.826.0.1.3680043.10.9.${n}`),
    '00020010': el('UI', '1.2.840.10008.1.2.1'),
    '00020012': el('UI', '1.2.3.4'),
    '00020016': el('AE', 'MAI TRAN PC'),
    '00020100': el('UI', '1.2.3.4.5'),
    '00020102': el('OB', Buffer.from(`patient ${ID} ${PHONE} `).buffer),
  };
  return writePart10(meta, ds);
}

describe('planted PHI, random datasets (fast-check)', () => {
  it.each([
    ['consult', CONSULT_PROFILE],
    ['basic', BASIC_PROFILE],
  ] as const)('profile %s: zero leaks', (_name, profile) => {
    let n = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const input = file(c, n++);
        const source = readPart10(input);
        const identity = identityOf(source.dataset);
        const { part10: out } = deidentify(input, { siteSecret: SECRET, pseudonym: 'HC-2026-0001', profile });
        expect(leakScan(out, identity).hits).toEqual([]);
        const raw = out.toString('latin1').replace(/[\s.\-/]/g, '');
        expect(raw.includes('0099887')).toBe(false);
        expect(raw.includes(PHONE)).toBe(false);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 80), seed: Number(process.env.FC_SEED ?? 20261126) },
    );
  });
});

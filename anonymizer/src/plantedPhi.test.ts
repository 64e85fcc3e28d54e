/**
 * Property test (issue 4 §8): PHI planted in random places of random datasets (nested sequences, private tags,
 * UN, coded values, other character sets) is never found in the output by the leak gate (G-2.3).
 */
import { describe, expect, it } from 'vitest';
import { deidentify } from './deidentify.js';
import { type DicomDataset, readPart10 } from './dicom/io.js';
import { identityOf } from './identity.js';
import { leakScan } from './leakScan.js';
import { BASIC_PROFILE, CONSULT_PROFILE, type ProfileOptions } from './profile/options.js';
import { el, part10, SECRET, SOP } from './testing/build.js';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATIENT = { name: 'Trần^Thị Mai', id: 'BN0099887', birth: '19750412', address: '12 Lê Lợi, Phường Đề Thám', phone: '0912345678' };

const FORMS = [
  'Trần Thị Mai',
  'TRAN THI MAI',
  'bà mai',
  'tran^thi^mai',
  'BN0099887',
  'ma BN 0099887',
  '12/04/1975',
  '1975-04-12',
  '12 Le Loi, Phuong De Tham',
  '0912345678',
  '0912 345 678',
];

/** Places where text can be planted: [tag, VR]; some in the table, most not. */
const SLOTS: [string, string][] = [
  ['00080070', 'LO'], // Manufacturer (not in E.1-1)
  ['00081090', 'LO'], // Manufacturer's Model Name
  ['00080104', 'LO'], // Code Meaning
  ['00080102', 'SH'], // Coding Scheme Designator (coded)
  ['00081030', 'LO'], // Study Description (C)
  ['0008103E', 'LO'], // Series Description (C)
  ['00204000', 'LT'], // Image Comments (C)
  ['00181030', 'LO'], // Protocol Name (X/D, C)
  ['00102000', 'LO'], // Medical Alerts (X)
  ['00104000', 'LT'], // Patient Comments (X / C)
  ['0040A160', 'UT'], // Text Value
  ['00700006', 'ST'], // Unformatted Text Value
  ['00081070', 'PN'], // Operators' Name
  ['0040A123', 'PN'], // Person Name
  ['00180015', 'CS'], // Body Part Examined (coded)
  ['00091001', 'LO'], // private
  ['00191003', 'UN'], // private, unknown VR
  ['00EE1000', 'UN'], // even group, not in the dictionary
];
const SEQUENCES = ['00081032', '00400260', '00082218', '0040A730', '00700001', '00400275', '00089121'];

function plant(r: () => number, depth = 0): DicomDataset {
  const ds: DicomDataset = {};
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    if (depth < 3 && r() < 0.35) {
      const seq = SEQUENCES[Math.floor(r() * SEQUENCES.length)];
      ds[seq] = el('SQ', plant(r, depth + 1));
      continue;
    }
    const [tag, vr] = SLOTS[Math.floor(r() * SLOTS.length)];
    const text = FORMS[Math.floor(r() * FORMS.length)];
    if (tag.startsWith('0009')) ds['00090010'] = el('LO', 'ACME HIS');
    if (tag.startsWith('0019')) ds['00190010'] = el('LO', 'SIEMENS MR HEADER');
    ds[tag] =
      vr === 'PN' ? el('PN', { Alphabetic: text }) : vr === 'UN' ? el('UN', Buffer.from(`${text} `, 'utf8').buffer) : el(vr, text);
  }
  return ds;
}

function dataset(seed: number): DicomDataset {
  const r = rng(seed);
  return {
    '00080005': el('CS', 'ISO_IR 192'),
    '00080016': el('UI', r() < 0.5 ? SOP.ct : SOP.comprehensiveSR),
    '00080018': el('UI', `1.2.826.0.1.3680043.10.${seed}`),
    '00080020': el('DA', '20240105'),
    '00100010': el('PN', { Alphabetic: PATIENT.name }),
    '00100020': el('LO', PATIENT.id),
    '00100030': el('DA', PATIENT.birth),
    '00101040': el('LO', PATIENT.address),
    '00102154': el('SH', PATIENT.phone),
    ...plant(r),
  };
}

describe('planted PHI never survives (G-2.3)', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => 1000 + i);
  it.each([
    ['consult', CONSULT_PROFILE],
    ['basic', BASIC_PROFILE],
    ['consult + retain device/institution/safe private', { ...CONSULT_PROFILE, retainDeviceIdentity: true, retainSafePrivate: true }],
  ] as [string, ProfileOptions][])('profile %s', (_name, profile) => {
    for (const seed of seeds) {
      const input = part10(dataset(seed));
      const identity = identityOf(readPart10(input).dataset);
      const { part10: out } = deidentify(input, { siteSecret: SECRET, pseudonym: 'HC-2026-0001', profile });
      const scan = leakScan(out, identity);
      expect(scan.hits, `seed ${seed}`).toEqual([]);
    }
  });
});

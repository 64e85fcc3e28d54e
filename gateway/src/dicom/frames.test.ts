import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getFrames, readBulk, readDataset } from './index.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(`${DIR}/MANIFEST.tsv`);
const load = (file: string): Buffer => readFileSync(`${DIR}/${file}`);

type DcmjsDict = Record<string, { vr: string; Value?: unknown[] }>;
interface Dcmjs {
  log: { setLevel(level: string): void };
  data: { DicomDict: new (meta: DcmjsDict) => { dict: DcmjsDict; write(): ArrayBuffer } };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');

/** Every fixture with more than one frame (from the manifest), and how its frames are stored. */
const MULTIFRAME: Array<[file: string, frames: number]> = [
  ['CT0012_jpeg_lossless57_frag_nobot.dcm', 2],
  ['US-PAL-8-10x-echo.dcm', 10],
  ['US_multiframe_ybr_burnedin.dcm', 30],
  ['NM-MONO2-16-13x-heart.dcm', 13],
  ['XA_multiframe96_jpeg.dcm', 96],
  ['emri_small.dcm', 10],
  ['SEG_liver.dcm', 3],
  ['RTDOSE_implicit.dcm', 15],
];

const JPEG_SOI = [0xff, 0xd8];

describe('getFrames on the fixtures', () => {
  for (const [file, count] of MULTIFRAME) {
    it(`${file}: ${count} frames, without copying where it can`, () => {
      const bytes = load(file);
      const all = Array.from({ length: count }, (_, i) => i + 1);
      const got = getFrames(bytes, all);
      expect(got.frames.length).toBe(count);
      const ds = readDataset(bytes).dataSet;
      if (!got.encapsulated) {
        // Native: the frames, back to back, are the Pixel Data value (less a padding byte).
        const value = readBulk(bytes, '7FE00010')!;
        const joined = Buffer.concat(got.frames);
        expect(joined.length).toBeLessThanOrEqual(value.length);
        expect(value.length - joined.length).toBeLessThanOrEqual(1);
        expect(joined.equals(value.subarray(0, joined.length))).toBe(true);
        const frameBytes = (ds.uint16('x00280010')! * ds.uint16('x00280011')! * (ds.uint16('x00280002') ?? 1) * ds.uint16('x00280100')!) / 8;
        for (const f of got.frames) {
          expect(f.length).toBe(frameBytes);
          expect(f.buffer).toBe(bytes.buffer);
        }
      } else {
        const fragments = ds.elements.x7fe00010!.fragments!;
        expect(got.frames.reduce((n, f) => n + f.length, 0)).toBe(fragments.reduce((n, f) => n + f.length, 0));
        const rle = got.transferSyntaxUid === '1.2.840.10008.1.2.5';
        for (const f of got.frames) {
          if (rle) expect(f.readUInt32LE(0)).toBeGreaterThanOrEqual(1); // RLE header: segment count
          else expect([...f.subarray(0, 2)]).toEqual(JPEG_SOI);
        }
      }
      // Any order, repeats allowed.
      const some = getFrames(bytes, [count, 1, count]);
      expect(some.frames[0]!.equals(got.frames[count - 1]!)).toBe(true);
      expect(some.frames[1]!.equals(got.frames[0]!)).toBe(true);
      expect(some.frames[2]!.equals(got.frames[count - 1]!)).toBe(true);
    });
  }

  it('XA_multiframe96_jpeg.dcm: frame 1 is a JPEG codestream, a view into the file', () => {
    const bytes = load('XA_multiframe96_jpeg.dcm');
    const got = getFrames(bytes, [1]);
    expect(got.encapsulated).toBe(true);
    expect(got.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    expect([...got.frames[0]!.subarray(0, 2)]).toEqual(JPEG_SOI);
    expect(got.frames[0]!.buffer).toBe(bytes.buffer);
  });

  it('CT0012: 17 fragments, empty offset table, 2 frames found by their start markers', () => {
    const bytes = load('CT0012_jpeg_lossless57_frag_nobot.dcm');
    const px = readDataset(bytes).dataSet.elements.x7fe00010!;
    expect(px.basicOffsetTable).toEqual([]);
    expect(px.fragments!.length).toBeGreaterThan(2);
    const [a, b] = getFrames(bytes, [1, 2]).frames;
    for (const f of [a!, b!]) {
      expect([...f.subarray(0, 2)]).toEqual(JPEG_SOI);
      const end = f.lastIndexOf(Buffer.from([0xff, 0xd9]));
      expect(end).toBeGreaterThan(f.length - 4);
    }
  });

  it('single-frame instances: encapsulated as all fragments, native as the value', () => {
    expect([...getFrames(load('MR_small_jp2klossless.dcm'), [1]).frames[0]!.subarray(0, 2)]).toEqual([0xff, 0x4f]);
    expect(getFrames(load('CT_small.dcm'), [1]).frames[0]!.length).toBe(128 * 128 * 2);
    expect(getFrames(load('SC_rgb_small_odd.dcm'), [1]).frames[0]!.length).toBe(27); // value is 28 with padding
    expect(getFrames(load('image_dfl.dcm'), [1]).frames[0]!.length).toBe(512 * 512);
    const be = getFrames(load('MR_small_bigendian.dcm'), [1]);
    expect(be.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    const le = getFrames(load('MR_small_implicit.dcm'), [1]).frames[0]!;
    expect(be.frames[0]!.readUInt16BE(200)).toBe(le.readUInt16LE(200)); // stored byte order, as the syntax says
  });

  it('frame numbers outside 1..NumberOfFrames, and instances without pixel data, are RangeErrors', () => {
    const bytes = load('NM-MONO2-16-13x-heart.dcm');
    for (const n of [0, 14, -1, 1.5, Number.NaN]) expect(() => getFrames(bytes, [1, n])).toThrow(RangeError);
    expect(() => getFrames(bytes, [14])).toThrow(/frame 14 is outside 1\.\.13/);
    expect(() => getFrames(load('SR_deep_nesting.dcm'), [1])).toThrow(RangeError);
  });
});

describe('getFrames on packed 1-bit frames', () => {
  it('cuts frames that start mid-byte at their bit offset', () => {
    // 3 frames of 3x3 1-bit pixels: 27 bits, frames 2 and 3 start at bits 9 and 18.
    const frames = [
      [1, 0, 1, 0, 1, 0, 1, 0, 1],
      [1, 1, 1, 0, 0, 0, 1, 1, 0],
      [0, 0, 0, 0, 1, 0, 0, 0, 1],
    ];
    const bits = frames.flat();
    const packed = new Uint8Array(4);
    bits.forEach((b, i) => { if (b) packed[i >> 3]! |= 1 << (i & 7); });
    const d = new dcmjs.data.DicomDict({
      '00020002': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.66.4'] },
      '00020003': { vr: 'UI', Value: ['1.2.3'] },
      '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] },
    });
    d.dict = {
      '00080018': { vr: 'UI', Value: ['1.2.3'] },
      '00280002': { vr: 'US', Value: [1] },
      '00280008': { vr: 'IS', Value: ['3'] },
      '00280010': { vr: 'US', Value: [3] },
      '00280011': { vr: 'US', Value: [3] },
      '00280100': { vr: 'US', Value: [1] },
      '7FE00010': { vr: 'OB', Value: [packed.buffer] },
    };
    const file = Buffer.from(d.write());
    const got = getFrames(file, [1, 2, 3]);
    got.frames.forEach((f, k) => {
      expect(f.length).toBe(2);
      const unpacked = Array.from({ length: 9 }, (_, i) => (f[i >> 3]! >> (i & 7)) & 1);
      expect(unpacked, `frame ${k + 1}`).toEqual(frames[k]);
      // Frames cut at a bit offset are copies, cleared past their end; frame 1 is a view of the value.
      if (k > 0) expect(f[1]! >> 1, `frame ${k + 1} bits past its end`).toBe(0);
      else expect(f.buffer).toBe(file.buffer);
    });
  });
});

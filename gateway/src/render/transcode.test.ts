import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_IMPLEMENTATION_CLASS_UID, TranscodeError, transcodeToExplicitLittleEndian } from './index.js';
import { readDataset } from './readDataset.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const haveFixtures = existsSync(join(DIR, 'MANIFEST.tsv'));
const load = (file: string): Buffer => readFileSync(join(DIR, file));

/** dcmjs as an independent reader of what we write. */
interface DcmjsElement { vr: string; Value?: unknown[] }
interface Dcmjs {
  log: { setLevel(level: string): void };
  data: { DicomMessage: { readFile(b: ArrayBuffer): { meta: Record<string, DcmjsElement>; dict: Record<string, DcmjsElement> } } };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('error');

function readBack(b: Buffer) {
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const { meta, dict } = dcmjs.data.DicomMessage.readFile(ab);
  const num = (tag: string) => Number(dict[tag]?.Value?.[0] ?? NaN);
  const pixels = dict['7FE00010']?.Value?.[0] as ArrayBuffer | undefined;
  return {
    ts: meta['00020010']?.Value?.[0],
    implementation: meta['00020012']?.Value?.[0],
    rows: num('00280010'), cols: num('00280011'), spp: num('00280002'), bits: num('00280100'),
    frames: Number(dict['00280008']?.Value?.[0] ?? 1),
    photometric: dict['00280004']?.Value?.[0],
    planar: dict['00280006']?.Value?.[0],
    lossy: dict['00282110']?.Value?.[0],
    pixelVr: dict['7FE00010']?.vr,
    pixels: pixels ? Buffer.from(pixels) : undefined,
    dict,
  };
}

/** Every fixture not already Part 10 Explicit VR LE: compressed, big endian, deflated, implicit, bare datasets. */
const CASES: Array<[file: string, syntax: string]> = [
  ['XA_multiframe96_jpeg.dcm', 'JPEG baseline .50 (96 frames)'],
  ['US_multiframe_ybr_burnedin.dcm', 'JPEG baseline .50 YBR_FULL_422 (30 frames)'],
  ['XC_jpeg_with_icon.dcm', 'JPEG baseline .50 YBR_FULL_422 + icon'],
  ['CT_brain_synthetic_PHI.dcm', 'JPEG baseline .50'],
  ['JPGExtended.dcm', 'JPEG extended .51 (12-bit)'],
  ['CT0012_jpeg_lossless57_frag_nobot.dcm', 'JPEG lossless .57 (fragmented, no BOT)'],
  ['JPGLosslessP14SV1_US_8bit.dcm', 'JPEG lossless SV1 .70 (8-bit)'],
  ['CR_MONO1_ModalityLUTSeq_jpegll.dcm', 'JPEG lossless SV1 .70 (16-bit)'],
  ['OP_ophthalmic_jpegll.dcm', '.70 label on a baseline JPEG stream'],
  ['MR_small_jpeg_ls_lossless.dcm', 'JPEG-LS lossless .80'],
  ['CT1_JLSN.dcm', 'JPEG-LS near-lossless .81'],
  ['MR_small_jp2klossless.dcm', 'JPEG 2000 lossless .90'],
  ['US1_J2KI.dcm', 'JPEG 2000 .91 YBR_ICT'],
  ['HTJ2KLossless_08_RGB.dcm', 'HTJ2K lossless .201'],
  ['MR_small_RLE.dcm', 'RLE .5'],
  ['US-PAL-8-10x-echo.dcm', 'RLE .5 palette (10 frames)'],
  ['image_dfl.dcm', 'Deflated explicit LE .1.99'],
  ['MR_small_bigendian.dcm', 'Explicit VR big endian .2.2'],
  ['MR_small_implicit.dcm', 'Implicit VR LE'],
  ['RTDOSE_implicit.dcm', 'Implicit VR LE, 32-bit pixels'],
  ['CT_small_no_meta.dcm', 'bare explicit LE dataset'],
  ['OT-PAL-8-face_nometa.dcm', 'bare implicit LE dataset'],
  ['RTSTRUCT_nometa.dcm', 'bare implicit LE dataset, no pixels'],
];

describe('transcodeToExplicitLittleEndian', () => {
  for (const [file, syntax] of CASES) {
    it(`${file}: ${syntax} → Explicit VR LE that dcmjs reads back`, async () => {
      const input = load(file);
      const out = await transcodeToExplicitLittleEndian(input);
      expect(out.subarray(128, 132).toString('latin1')).toBe('DICM');
      const r = readBack(out);
      expect(r.ts).toBe('1.2.840.10008.1.2.1');
      expect(r.implementation).toBe(GATEWAY_IMPLEMENTATION_CLASS_UID);
      if (file === 'RTSTRUCT_nometa.dcm') {
        expect(r.pixels).toBeUndefined();
        expect(Object.keys(r.dict).length).toBeGreaterThan(20);
        return;
      }
      const before = readDataset(input).dataSet;
      expect([r.rows, r.cols]).toEqual([before.uint16('x00280010'), before.uint16('x00280011')]);
      const frameBytes = (r.rows * r.cols * r.spp * r.bits) / 8;
      const expected = frameBytes * r.frames;
      expect(r.pixels!.length).toBe(expected + (expected % 2));
      expect(r.pixelVr).toBe(r.bits <= 8 ? 'OB' : 'OW');
    });
  }

  it('returns a Part 10 Explicit VR LE file unchanged (same Buffer)', async () => {
    const input = load('CT_small.dcm');
    expect(await transcodeToExplicitLittleEndian(input)).toBe(input);
  });

  it('lossless syntaxes of the same MR decode to identical pixels', async () => {
    const reference = readBack(await transcodeToExplicitLittleEndian(load('MR_small_implicit.dcm'))).pixels!;
    expect(reference.length).toBe(64 * 64 * 2);
    for (const file of ['MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jp2klossless.dcm', 'MR_small_jpeg_ls_lossless.dcm']) {
      const px = readBack(await transcodeToExplicitLittleEndian(load(file))).pixels!;
      expect(px.equals(reference), file).toBe(true);
    }
  });

  it('a bare dataset gets the same pixels and attributes as its Part 10 twin', async () => {
    const twin = readBack(load('CT_small.dcm'));
    const bare = readBack(await transcodeToExplicitLittleEndian(load('CT_small_no_meta.dcm')));
    expect(bare.pixels!.equals(twin.pixels!)).toBe(true);
    expect(bare.dict['00100010']?.Value).toEqual(twin.dict['00100010']?.Value);
    expect(bare.dict['00080018']?.Value).toEqual(twin.dict['00080018']?.Value);
  });

  it('updates Photometric Interpretation and Planar Configuration after colour decompression', async () => {
    const ybr = readBack(await transcodeToExplicitLittleEndian(load('US_multiframe_ybr_burnedin.dcm')));
    expect([ybr.photometric, ybr.planar]).toEqual(['RGB', 0]);
    const ict = readBack(await transcodeToExplicitLittleEndian(load('US1_J2KI.dcm')));
    expect(ict.photometric).toBe('RGB');
    const rgb = readBack(await transcodeToExplicitLittleEndian(load('HTJ2KLossless_08_RGB.dcm')));
    expect([rgb.photometric, rgb.planar]).toEqual(['RGB', 0]);
  });

  it('marks the OP object lossy: its ".70 lossless" frame is a baseline JPEG', async () => {
    const input = load('OP_ophthalmic_jpegll.dcm');
    expect(readBack(input).lossy).toBe('00');
    expect(readBack(await transcodeToExplicitLittleEndian(input)).lossy).toBe('01');
    // A genuinely lossless one keeps its value.
    expect(readBack(await transcodeToExplicitLittleEndian(load('CR_MONO1_ModalityLUTSeq_jpegll.dcm'))).lossy).toBe('00');
  });

  it('keeps private and sequence content', async () => {
    const input = load('CR_MONO1_ModalityLUTSeq_jpegll.dcm');
    const out = readBack(await transcodeToExplicitLittleEndian(input));
    const lutSeq = out.dict['00283000'];
    expect(lutSeq?.vr).toBe('SQ');
    expect((lutSeq?.Value?.[0] as Record<string, DcmjsElement>)['00283006']).toBeDefined();
    const privateTags = Object.keys(out.dict).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1);
    const privateBefore = Object.keys(readBack(input).dict).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1);
    expect(privateTags).toEqual(privateBefore);
  });

  it('refuses an unknown transfer syntax with a TranscodeError', async () => {
    const input = Buffer.from(load('XA_multiframe96_jpeg.dcm'));
    const at = input.indexOf('1.2.840.10008.1.2.4.50', 0, 'latin1');
    input.write('1.2.840.10008.1.2.4.99', at, 'latin1'); // same length, not a defined syntax
    const err = await transcodeToExplicitLittleEndian(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TranscodeError);
    expect((err as TranscodeError).reason).toBe('unsupported-transfer-syntax');
    expect((err as TranscodeError).http).toBe(406);
  });

  it('refuses unparseable bytes with reason "unreadable"', async () => {
    const err = await transcodeToExplicitLittleEndian(load('nested_priv_SQ.dcm')).catch((e: unknown) => e);
    expect((err as TranscodeError).reason).toBe('unreadable');
    const junk = await transcodeToExplicitLittleEndian(Buffer.from('definitely not DICOM at all')).catch((e: unknown) => e);
    expect((junk as TranscodeError).reason).toBe('unreadable');
  });
});

/**
 * Pixel Data of a dcmjs dict dataset as decoded frames (native little-endian, interleaved samples), and back.
 *
 * Compressed pixel data is decoded with the dcmjs-codecs WebAssembly (RLE, JPEG all processes, JPEG-LS, JPEG 2000,
 * HTJ2K, JPEG XL). A cleaned image is re-encoded LOSSLESSLY (reencode.ts: same syntax for a lossless source,
 * JPEG-LS Lossless or RLE for a lossy one, so no second generation of loss) or, when no encoder round-trips it,
 * written uncompressed; the caller updates the transfer syntax. Lossy Image Compression stays "01" with its
 * ratio/method history, so the viewer still knows the pixels went through a lossy codec once.
 */
import dcmjsCodecs from 'dcmjs-codecs';
import type { DicomDataset } from '../dicom/io.js';
import { TS } from '../dicom/io.js';
import { sniffCodestream, startsCodestream } from './codestream.js';
import { LOSSY_METHOD, reencodeLossless } from './reencode.js';

const { NativeCodecs, Context } = dcmjsCodecs;
type CodecContext = InstanceType<typeof Context>;

/** Decoded pixel data. */
export interface PixelImage {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: 8 | 16;
  readonly bitsStored: number;
  readonly pixelRepresentation: number;
  /** Photometric Interpretation of the decoded frames (JPEG/J2K colour comes out as RGB). */
  photometric: string;
  /** One buffer per frame: rows × columns × samples × bytes, little endian, interleaved. */
  readonly frames: Uint8Array[];
  /** Palette lookup (RGB, 8-bit) for PALETTE COLOR, used only to look at the image (text/face detection). */
  readonly palette?: Uint8Array;
}

/** Why an image's pixels cannot be decoded here (never a value). */
export class PixelDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PixelDecodeError';
  }
}

const RLE = '1.2.840.10008.1.2.5';
const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.explicitBE, TS.deflatedLE]);
const CODEC_PI = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT']);

let ready: Promise<void> | undefined;
/** Loads the codecs WebAssembly once (a failed load is retried on the next call). */
export function initCodecs(): Promise<void> {
  if (NativeCodecs.isInitialized()) return Promise.resolve();
  ready ??= NativeCodecs.initializeAsync().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

function num(ds: DicomDataset, tag: string, dflt?: number): number {
  const v = ds[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (Number.isFinite(n)) return n;
  if (dflt === undefined) throw new PixelDecodeError(`missing image pixel attribute (${tag.slice(0, 4)},${tag.slice(4)})`);
  return dflt;
}

function str(ds: DicomDataset, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v.trim() : '';
}

function u8(v: unknown): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new PixelDecodeError('pixel data value is not binary');
}

/** True when the dataset has a top-level Pixel Data element. */
export function hasPixelData(ds: DicomDataset): boolean {
  return (ds['7FE00010']?.Value?.length ?? 0) > 0;
}

/** Groups encapsulated fragments into one codestream per frame. */
function frameStreams(fragments: Uint8Array[], frames: number, ts: string): Uint8Array[] {
  if (fragments.length === frames) return fragments;
  if (frames === 1) return [concat(fragments)];
  if (ts === RLE) throw new PixelDecodeError('RLE fragments do not match the number of frames');
  const groups: Uint8Array[][] = [];
  for (const f of fragments) {
    if (groups.length === 0 || startsCodestream(f)) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  if (groups.length !== frames) throw new PixelDecodeError(`found ${groups.length} codestreams for ${frames} frames`);
  return groups.map(concat);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function toInterleaved(planar: Uint8Array, pixels: number, spp: number, bytes: number): Uint8Array {
  const out = new Uint8Array(planar.length);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      for (let b = 0; b < bytes; b++) out[(p * spp + s) * bytes + b] = planar[(s * pixels + p) * bytes + b];
    }
  }
  return out;
}

function readPalette(ds: DicomDataset): Uint8Array | undefined {
  const lut = (tag: string): number[] | undefined => {
    const desc = ds[`0028110${tag}`]?.Value as number[] | undefined;
    const data = ds[`0028120${tag}`]?.Value?.[0];
    if (!desc || desc.length < 3 || data === undefined) return undefined;
    const n = desc[0] === 0 ? 65536 : desc[0];
    const bytes = u8(data);
    const wide = bytes.length >= n * 2;
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(wide ? bytes[i * 2] | (bytes[i * 2 + 1] << 8) : bytes[i]);
    const max = Math.max(...vals);
    return vals.map((v) => (max > 255 ? v >> 8 : v));
  };
  const [r, g, b] = [lut('1'), lut('2'), lut('3')];
  if (!r || !g || !b) return undefined;
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    out[i * 3] = r[Math.min(i, r.length - 1)];
    out[i * 3 + 1] = g[Math.min(i, g.length - 1)];
    out[i * 3 + 2] = b[Math.min(i, b.length - 1)];
  }
  return out;
}

/** Number of frames of the image in `ds`. */
export function frameCount(ds: DicomDataset): number {
  return Math.max(1, num(ds, '00280008', 1));
}

/**
 * Decodes the top-level Pixel Data of `ds` (transfer syntax `ts`). Throws PixelDecodeError when it cannot.
 * With `only`, just those frames (0-based) are decoded, in that order: detection looks at a few frames of a long
 * run before deciding whether the whole run must be decoded.
 */
export async function decodeImage(ds: DicomDataset, ts: string, only?: readonly number[]): Promise<PixelImage> {
  const rows = num(ds, '00280010');
  const columns = num(ds, '00280011');
  const spp = num(ds, '00280002', 1);
  const bitsAllocated = num(ds, '00280100');
  const bitsStored = num(ds, '00280101', bitsAllocated);
  const pixelRepresentation = num(ds, '00280103', 0);
  const planar = num(ds, '00280006', 0);
  const frames = frameCount(ds);
  const wanted = only ?? Array.from({ length: frames }, (_, i) => i);
  let photometric = str(ds, '00280004') || (spp === 3 ? 'RGB' : 'MONOCHROME2');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new PixelDecodeError(`cannot clean ${bitsAllocated}-bit pixels`);
  if (spp !== 1 && spp !== 3) throw new PixelDecodeError(`cannot clean ${spp} samples per pixel`);
  const bytes = bitsAllocated / 8;
  const frameSize = rows * columns * spp * bytes;
  const values = (ds['7FE00010']?.Value ?? []).map(u8);
  const out: Uint8Array[] = [];

  if (NATIVE.has(ts)) {
    if (photometric === 'YBR_FULL_422' || photometric === 'YBR_PARTIAL_422') {
      throw new PixelDecodeError('native subsampled YBR is not supported');
    }
    const all = concat(values);
    if (all.length < frameSize * frames) throw new PixelDecodeError('pixel data shorter than rows × columns × frames');
    for (const f of wanted) {
      let frame: Uint8Array = all.slice(f * frameSize, (f + 1) * frameSize);
      if (ts === TS.explicitBE && bytes === 2) {
        for (let i = 0; i < frame.length; i += 2) [frame[i], frame[i + 1]] = [frame[i + 1], frame[i]];
      }
      if (spp === 3 && planar === 1) frame = toInterleaved(frame, rows * columns, spp, bytes);
      out.push(frame);
    }
  } else {
    await initCodecs();
    const streams = frameStreams(values, frames, ts);
    let rgb = false;
    for (const f of wanted) {
      const ctx = new Context({
        width: columns,
        height: rows,
        bitsAllocated,
        bitsStored,
        samplesPerPixel: spp,
        pixelRepresentation,
        planarConfiguration: planar,
        photometricInterpretation: CODEC_PI.has(photometric) ? photometric : spp === 3 ? 'RGB' : 'MONOCHROME2',
        encodedBuffer: streams[f],
      });
      const kind = ts === RLE ? 'rle' : sniffCodestream(streams[f]);
      let decoded: CodecContext;
      try {
        decoded = decodeWith(kind, ctx, spp === 3 && photometric !== 'RGB');
      } catch (err) {
        throw new PixelDecodeError(`frame ${f + 1} could not be decoded (${kind}): ${err instanceof Error ? err.message : String(err)}`);
      }
      const buf = decoded.getDecodedBuffer();
      if (!buf || buf.length < frameSize) throw new PixelDecodeError(`frame ${f + 1} decoded to too few bytes`);
      let frame: Uint8Array = buf.slice(0, frameSize);
      if (spp === 3 && (decoded.getPlanarConfiguration() ?? 0) === 1) frame = toInterleaved(frame, rows * columns, spp, bytes);
      out.push(frame);
      if (spp === 3 && kind !== 'rle' && photometric.startsWith('YBR')) rgb = true;
    }
    if (rgb) photometric = 'RGB';
  }
  return {
    rows,
    columns,
    samplesPerPixel: spp,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    photometric,
    frames: out,
    palette: photometric === 'PALETTE COLOR' ? readPalette(ds) : undefined,
  };
}

function decodeWith(kind: string, ctx: CodecContext, toRgb: boolean): CodecContext {
  switch (kind) {
    case 'rle':
      return NativeCodecs.decodeRle(ctx);
    case 'jpeg':
      return NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: toRgb });
    case 'jpeg-ls':
      return NativeCodecs.decodeJpegLs(ctx);
    case 'j2k':
      return NativeCodecs.decodeJpeg2000(ctx);
    case 'htj2k':
      return NativeCodecs.decodeHtJpeg2000(ctx);
    case 'jpeg-xl':
      return NativeCodecs.decodeJpegXl(ctx);
    default:
      throw new Error('unrecognised codestream');
  }
}

/**
 * Writes the frames back into `ds` and updates the attributes that describe them; returns the output transfer
 * syntax. Frames are re-encoded losslessly when a dcmjs-codecs encoder round-trips them exactly (reencode.ts),
 * otherwise written native (Explicit VR Little Endian).
 */
export function encodeImage(ds: DicomDataset, img: PixelImage, sourceTs: string): string {
  ds['00280004'] = { vr: 'CS', Value: [img.photometric] };
  if (img.samplesPerPixel > 1) ds['00280006'] = { vr: 'US', Value: [0] };
  const lossyMethod = LOSSY_METHOD[sourceTs];
  if (lossyMethod || ds['00282110']?.Value?.[0] === '01') keepLossyHistory(ds, lossyMethod);
  const reencoded = NATIVE.has(sourceTs) ? undefined : reencodeLossless(img, sourceTs);
  if (reencoded) {
    // dcmjs writes one fragment per value, after an empty Basic Offset Table.
    ds['7FE00010'] = { vr: 'OB', Value: reencoded.frames.map((f) => f.buffer as ArrayBuffer) };
    ds['00280004'] = { vr: 'CS', Value: [reencoded.photometric] };
    return reencoded.ts;
  }
  const total = img.frames.reduce((n, f) => n + f.length, 0);
  const data = new Uint8Array(total + (total % 2));
  let at = 0;
  for (const f of img.frames) {
    data.set(f, at);
    at += f.length;
  }
  ds['7FE00010'] = { vr: img.bitsAllocated === 8 ? 'OB' : 'OW', Value: [data.buffer] };
  if (sourceTs === TS.explicitBE) {
    // Other OW values (palette LUT data) were read as big-endian bytes: swap them for the little-endian output.
    for (const [tag, el] of Object.entries(ds)) {
      if (el.vr !== 'OW' || tag === '7FE00010') continue;
      el.Value = (el.Value ?? []).map((v) => {
        const b = new Uint8Array(u8(v));
        for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1], b[i]];
        return b.buffer;
      });
    }
  }
  return TS.explicitLE;
}

/**
 * The pixels went through a lossy codec once: Lossy Image Compression stays "01", and the method history
 * (PS3.3 C.7.6.1.1.5) gets the source's method when the file did not record it. Our lossless re-encode adds no
 * entry (and no ratio), because it loses nothing.
 */
function keepLossyHistory(ds: DicomDataset, method: string | undefined): void {
  ds['00282110'] = { vr: 'CS', Value: ['01'] };
  const methods = (ds['00282114']?.Value ?? []).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (method && methods.length === 0) ds['00282114'] = { vr: 'CS', Value: [method] };
}

/** Value that displays as black for this image, per sample. */
export function blackSample(img: PixelImage): number[] {
  if (img.samplesPerPixel === 3) return img.photometric.startsWith('YBR') ? [0, 128, 128] : [0, 0, 0];
  if (img.photometric === 'MONOCHROME1') return [img.pixelRepresentation ? (1 << (img.bitsStored - 1)) - 1 : (1 << img.bitsStored) - 1];
  if (img.photometric === 'PALETTE COLOR' && img.palette) {
    let best = 0;
    let bestSum = Infinity;
    for (let i = 0; i < 256; i++) {
      const s = img.palette[i * 3] + img.palette[i * 3 + 1] + img.palette[i * 3 + 2];
      if (s < bestSum) [best, bestSum] = [i, s];
    }
    return [best];
  }
  return [img.pixelRepresentation ? -(1 << (img.bitsStored - 1)) : 0];
}

/** An axis-aligned box in pixel coordinates: [x0, y0) to [x1, y1). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Fills `boxes` of one frame (or every frame when `frame` is undefined) with the black value. */
export function fillBoxes(img: PixelImage, boxes: readonly Box[], frame?: number): number {
  const black = blackSample(img);
  const spp = img.samplesPerPixel;
  const bytes = img.bitsAllocated / 8;
  let filled = 0;
  const targets = frame === undefined ? img.frames : [img.frames[frame]];
  for (const data of targets) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (const b of boxes) {
      const x0 = Math.max(0, Math.floor(b.x0));
      const y0 = Math.max(0, Math.floor(b.y0));
      const x1 = Math.min(img.columns, Math.ceil(b.x1));
      const y1 = Math.min(img.rows, Math.ceil(b.y1));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          for (let s = 0; s < spp; s++) {
            const i = ((y * img.columns + x) * spp + s) * bytes;
            if (bytes === 1) data[i] = black[s] & 0xff;
            else view.setUint16(i, black[s] & 0xffff, true);
          }
        }
      }
      filled += Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
    }
  }
  return filled;
}

/** One frame as 8-bit grey (linear min–max window for monochrome; luminance for colour and palette). */
export function greyFrame(img: PixelImage, frame: number): Uint8Array {
  const data = img.frames[frame];
  const n = img.rows * img.columns;
  const out = new Uint8Array(n);
  if (img.samplesPerPixel === 3) {
    const ybr = img.photometric.startsWith('YBR');
    for (let p = 0; p < n; p++) {
      out[p] = ybr ? data[p * 3] : (data[p * 3] * 77 + data[p * 3 + 1] * 150 + data[p * 3 + 2] * 29) >> 8;
    }
    return out;
  }
  if (img.photometric === 'PALETTE COLOR' && img.palette && img.bitsAllocated === 8) {
    const pal = img.palette;
    for (let p = 0; p < n; p++) {
      const i = data[p] * 3;
      out[p] = (pal[i] * 77 + pal[i + 1] * 150 + pal[i + 2] * 29) >> 8;
    }
    return out;
  }
  const values = new Float64Array(n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mask = img.bitsStored >= 32 ? 0xffffffff : (1 << img.bitsStored) - 1;
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < n; p++) {
    let v = img.bitsAllocated === 8 ? data[p] : view.getUint16(p * 2, true);
    v &= mask;
    if (img.pixelRepresentation && v & (1 << (img.bitsStored - 1))) v -= 1 << img.bitsStored;
    values[p] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min || 1;
  const invert = img.photometric === 'MONOCHROME1';
  for (let p = 0; p < n; p++) {
    const g = Math.round(((values[p] - min) / range) * 255);
    out[p] = invert ? 255 - g : g;
  }
  return out;
}

/** One frame as 8-bit RGB (for face detection). */
export function rgbFrame(img: PixelImage, frame: number): Uint8Array {
  const n = img.rows * img.columns;
  const out = new Uint8Array(n * 3);
  if (img.samplesPerPixel === 3 && img.photometric === 'RGB' && img.bitsAllocated === 8) return img.frames[frame].slice(0, n * 3);
  if (img.photometric === 'PALETTE COLOR' && img.palette && img.bitsAllocated === 8) {
    const data = img.frames[frame];
    for (let p = 0; p < n; p++) out.set(img.palette.subarray(data[p] * 3, data[p] * 3 + 3), p * 3);
    return out;
  }
  if (img.samplesPerPixel === 3 && img.photometric.startsWith('YBR') && img.bitsAllocated === 8) {
    const d = img.frames[frame];
    for (let p = 0; p < n; p++) {
      const [y, cb, cr] = [d[p * 3], d[p * 3 + 1] - 128, d[p * 3 + 2] - 128];
      out[p * 3] = clamp(y + 1.402 * cr);
      out[p * 3 + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
      out[p * 3 + 2] = clamp(y + 1.772 * cb);
    }
    return out;
  }
  const g = greyFrame(img, frame);
  for (let p = 0; p < n; p++) out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = g[p];
  return out;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

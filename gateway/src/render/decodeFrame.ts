import { Context, initCodecs, NativeCodecs, type CodecContext } from './codecs.js';
import { isLossy, sniffCodestream, type Codestream } from './codestream.js';
import { encapsulatedFrame, nativeFrame } from './extractFrame.js';
import { frameIndex, readImagePixel, type ImagePixel } from './imagePixel.js';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, readDataset, type ParsedDataset } from './readDataset.js';
import { TranscodeError } from './TranscodeError.js';

/** One frame as native little-endian pixel bytes, described by the attributes that now apply to it. */
export interface DecodedFrame {
  pixels: Buffer;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  /** 0 = interleaved (all codecs here output interleaved colour), 1 = planar (native planar input). */
  planarConfiguration: number;
  /** After decoding: e.g. YBR_FULL_422 JPEG and YBR_ICT/YBR_RCT J2K come out as RGB. */
  photometricInterpretation: string;
  /** The codestream was lossy JPEG although the transfer syntax may have said lossless (see codestream.ts). */
  lossyCodestream: boolean;
}

const NATIVE = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]);
const RLE = '1.2.840.10008.1.2.5';
/** Encapsulated syntaxes whose codestreams the codecs WebAssembly decodes. */
export const DECODABLE_SYNTAXES: ReadonlySet<string> = new Set([
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.110', '1.2.840.10008.1.2.4.111', '1.2.840.10008.1.2.4.112',
  '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203', RLE,
]);

/** Native pixel bytes of one frame (1-based) for WADO-RS frame retrieval as Explicit VR Little Endian. */
export async function decodeFrame(part10: Uint8Array, frameNumber: number): Promise<DecodedFrame> {
  await initCodecs();
  const parsed = readDataset(part10);
  const px = readImagePixel(parsed.dataSet);
  return decodeFrameOf(parsed, px, frameIndex(px, frameNumber));
}

/** Synchronous core; initCodecs() must have resolved. `index` is 0-based and already range-checked. */
export function decodeFrameOf(parsed: ParsedDataset, px: ImagePixel, index: number): DecodedFrame {
  const ts = parsed.transferSyntaxUid;
  const base = {
    rows: px.rows, columns: px.columns, samplesPerPixel: px.samplesPerPixel, bitsAllocated: px.bitsAllocated,
    bitsStored: px.bitsStored, pixelRepresentation: px.pixelRepresentation, planarConfiguration: px.planarConfiguration,
    photometricInterpretation: px.photometricInterpretation, lossyCodestream: false,
  };
  if (!px.pixelData.encapsulatedPixelData) {
    if (!NATIVE.has(ts) && !DECODABLE_SYNTAXES.has(ts)) throw unsupported(ts);
    const data = nativeFrame(parsed, px, index);
    return { ...base, pixels: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }
  if (!DECODABLE_SYNTAXES.has(ts)) throw unsupported(ts);
  if (px.bitsAllocated !== 8 && px.bitsAllocated !== 16) {
    throw new TranscodeError('unsupported-pixel-format', `the codecs decode 8 or 16 bits allocated, not ${px.bitsAllocated}`);
  }

  const encoded = encapsulatedFrame(parsed, px, index);
  const stream: Codestream = ts === RLE ? { kind: 'unknown' } : sniffCodestream(encoded);
  const ctx = new Context({
    width: px.columns, height: px.rows, bitsAllocated: px.bitsAllocated, bitsStored: px.bitsStored,
    samplesPerPixel: px.samplesPerPixel, pixelRepresentation: px.pixelRepresentation,
    planarConfiguration: px.planarConfiguration, photometricInterpretation: codecPhotometric(px),
    encodedBuffer: encoded,
  });
  let out: CodecContext;
  try {
    out = decodeWith(ts, stream, ctx, px);
  } catch (err) {
    throw new TranscodeError('decode-failed', `frame ${index + 1} (${ts}): ${err instanceof Error ? err.message : String(err)}`);
  }
  const decoded = out.getDecodedBuffer();
  const spp = out.getSamplesPerPixel() ?? px.samplesPerPixel;
  const bitsAllocated = out.getBitsAllocated() ?? px.bitsAllocated;
  const expected = px.rows * px.columns * spp * (bitsAllocated / 8);
  if (!decoded || decoded.length < expected) {
    throw new TranscodeError('decode-failed', `frame ${index + 1} decoded to ${decoded?.length ?? 0} bytes, expected ${expected}`);
  }
  let pi = px.photometricInterpretation;
  // The JPEG decoder converts YCbCr to RGB for colour images; J2K with MCT applies the inverse ICT/RCT.
  if (spp === 3 && (stream.kind === 'jpeg' || stream.kind === 'jpeg-ls') && pi.startsWith('YBR')) pi = out.getPhotometricInterpretation() ?? 'RGB';
  if (spp === 3 && stream.kind === 'j2k' && stream.mct) pi = 'RGB';
  const pixels = Buffer.from(decoded.buffer, decoded.byteOffset, expected);
  return {
    ...base, pixels, samplesPerPixel: spp, bitsAllocated,
    // RLE keeps the planar layout it was told; the JPEG/J2K family always emits interleaved samples.
    planarConfiguration: spp > 1 ? (out.getPlanarConfiguration() ?? 0) : 0,
    photometricInterpretation: pi, lossyCodestream: isLossy(stream),
  };
}

function decodeWith(ts: string, stream: Codestream, ctx: CodecContext, px: ImagePixel): CodecContext {
  if (ts === RLE) return NativeCodecs.decodeRle(ctx);
  switch (stream.kind) {
    case 'jpeg': return NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: px.samplesPerPixel === 3 && px.photometricInterpretation !== 'RGB' });
    case 'jpeg-ls': return NativeCodecs.decodeJpegLs(ctx);
    case 'j2k': return stream.htj2k ? NativeCodecs.decodeHtJpeg2000(ctx) : NativeCodecs.decodeJpeg2000(ctx);
    case 'jpeg-xl': return NativeCodecs.decodeJpegXl(ctx);
    default: throw new Error('unrecognised codestream (no JPEG, JPEG-LS, JPEG 2000 or JPEG XL signature)');
  }
}

// The codecs index Photometric Interpretation by name; an unknown one must not reach the wasm as -1.
const CODEC_PI = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT', 'CMYK', 'ARGB', 'HSV']);

function codecPhotometric(px: ImagePixel): string {
  if (CODEC_PI.has(px.photometricInterpretation)) return px.photometricInterpretation;
  return px.samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2';
}

function unsupported(ts: string): TranscodeError {
  return new TranscodeError('unsupported-transfer-syntax', `no decoder for transfer syntax ${ts}`);
}

/**
 * Re-encodes cleaned frames with dcmjs-codecs (issue 4 §4). Only lossless encoders are used:
 * - a lossless source keeps its transfer syntax (RLE, JPEG-LS, JPEG 2000, HTJ2K, JPEG Lossless SV1);
 * - a lossy source is NOT compressed lossily a second time: it is written JPEG-LS Lossless (RLE if that fails),
 *   so the only loss stays the one already recorded in Lossy Image Compression (PS3.3 C.7.6.1.1.5).
 * Every encoded frame is decoded again and compared byte for byte with the cleaned frame; any mismatch or codec
 * error means "no encoder fits" and the caller writes the frames uncompressed.
 */
import dcmjsCodecs from 'dcmjs-codecs';
import type { PixelImage } from './image.js';

const { NativeCodecs, Context } = dcmjsCodecs;
type CodecContext = InstanceType<typeof Context>;

export const RLE_TS = '1.2.840.10008.1.2.5';
const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';
const JPEG_LS_LOSSLESS = '1.2.840.10008.1.2.4.80';
const J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';
const HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201';

type Encoder = { readonly ts: string; readonly encode: (c: CodecContext) => CodecContext; readonly decode: (c: CodecContext) => CodecContext };

const ENCODERS: Record<string, Encoder> = {
  [RLE_TS]: { ts: RLE_TS, encode: (c) => NativeCodecs.encodeRle(c), decode: (c) => NativeCodecs.decodeRle(c) },
  [JPEG_LOSSLESS_SV1]: {
    ts: JPEG_LOSSLESS_SV1,
    encode: (c) => NativeCodecs.encodeJpeg(c, { lossy: false, predictor: 1, pointTransform: 0 }),
    decode: (c) => NativeCodecs.decodeJpeg(c, { convertColorspaceToRgb: false }),
  },
  [JPEG_LS_LOSSLESS]: { ts: JPEG_LS_LOSSLESS, encode: (c) => NativeCodecs.encodeJpegLs(c, { lossy: false }), decode: (c) => NativeCodecs.decodeJpegLs(c) },
  [J2K_LOSSLESS]: { ts: J2K_LOSSLESS, encode: (c) => NativeCodecs.encodeJpeg2000(c, { lossy: false }), decode: (c) => NativeCodecs.decodeJpeg2000(c) },
  [HTJ2K_LOSSLESS]: { ts: HTJ2K_LOSSLESS, encode: (c) => NativeCodecs.encodeHtJpeg2000(c, { lossy: false }), decode: (c) => NativeCodecs.decodeHtJpeg2000(c) },
};

/** Lossless source syntax → the same syntax (RPCL HTJ2K and JPEG Lossless non-SV1 map to their nearest sibling). */
const SAME: Record<string, string> = {
  [RLE_TS]: RLE_TS,
  '1.2.840.10008.1.2.4.57': JPEG_LOSSLESS_SV1,
  [JPEG_LOSSLESS_SV1]: JPEG_LOSSLESS_SV1,
  [JPEG_LS_LOSSLESS]: JPEG_LS_LOSSLESS,
  [J2K_LOSSLESS]: J2K_LOSSLESS,
  [HTJ2K_LOSSLESS]: HTJ2K_LOSSLESS,
  '1.2.840.10008.1.2.4.202': HTJ2K_LOSSLESS,
};

/** Lossy source syntax → the Lossy Image Compression Method that produced it (PS3.3 C.7.6.1.1.5.1). */
export const LOSSY_METHOD: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'ISO_10918_1',
  '1.2.840.10008.1.2.4.51': 'ISO_10918_1',
  '1.2.840.10008.1.2.4.81': 'ISO_14495_1',
  '1.2.840.10008.1.2.4.91': 'ISO_15444_1',
  '1.2.840.10008.1.2.4.203': 'ISO_15444_15',
  '1.2.840.10008.1.2.4.111': 'ISO_18181_1',
};

/** Re-encoded pixel data: one codestream per frame, in transfer syntax `ts`. */
export interface Reencoded {
  readonly ts: string;
  readonly frames: Uint8Array[];
  /** Photometric Interpretation of the codestreams (YBR_RCT when the J2K encoder applied its colour transform). */
  readonly photometric: string;
}

/** Candidate lossless syntaxes for a cleaned image whose source was in `sourceTs`, best first. */
export function targetSyntaxes(sourceTs: string): string[] {
  const same = SAME[sourceTs];
  if (same) return same === RLE_TS ? [RLE_TS] : [same, RLE_TS];
  if (LOSSY_METHOD[sourceTs] || sourceTs.startsWith('1.2.840.10008.1.2.4.')) return [JPEG_LS_LOSSLESS, RLE_TS];
  return []; // native sources stay native
}

/** Encodes every frame losslessly and verifies the round trip; undefined when no encoder fits this image. */
export function reencodeLossless(img: PixelImage, sourceTs: string): Reencoded | undefined {
  // Codecs want MONOCHROME/RGB/PALETTE here: decoded colour is always RGB, and native YBR is left alone.
  if (img.samplesPerPixel === 3 && img.photometric !== 'RGB') return undefined;
  for (const ts of targetSyntaxes(sourceTs)) {
    const frames = encodeAll(img, ENCODERS[ts]);
    if (frames) return { ts, frames, photometric: j2kWithMct(ts, frames[0]) ? 'YBR_RCT' : img.photometric };
  }
  return undefined;
}

/** PS3.5 8.2.4: lossless JPEG 2000 with the reversible colour transform is labelled YBR_RCT. */
function j2kWithMct(ts: string, stream: Uint8Array): boolean {
  if (ts !== J2K_LOSSLESS && ts !== HTJ2K_LOSSLESS) return false;
  for (let i = 2; i + 9 < stream.length; ) {
    const marker = (stream[i] << 8) | stream[i + 1];
    if (marker === 0xff52) return stream[i + 8] === 1; // COD: Scod, progression, layers(2), then MCT
    if (marker === 0xff90 || stream[i] !== 0xff) return false;
    i += 2 + ((stream[i + 2] << 8) | stream[i + 3]);
  }
  return false;
}

function context(img: PixelImage, buffers: { decodedBuffer?: Uint8Array; encodedBuffer?: Uint8Array }): CodecContext {
  return new Context({
    width: img.columns,
    height: img.rows,
    bitsAllocated: img.bitsAllocated,
    bitsStored: img.bitsStored,
    samplesPerPixel: img.samplesPerPixel,
    pixelRepresentation: img.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: img.photometric,
    ...buffers,
  });
}

function encodeAll(img: PixelImage, enc: Encoder): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  try {
    for (const frame of img.frames) {
      const encoded = enc.encode(context(img, { decodedBuffer: frame })).getEncodedBuffer();
      if (!encoded || encoded.length === 0) return undefined;
      const stream = encoded.slice();
      const back = enc.decode(context(img, { encodedBuffer: stream }));
      if (!sameFrame(back, frame, img)) return undefined;
      out.push(stream.length % 2 ? padded(stream) : stream); // fragments have even length (PS3.5 A.4)
    }
  } catch {
    return undefined; // codec refused this bit depth / photometric: try the next one
  }
  return out;
}

function padded(stream: Uint8Array): Uint8Array {
  const out = new Uint8Array(stream.length + 1);
  out.set(stream);
  return out;
}

function sameFrame(back: CodecContext, frame: Uint8Array, img: PixelImage): boolean {
  const buf = back.getDecodedBuffer();
  if (!buf || buf.length < frame.length) return false;
  if (img.samplesPerPixel === 3 && (back.getPlanarConfiguration() ?? 0) === 1) return false;
  for (let i = 0; i < frame.length; i++) if (buf[i] !== frame[i]) return false;
  return true;
}

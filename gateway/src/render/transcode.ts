import { createHash } from 'node:crypto';
import { initCodecs } from './codecs.js';
import { DECODABLE_SYNTAXES, decodeFrameOf, type DecodedFrame } from './decodeFrame.js';
import { readImagePixel } from './imagePixel.js';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, readDataset, text, type ParsedDataset } from './readDataset.js';
import { TranscodeError } from './TranscodeError.js';
import { value, writeExplicitLittleEndian, type ElementValue } from './writeExplicitLittleEndian.js';

/** Implementation Class UID written into the File Meta of files we re-encode (UUID-derived, fixed). */
export const GATEWAY_IMPLEMENTATION_CLASS_UID = `2.25.${BigInt(
  `0x${createHash('sha256').update('hoichan-gateway implementation class').digest('hex').slice(0, 32)}`,
).toString(10)}`;
export const GATEWAY_IMPLEMENTATION_VERSION_NAME = 'HOICHAN_GW_010';

const NATIVE = new Set([IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED_LE]);

/**
 * The instance as a Part 10 file in Explicit VR Little Endian with native (decompressed) Pixel Data.
 * A Part 10 file already in Explicit VR LE is returned as is (same Buffer). Every other element is copied
 * byte for byte (not re-serialised from parsed values), so odd private data and non-conformant values
 * survive. After decompression Photometric Interpretation becomes what the codec produced (YBR_FULL_422
 * JPEG → RGB), Planar Configuration 0, and Lossy Image Compression "01" if the codestream was lossy.
 * Throws TranscodeError for unknown syntaxes, unreadable data or codec failures.
 */
export async function transcodeToExplicitLittleEndian(part10: Buffer): Promise<Buffer> {
  const parsed = readDataset(part10);
  const ts = parsed.transferSyntaxUid;
  if (parsed.hasFileMeta && ts === EXPLICIT_LE) return part10;
  if (!NATIVE.has(ts) && !DECODABLE_SYNTAXES.has(ts)) {
    throw new TranscodeError('unsupported-transfer-syntax', `cannot transcode from transfer syntax ${ts}`);
  }
  const replace = new Map<string, ElementValue | null>();
  if (parsed.dataSet.elements.x7fe00010?.encapsulatedPixelData) {
    await initCodecs();
    decompressInto(parsed, replace);
  }
  return writeExplicitLittleEndian(parsed, fileMeta(parsed), replace);
}

function decompressInto(parsed: ParsedDataset, replace: Map<string, ElementValue | null>): void {
  const px = readImagePixel(parsed.dataSet);
  const frames: DecodedFrame[] = [];
  for (let i = 0; i < px.numberOfFrames; i++) frames.push(decodeFrameOf(parsed, px, i));
  const first = frames[0]!;
  const pixels = Buffer.concat(frames.map((f) => f.pixels));
  replace.set('x7fe00010', { vr: first.bitsAllocated <= 8 ? 'OB' : 'OW', bytes: pixels });
  // Offset tables describe the fragments that are gone.
  replace.set('x7fe00001', null);
  replace.set('x7fe00002', null);
  if (first.photometricInterpretation !== px.photometricInterpretation) replace.set('x00280004', value.text('CS', first.photometricInterpretation));
  if (first.samplesPerPixel > 1) replace.set('x00280006', value.us(first.planarConfiguration));
  if (first.bitsAllocated !== px.bitsAllocated) replace.set('x00280100', value.us(first.bitsAllocated));
  if (frames.some((f) => f.lossyCodestream) && text(parsed.dataSet, 'x00282110') !== '01') {
    replace.set('x00282110', value.text('CS', '01'));
  }
}

/** File Meta for the new encoding: original elements kept, syntax and implementation replaced. */
function fileMeta(parsed: ParsedDataset): Map<string, ElementValue> {
  const ds = parsed.dataSet;
  const meta = new Map<string, ElementValue>();
  if (parsed.hasFileMeta) {
    for (const [tag, el] of Object.entries(ds.elements)) {
      if (!tag.startsWith('x0002') || tag === 'x00020000') continue;
      meta.set(tag, { vr: el.vr ?? 'UN', bytes: ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length) });
    }
  }
  if (!meta.has('x00020001')) meta.set('x00020001', { vr: 'OB', bytes: Uint8Array.of(0, 1) });
  const sopClass = text(ds, 'x00080016');
  const sopInstance = text(ds, 'x00080018');
  if (!meta.has('x00020002') && sopClass) meta.set('x00020002', value.text('UI', sopClass));
  if (!meta.has('x00020003') && sopInstance) meta.set('x00020003', value.text('UI', sopInstance));
  meta.set('x00020010', value.text('UI', EXPLICIT_LE));
  meta.set('x00020012', value.text('UI', GATEWAY_IMPLEMENTATION_CLASS_UID));
  meta.set('x00020013', value.text('SH', GATEWAY_IMPLEMENTATION_VERSION_NAME));
  return meta;
}

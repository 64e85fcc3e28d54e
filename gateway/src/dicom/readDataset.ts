import { constants as zlibConstants, inflateRawSync, inflateSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { ByteArrayParser, ByteStream, DataSet, Element } from 'dicom-parser';
import { DEFLATED_LE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transferSyntax.js';
import { DicomParseError } from './types.js';
import { VRS, dictionaryVr } from './vr.js';

/** A dataset located by dicom-parser: elements are offsets into `dataSet.byteArray`, nothing is copied. */
export interface DicomDataset {
  /** The dataset proper, without group 0002. Its byteArray is the input, or the inflated copy for deflate. */
  readonly dataSet: DataSet;
  /** The file meta group (offsets into the input bytes), or null for a bare dataset. */
  readonly meta: DataSet | null;
  /** From (0002,0010), or sniffed for a bare dataset. */
  readonly transferSyntaxUid: string;
  readonly explicitVr: boolean;
  /** Byte order of the values in `dataSet.byteArray` (false only for Explicit VR Big Endian). */
  readonly littleEndian: boolean;
  /** The input starts with the 128-byte preamble, "DICM" and a file meta group. */
  readonly hasFileMeta: boolean;
  /** The top-level Pixel Data lies wholly inside the bytes (false: a header window cut it, `partial` only). */
  readonly pixelDataComplete: boolean;
}

export interface ReadOptions {
  /**
   * The bytes are a header window cut out of a larger body: Pixel Data (and whatever follows it) may run
   * past the end. Without it, such a cut is 'truncated'.
   */
  partial?: boolean;
  /**
   * With `partial`: the length of the whole body the window was cut from. The window's answer is then
   * accepted only when it ends inside a defined-length Pixel Data that ends the body (so the window saw every
   * other element); anything else is 'truncated', and the caller parses a wider window or the whole body.
   */
  totalLength?: number;
}

const UNDEFINED_LENGTH = 0xffffffff;
/** A declared length this far past the end is an absurd value, not a cut file (→ 'bad-length'). */
const ABSURD_OVERRUN = 0x40000000;

type DataSetCtor = new (parser: ByteArrayParser, bytes: Uint8Array, elements: Record<string, Element>) => DataSet;
type ByteStreamCtor = new (parser: ByteArrayParser, bytes: Uint8Array, position: number) => ByteStream;
// dicom-parser exports these classes at runtime; its typings only describe their instances.
const DataSetClass = (dicomParser as unknown as { DataSet: DataSetCtor }).DataSet;
export const ByteStreamClass = dicomParser.ByteStream as unknown as ByteStreamCtor;
const LE = dicomParser.littleEndianByteArrayParser;
const BE = dicomParser.bigEndianByteArrayParser;

/**
 * Locates every element of a Part 10 file (preamble + DICM + meta), a meta group without preamble, or a
 * bare dataset (implicit/explicit VR sniffed from the first element). Deflated datasets are inflated
 * (a copy); otherwise `dataSet.byteArray` is the input itself. Errors are DicomParseErrors.
 */
export function readDataset(input: Uint8Array, opts: ReadOptions = {}): DicomDataset {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { meta, start, hasFileMeta } = readMeta(bytes);
  let ts = meta ? metaUid(meta, 'x00020010') : '';
  if (!ts) {
    ts = sniffSyntax(bytes, start) ?? '';
    if (!ts) throw new DicomParseError('not-dicom', meta ? 'file meta has no Transfer Syntax UID and the dataset is unreadable' : 'neither a DICOM Part 10 file nor a plausible dataset');
  }
  let body: Buffer = bytes;
  let pos = start;
  if (ts === DEFLATED_LE) {
    body = inflate(bytes.subarray(start), opts.partial === true);
    pos = 0;
  }
  let explicitVr = ts !== IMPLICIT_LE;
  const littleEndian = ts !== EXPLICIT_BE;
  // Some writers label a dataset with the wrong VR encoding: believe its first element.
  if (littleEndian && pos + 8 <= body.length && isVr(body, pos + 4) !== explicitVr) {
    const actual = sniffSyntax(body, pos);
    if (actual === EXPLICIT_LE || actual === IMPLICIT_LE) {
      explicitVr = actual === EXPLICIT_LE;
      if (ts === EXPLICIT_LE || ts === IMPLICIT_LE) ts = actual;
    }
  }
  const parser = littleEndian ? LE : BE;
  const dataSet = new DataSetClass(parser, body, {});
  dataSet.warnings = [];
  let pixelDataComplete = true;
  if (pos < body.length) {
    const stream = new ByteStreamClass(parser, body, pos);
    // Stop at the top-level Pixel Data: it is located, never walked, unless the rest of the file follows.
    parseElements(dataSet, stream, explicitVr, 'x7fe00010');
    const px = dataSet.elements.x7fe00010;
    if (px && stream.position === px.dataOffset) {
      pixelDataComplete = locatePixelData(stream, px, dataSet.warnings);
      if (!pixelDataComplete && !opts.partial) {
        throw new DicomParseError(px.length !== UNDEFINED_LENGTH && px.length >= 0x80000000 ? 'bad-length' : 'truncated', `Pixel Data runs past the end of the ${body.length} bytes`);
      }
      checkEnd(stream, dataSet);
      if (pixelDataComplete && stream.position < body.length) {
        try {
          parseElements(dataSet, stream, explicitVr);
          checkEnd(stream, dataSet);
        } catch (err) {
          // A header window may end inside what follows Pixel Data (trailing padding, say): keep the header.
          if (!opts.partial || !(err instanceof DicomParseError)) throw err;
          for (const tag of Object.keys(dataSet.elements)) if (dataSet.elements[tag]!.dataOffset > px.dataOffset) delete dataSet.elements[tag];
        }
      }
    } else {
      checkEnd(stream, dataSet);
    }
  }
  if (opts.partial && opts.totalLength !== undefined && bytes.length < opts.totalLength) {
    const px = dataSet.elements.x7fe00010;
    const endsBody = body === bytes && px && !pixelDataComplete && px.length !== UNDEFINED_LENGTH && px.dataOffset + px.length === opts.totalLength;
    if (!endsBody) throw new DicomParseError('truncated', 'the header window does not end inside a Pixel Data that ends the body');
  }
  return { dataSet, meta, transferSyntaxUid: ts, explicitVr, littleEndian, hasFileMeta, pixelDataComplete };
}

function readMeta(bytes: Buffer): { meta: DataSet | null; start: number; hasFileMeta: boolean } {
  let pos: number;
  const preamble = bytes.length >= 132 && bytes.toString('latin1', 128, 132) === 'DICM';
  if (preamble) pos = 132;
  else if (bytes.length >= 8 && bytes.readUInt16LE(0) === 0x0002 && isVr(bytes, 4)) pos = 0;
  else return { meta: null, start: 0, hasFileMeta: false };
  if (pos >= bytes.length) throw new DicomParseError('truncated', 'the file ends right after the DICM prefix');
  const elements: Record<string, Element> = {};
  const warnings: string[] = [];
  const stream = new ByteStreamClass(LE, bytes, pos);
  let count = 0;
  try {
    // The meta group is always Explicit VR Little Endian (PS3.10 7.1) and ends where group 0002 does.
    while (stream.position < bytes.length) {
      if (stream.position + 2 <= bytes.length && bytes.readUInt16LE(stream.position) !== 0x0002) break;
      const el = dicomParser.readDicomElementExplicit(stream, warnings);
      if (el.length === UNDEFINED_LENGTH || el.dataOffset + el.length > bytes.length) throw overrun(el.dataOffset + el.length - bytes.length, `file meta element ${el.tag}`);
      el.parser = LE;
      elements[el.tag] = el;
      count++;
    }
  } catch (err) {
    if (err instanceof DicomParseError) throw err;
    throw new DicomParseError('truncated', `file meta group: ${messageOf(err)}`);
  }
  // "DICM" followed by no meta group at all: look for a bare dataset after the prefix.
  if (count === 0) return { meta: null, start: pos, hasFileMeta: false };
  const meta = new DataSetClass(LE, bytes, elements);
  meta.warnings = warnings;
  return { meta, start: stream.position, hasFileMeta: preamble };
}

function metaUid(meta: DataSet, tag: string): string {
  const el = meta.elements[tag];
  return el && el.length > 0 ? meta.byteArray.toString('latin1', el.dataOffset, el.dataOffset + el.length).replace(/[\0 ]+$/, '').trim() : '';
}

function parseElements(dataSet: DataSet, stream: ByteStream, explicitVr: boolean, untilTag?: string): void {
  // The typings demand untilTag; dicom-parser treats it as optional. The dictionary VR only tells it which
  // implicit VR elements are sequences (private ones are guessed from their first item tag).
  const options = { untilTag, vrCallback: dictionaryVr } as { untilTag: string; vrCallback: (tag: string) => string };
  try {
    if (explicitVr) dicomParser.parseDicomDataSetExplicit(dataSet, stream, stream.byteArray.length, options);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, stream.byteArray.length, options);
  } catch (err) {
    throw classify(err, stream);
  }
}

/** Walks the top-level Pixel Data (fragments when encapsulated) without reading it; false if it is cut. */
function locatePixelData(stream: ByteStream, px: Element, warnings: string[]): boolean {
  const size = stream.byteArray.length;
  if (px.length !== UNDEFINED_LENGTH) {
    if (px.dataOffset + px.length > size) return false;
    stream.seek(px.length);
    return true;
  }
  try {
    dicomParser.findEndOfEncapsulatedElement(stream, px, warnings);
  } catch {
    stream.position = size;
    return false;
  }
  if (stream.position > size || px.length === UNDEFINED_LENGTH) {
    // No sequence delimiter: complete only when every fragment is there (some writers omit the delimiter).
    const last = px.fragments?.[px.fragments.length - 1];
    stream.position = size;
    if (!last || last.position + last.length > size) return false;
    px.length = size - px.dataOffset;
  }
  return true;
}

/** After parsing: a stream past the end means an element ran past it; an eof warning means a cut sequence. */
function checkEnd(stream: ByteStream, dataSet: DataSet): void {
  const size = stream.byteArray.length;
  if (stream.position > size) throw overrun(stream.position - size, 'an element');
  const warnings = [...(dataSet.warnings ?? []), ...(stream.warnings ?? [])];
  const eof = warnings.find((w) => /^eof encountered/.test(w));
  if (eof) throw new DicomParseError('truncated', eof);
}

function overrun(by: number, what: string): DicomParseError {
  return by >= ABSURD_OVERRUN
    ? new DicomParseError('bad-length', `${what} declares a length ${by} bytes past the end of the data`)
    : new DicomParseError('truncated', `${what} runs ${by} bytes past the end of the data`);
}

/** dicom-parser throws strings; map them (and where the stream stopped) onto a reason. */
function classify(err: unknown, stream: ByteStream): DicomParseError {
  if (err instanceof DicomParseError) return err;
  const size = stream.byteArray.length;
  const message = messageOf(err);
  if (stream.position > size) return overrun(stream.position - size, 'an element');
  if (/past end|overread|overrun|maxPosition|maxP osition|eof/i.test(message) || stream.position >= size - 8) {
    return new DicomParseError('truncated', `dataset: ${message}`);
  }
  return new DicomParseError('not-dicom', `malformed dataset at byte ${stream.position}: ${message}`);
}

/** Inflates a deflated dataset (a copy); a header window (`partial`) yields whatever its bytes decode to. */
function inflate(deflated: Buffer, partial: boolean): Buffer {
  const options = partial ? { finishFlush: zlibConstants.Z_SYNC_FLUSH } : {};
  try {
    return inflateRawSync(deflated, options);
  } catch (raw) {
    try {
      return inflateSync(deflated, options); // some writers emit a zlib wrapper
    } catch {
      const msg = messageOf(raw);
      throw new DicomParseError(/unexpected end/i.test(msg) ? 'truncated' : 'not-dicom', `deflated dataset: ${msg}`);
    }
  }
}

function isVr(b: Uint8Array, at: number): boolean {
  return b.length >= at + 2 && VRS.has(String.fromCharCode(b[at]!, b[at + 1]!));
}

/**
 * Transfer syntax of a bare dataset (PS3.10 allows none; old files and DIMSE dumps have none): the first
 * tag must be a plausible low group in ascending order; a VR after it means explicit VR.
 */
function sniffSyntax(b: Buffer, at: number): string | undefined {
  if (b.length < at + 8) return undefined;
  const groupLE = b.readUInt16LE(at);
  const groupBE = b.readUInt16BE(at);
  const explicit = isVr(b, at + 4);
  if (groupLE >= 0x0002 && groupLE <= 0x00ff && !(groupLE & 1)) {
    if (explicit) return EXPLICIT_LE;
    // Implicit: the first length must fit and be followed by a tag of the same or a later group.
    const length = b.readUInt32LE(at + 4);
    if (length === UNDEFINED_LENGTH) return IMPLICIT_LE;
    const next = at + 8 + length;
    if (next > b.length) return undefined;
    return next + 2 > b.length || b.readUInt16LE(next) >= groupLE ? IMPLICIT_LE : undefined;
  }
  if (groupBE >= 0x0002 && groupBE <= 0x00ff && !(groupBE & 1) && explicit) return EXPLICIT_BE;
  return undefined;
}

function messageOf(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  return String(err);
}

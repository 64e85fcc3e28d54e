/**
 * The only module that talks to dcmjs (style-examples §5: untyped libraries sit behind one typed module).
 *
 * - `readPart10` accepts Part 10 files and bare datasets without preamble/File Meta (implicit or explicit VR
 *   little endian, sniffed), and returns the dataset in dcmjs "dict" form (tag hex → { vr, Value }).
 * - `writePart10` writes a dict back with dcmjs, re-deflating the dataset when the transfer syntax says so
 *   (dcmjs would otherwise write a plain dataset under a "deflated" transfer syntax).
 *
 * dcmjs 0.52 has two reader bugs that matter for de-identification, fixed here by replacing
 * `SequenceOfItems.prototype.readBytes` once (see `installSequenceReaderFix`):
 *  1. items of undefined length are found by scanning 16-bit words for (FFFE,E00D); a value of odd length
 *     inside such an item (invalid but seen in the wild, e.g. fixture nested_priv_SQ.dcm) misaligns the scan
 *     and the whole file fails to parse;
 *  2. item datasets are read from a fresh stream whose text decoder is latin1, so text inside sequences
 *     ignores Specific Character Set (a UTF-8 Vietnamese name inside a sequence would be mangled, and the
 *     leak scanner would not recognise it).
 * The replacement walks items element by element on the parent stream (or a sub-stream that inherits the
 * decoder), which is what the standard's encoding rules allow.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import type { DcmjsDict, DcmjsElement, DcmjsReadBufferStream } from 'dcmjs';
import { AnonymizerError } from '../errors.js';

const { DicomMessage, DicomDict, ValueRepresentation } = dcmjs.data;

/** Transfer syntax UIDs the reader and writer care about. */
export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
} as const;

/** A dataset element in dcmjs dict form. */
export type DicomElement = DcmjsElement;
/** A dataset (or a sequence item) in dcmjs dict form, keyed by 8 upper-case hex digits ("00100010"). */
export type DicomDataset = DcmjsDict;

/** What `readPart10` returns. */
export interface ParsedPart10 {
  /** File Meta Information (group 0002) as read, or synthesized for a bare dataset. */
  meta: DicomDataset;
  /** The dataset. */
  dataset: DicomDataset;
  /** Transfer syntax of the dataset. */
  transferSyntaxUid: string;
  /** True when the input had no preamble/"DICM"/File Meta and the transfer syntax was sniffed. */
  bareDataset: boolean;
  /** Things the reader tolerated (never values). */
  warnings: string[];
}

let quietLog = false;
function quietDcmjs(): void {
  if (quietLog) return;
  dcmjs.log.setLevel('silent');
  dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
  quietLog = true;
}

type SequenceReadBytes = (this: unknown, stream: DcmjsReadBufferStream, length: number, syntax: string) => unknown[];
let fixInstalled = false;

/** Installs the sequence-reader fix described in the module comment. Idempotent. */
export function installSequenceReaderFix(): void {
  if (fixInstalled) return;
  const proto = Object.getPrototypeOf(ValueRepresentation.createByTypeString('SQ')) as { readBytes: SequenceReadBytes };
  const readBytes: SequenceReadBytes = function (stream, sqLength, syntax) {
    if (sqLength === 0) return [];
    const undefinedLength = sqLength === 0xffffffff;
    const start = stream.offset;
    const items: DcmjsDict[] = [];
    while (undefinedLength ? !stream.end() : stream.offset - start < sqLength) {
      const group = stream.readUint16();
      const element = stream.readUint16();
      const length = stream.readUint32();
      if (group === 0xfffe && element === 0xe0dd) break; // Sequence Delimitation Item
      if (group !== 0xfffe || element !== 0xe000) {
        throw new Error(`unexpected (${hex4(group)},${hex4(element)}) inside a sequence, expected an item`);
      }
      if (length !== 0xffffffff) {
        const itemStream = stream.more(length);
        itemStream.setDecoder(stream.decoder);
        items.push(DicomMessage._read(itemStream, syntax));
        continue;
      }
      const item: DcmjsDict = {};
      const savedDecoder = stream.decoder;
      for (;;) {
        if (stream.end()) throw new Error('sequence item of undefined length is not terminated');
        const at = stream.offset;
        const g = stream.readUint16();
        const e = stream.readUint16();
        if (g === 0xfffe && e === 0xe00d) {
          stream.readUint32();
          break;
        }
        stream.offset = at;
        const info = DicomMessage._readTag(stream, syntax);
        const key = info.tag.toCleanString();
        const el = ValueRepresentation.addTagAccessors({ vr: info.vr.type }) as DcmjsElement;
        el.Value = info.values;
        el._rawValue = info.rawValues;
        item[key] = el;
      }
      stream.setDecoder(savedDecoder);
      items.push(item);
    }
    return items;
  };
  proto.readBytes = readBytes;
  fixInstalled = true;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function toArrayBuffer(input: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (input instanceof ArrayBuffer) return input;
  return input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;
}

const VR_CODES = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** Sniffs a bare (no preamble, no meta) little-endian dataset; returns its transfer syntax or null. */
export function sniffBareDataset(bytes: Uint8Array): string | null {
  if (bytes.length < 12) return null;
  const group = bytes[0] | (bytes[1] << 8);
  // A dataset starts with a low even group: (0008,xxxx) almost always, (0002,…) or (0000,…) at worst.
  if (group % 2 !== 0 || group > 0x0010) return null;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  if (VR_CODES.has(vr)) return TS.explicitLE;
  const length = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
  if (length !== 0xffffffff && length > bytes.length - 8) return null;
  return TS.implicitLE;
}

/** True when the bytes carry the Part 10 "DICM" marker at offset 128. */
export function hasPart10Marker(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function synthesizePart10(bytes: Uint8Array, transferSyntaxUid: string): ArrayBuffer {
  const ts = Buffer.from(transferSyntaxUid.length % 2 ? `${transferSyntaxUid}\0` : transferSyntaxUid, 'latin1');
  const tsElement = Buffer.alloc(8 + ts.length);
  tsElement.writeUInt16LE(0x0002, 0);
  tsElement.writeUInt16LE(0x0010, 2);
  tsElement.write('UI', 4, 'latin1');
  tsElement.writeUInt16LE(ts.length, 6);
  ts.copy(tsElement, 8);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt16LE(0x0002, 0);
  groupLength.writeUInt16LE(0x0000, 2);
  groupLength.write('UL', 4, 'latin1');
  groupLength.writeUInt16LE(4, 6);
  groupLength.writeUInt32LE(tsElement.length, 8);
  const head = Buffer.alloc(132);
  head.write('DICM', 128, 'latin1');
  return toArrayBuffer(Buffer.concat([head, groupLength, tsElement, bytes]));
}

/**
 * Parses a Part 10 file (or a bare little-endian dataset) into dcmjs dict form.
 * Throws `AnonymizerError('NOT_DICOM')` when the bytes are not DICOM, `('UNREADABLE')` when parsing fails.
 */
export function readPart10(input: ArrayBuffer | Uint8Array): ParsedPart10 {
  quietDcmjs();
  installSequenceReaderFix();
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  let buffer: ArrayBuffer;
  let bareDataset = false;
  if (hasPart10Marker(bytes)) {
    buffer = toArrayBuffer(bytes);
  } else {
    const ts = sniffBareDataset(bytes);
    if (!ts) throw new AnonymizerError('NOT_DICOM', 'not a DICOM file: no "DICM" marker and no recognisable dataset');
    buffer = synthesizePart10(bytes, ts);
    bareDataset = true;
  }
  const warnings: string[] = [];
  if (bareDataset) warnings.push('input had no File Meta Information; transfer syntax was sniffed');
  let parsed;
  try {
    parsed = DicomMessage.readFile(buffer, { ignoreErrors: false, untilTag: null, noCopy: false, forceStoreRaw: false });
  } catch (err) {
    if (!/character set/i.test(err instanceof Error ? err.message : '')) {
      throw new AnonymizerError('UNREADABLE', `DICOM file could not be parsed (${sanitizeParserMessage(err)})`);
    }
    // dcmjs decodes one character set only (no ISO 2022 code extensions). Its tolerant mode would also swallow real
    // parse errors and return a truncated dataset, so those are caught from its log and still fail the read.
    let swallowed: unknown;
    const originalWarn = dcmjs.log.warn;
    dcmjs.log.warn = (...args: unknown[]) => {
      if (args[0] === 'WARN:') swallowed = args[1];
    };
    try {
      parsed = DicomMessage.readFile(buffer, { ignoreErrors: true, untilTag: null, noCopy: false, forceStoreRaw: false });
    } catch (err2) {
      swallowed = err2;
    } finally {
      dcmjs.log.warn = originalWarn;
    }
    if (swallowed !== undefined || !parsed) {
      throw new AnonymizerError('UNREADABLE', `DICOM file could not be parsed (${sanitizeParserMessage(swallowed)})`);
    }
    warnings.push('Specific Character Set not fully supported by the parser (code extensions): text decoded with the first one');
  }
  const tsValue = parsed.meta['00020010']?.Value?.[0];
  const transferSyntaxUid = typeof tsValue === 'string' ? tsValue.replace(/[\0 ]+$/, '') : TS.explicitLE;
  return { meta: parsed.meta, dataset: parsed.dict, transferSyntaxUid, bareDataset, warnings };
}

/** Parser messages may quote element values (dcmjs: "…, value: SMITH^JOHN"); keep only the part before any value. */
function sanitizeParserMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split(/,?\s*value\b/i)[0].slice(0, 120);
}

/** Writes meta + dataset as a Part 10 file (128 zero bytes of preamble, "DICM", meta, dataset). */
export function writePart10(meta: DicomDataset, dataset: DicomDataset): Buffer {
  quietDcmjs();
  const ts = meta['00020010']?.Value?.[0];
  const dict = new DicomDict(meta);
  // dcmjs writes a native Pixel Data value word by word (about half of the time of a 512 × 512 CT): when it is the
  // last element of a little-endian dataset, it is appended as raw bytes instead (same encoding).
  const tail = nativePixelTail(dataset, typeof ts === 'string' ? ts : '');
  if (tail) {
    const rest = { ...dataset };
    delete rest['7FE00010'];
    dict.dict = rest;
  } else {
    dict.dict = dataset;
  }
  const written = Buffer.from(dict.write({ allowInvalidVRLength: true }));
  const out = tail ? Buffer.concat([written, tail.header, tail.value, tail.pad]) : written;
  if (ts !== TS.deflatedLE) return out;
  // dcmjs wrote the dataset as plain explicit VR LE: deflate everything after the File Meta Information.
  const metaEnd = 132 + 12 + out.readUInt32LE(132 + 8);
  return Buffer.concat([out.subarray(0, metaEnd), deflateRawSync(out.subarray(metaEnd))]);
}

/** Header and value of a native Pixel Data element that is the last element of a little-endian dataset. */
function nativePixelTail(ds: DicomDataset, ts: string): { header: Buffer; value: Uint8Array; pad: Buffer } | undefined {
  const px = ds['7FE00010'];
  if (!px || (px.vr !== 'OW' && px.vr !== 'OB') || px.Value?.length !== 1) return undefined;
  if (ts !== TS.explicitLE && ts !== TS.implicitLE && ts !== TS.deflatedLE) return undefined;
  const last = Object.keys(ds).reduce((a, b) => (b.toUpperCase() > a ? b.toUpperCase() : a), '');
  if (last !== '7FE00010') return undefined;
  const v = px.Value[0];
  const value = v instanceof ArrayBuffer ? new Uint8Array(v) : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : undefined;
  if (!value) return undefined;
  const padded = value.length + (value.length % 2);
  let header: Buffer;
  if (ts === TS.implicitLE) {
    header = Buffer.alloc(8);
    header.writeUInt32LE(padded, 4);
  } else {
    header = Buffer.alloc(12);
    header.write(px.vr, 4, 'latin1');
    header.writeUInt32LE(padded, 8);
  }
  header.writeUInt16LE(0x7fe0, 0);
  header.writeUInt16LE(0x0010, 2);
  return { header, value, pad: Buffer.alloc(value.length % 2) };
}

/** For a Part 10 file in Deflated Explicit VR LE, returns the file with its dataset inflated (for byte scans). */
export function inflateIfDeflated(part10: Buffer): Buffer {
  if (!hasPart10Marker(part10)) return part10;
  const metaEnd = 132 + 12 + part10.readUInt32LE(132 + 8);
  if (!part10.subarray(132, metaEnd).toString('latin1').includes(TS.deflatedLE)) return part10;
  try {
    return Buffer.concat([part10.subarray(0, metaEnd), inflateRawSync(part10.subarray(metaEnd))]);
  } catch {
    return part10;
  }
}

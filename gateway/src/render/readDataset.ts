import { inflateRawSync, inflateSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { TranscodeError } from './TranscodeError.js';

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** A dataset located with dicom-parser: element offsets into `dataSet.byteArray` (inflated for deflate). */
export interface ParsedDataset {
  readonly dataSet: DataSet;
  readonly transferSyntaxUid: string;
  /** False for a bare dataset (no preamble / file meta); its transfer syntax was sniffed. */
  readonly hasFileMeta: boolean;
  readonly explicitVr: boolean;
  /** Byte order of the values in `dataSet.byteArray` (false only for Explicit VR Big Endian). */
  readonly littleEndian: boolean;
}

// One request often decodes several frames of the same buffer; parse it once.
const cache = new WeakMap<Uint8Array, ParsedDataset>();

/** Parses a Part 10 file, a file meta group without preamble, or a bare dataset (syntax sniffed). */
export function readDataset(bytes: Uint8Array): ParsedDataset {
  let parsed = cache.get(bytes);
  if (!parsed) {
    parsed = parse(bytes);
    cache.set(bytes, parsed);
  }
  return parsed;
}

function parse(bytes: Uint8Array): ParsedDataset {
  let input = bytes;
  let sniffed: string | undefined;
  if (!hasDicmPrefix(bytes)) {
    if (bytes.length >= 8 && bytes[0] === 0x02 && bytes[1] === 0x00 && isVr(bytes, 4)) {
      // File meta written without the preamble: give dicom-parser the prefix it insists on.
      input = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), bytes]);
    } else {
      sniffed = sniffSyntax(bytes);
      if (!sniffed) throw new TranscodeError('unreadable', 'neither a Part 10 file nor a plausible bare dataset');
    }
  }
  let deflated = false;
  let dataSet: DataSet;
  try {
    if (!sniffed) {
      const inflated = inflateIfDeflated(input);
      if (inflated) [input, deflated] = [inflated, true];
    }
    dataSet = dicomParser.parseDicom(input, sniffed ? { TransferSyntaxUID: sniffed } : undefined);
  } catch (err) {
    throw new TranscodeError('unreadable', `cannot parse dataset: ${messageOf(err)}`);
  }
  const ts = deflated ? DEFLATED_LE : sniffed ?? (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim();
  if (!ts) throw new TranscodeError('unreadable', 'file meta has no Transfer Syntax UID');
  return { dataSet, transferSyntaxUid: ts, hasFileMeta: sniffed === undefined, explicitVr: ts !== IMPLICIT_LE, littleEndian: ts !== EXPLICIT_BE };
}

/**
 * dicom-parser 1.8 inflates Deflated Explicit VR LE but then parses from offset 0, reading the preamble as
 * elements. Inflate here instead and relabel the copy's meta as Explicit VR LE (same length, NUL-padded).
 */
function inflateIfDeflated(input: Uint8Array): Uint8Array | undefined {
  const meta = dicomParser.readPart10Header(input);
  const tsEl = meta.elements.x00020010;
  if (!tsEl || (meta.string('x00020010') ?? '').replace(/\0/g, '').trim() !== DEFLATED_LE) return undefined;
  const end = Math.max(...Object.values(meta.elements).map((e) => e.dataOffset + e.length));
  const body = input.subarray(end);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(body);
  } catch {
    inflated = inflateSync(body); // some writers emit a zlib wrapper
  }
  const copy = Buffer.concat([input.subarray(0, end), inflated]);
  copy.write(EXPLICIT_LE.padEnd(tsEl.length, '\0'), tsEl.dataOffset, 'latin1');
  return copy;
}

function hasDicmPrefix(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

function isVr(b: Uint8Array, at: number): boolean {
  return b.length >= at + 2 && VRS.has(String.fromCharCode(b[at]!, b[at + 1]!));
}

/** Bare dataset: first element's group must be plausible; a VR after the tag means explicit VR. */
function sniffSyntax(b: Uint8Array): string | undefined {
  if (b.length < 8) return undefined;
  const groupLE = b[0]! | (b[1]! << 8);
  const groupBE = (b[0]! << 8) | b[1]!;
  const explicit = isVr(b, 4);
  if (groupLE >= 0x0002 && groupLE <= 0x00ff) return explicit ? EXPLICIT_LE : IMPLICIT_LE;
  if (groupBE >= 0x0002 && groupBE <= 0x00ff && explicit) return EXPLICIT_BE;
  return undefined;
}

function messageOf(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err) return messageOf((err as { exception: unknown }).exception);
  return String(err);
}

/** All numeric values of a DS/IS element, or undefined when absent/empty/unparseable. */
export function numbers(ds: DataSet, tag: string): number[] | undefined {
  const n = ds.numStringValues(tag);
  if (!n) return undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

/** A CS/LO string value without padding, or undefined. */
export function text(ds: DataSet, tag: string): string | undefined {
  const v = ds.string(tag);
  return v ? v.replace(/\0/g, '').trim() || undefined : undefined;
}

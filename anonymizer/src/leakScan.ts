/**
 * The leak gate (issue 4 §6, G-2.3): scans a de-identified Part 10 file for the source patient's identity, with
 * code independent of the de-identification rules. A hit must block the release of that instance.
 *
 * Two passes:
 *  1. elements: every text value at every depth, File Meta Information and private elements included; binary
 *     values of private or UN elements are read as text too;
 *  2. bytes: the whole file (inflated if deflated) read as ASCII and, when the identity has non-ASCII text, as
 *     UTF-8, excluding the Pixel Data value; only tokens of 4+ characters are used here (shorter ones would match
 *     binary noise), so this pass is the backstop for what a parser might not show (preamble, odd encodings).
 * Hits never carry the identity value itself, only its kind and index in `Identity`.
 */
import { type DicomDataset, inflateIfDeflated, readPart10 } from './dicom/io.js';
import { BULK_VRS, formatTag, personNameText } from './dicom/dictionary.js';
import { isPrivateTag } from './profile/table.js';
import { fold, foldAsciiBytes, percentDecoded } from './text/fold.js';
import { type Identity, IdentityMatcher, type TokenKind } from './text/identity.js';

/** One occurrence of an identity token in the scanned file. */
export interface LeakHit {
  /** 'element': found in a parsed value; 'bytes': found by the raw byte scan. */
  readonly where: 'element' | 'bytes';
  /** Element path, e.g. "(0040,A730)[0](0040,A160)", for element hits. */
  readonly path?: string;
  readonly vr?: string;
  /** Byte offset (approximate for UTF-8), for byte hits. */
  readonly offset?: number;
  readonly kind: TokenKind;
  /** Index of the matched value in the identity's list of that kind. */
  readonly index: number;
}

/** Result of `leakScan`. */
export interface LeakScanResult {
  /** True when nothing was found and the file could be parsed. */
  readonly clean: boolean;
  readonly hits: readonly LeakHit[];
  /** Number of element values examined. */
  readonly valuesScanned: number;
  /** Set when the file could not be parsed (the byte pass still ran). */
  readonly parseError?: string;
}

/** Options of `leakScan`. */
export interface LeakScanOptions {
  /** Minimum token length for the byte pass (default 4). */
  readonly byteMinStrength?: number;
}

function textOf(vr: string, v: unknown): string | undefined {
  if (vr === 'PN') return personNameText(v);
  if (typeof v === 'string') return v;
  return undefined;
}

function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/** Finds [start, end) of the top-level Pixel Data element in a Part 10 byte stream, if any. */
export function pixelDataRange(bytes: Uint8Array): [number, number] | undefined {
  const patterns: [number[], boolean][] = [
    [[0xe0, 0x7f, 0x10, 0x00], true],
    [[0x7f, 0xe0, 0x00, 0x10], false],
  ];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Candidates from the end backwards, found with the native Buffer.lastIndexOf (a byte loop over the pixel data of
  // a 512 × 512 CT was 15 % of the whole de-identification time).
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needles = patterns.map(([p]) => Buffer.from(p));
  const next = needles.map((n) => buf.lastIndexOf(n, bytes.length - 8));
  for (;;) {
    const k = next[0] >= next[1] ? 0 : 1;
    const at = next[k];
    if (at < 132) break;
    next[k] = at > 0 ? buf.lastIndexOf(needles[k], at - 1) : -1;
    {
      const le = patterns[k][1];
      const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
      let valueStart: number;
      let length: number;
      if ((vr === 'OB' || vr === 'OW' || vr === 'UN') && at + 12 <= bytes.length) {
        length = view.getUint32(at + 8, le);
        valueStart = at + 12;
      } else {
        length = view.getUint32(at + 4, le);
        valueStart = at + 8;
      }
      if (length !== 0xffffffff) {
        if (valueStart + length <= bytes.length && valueStart + length >= bytes.length - 65536) {
          return [at, valueStart + length];
        }
        continue;
      }
      // encapsulated: items until the sequence delimiter
      let pos = valueStart;
      while (pos + 8 <= bytes.length) {
        const g = view.getUint16(pos, le);
        const e = view.getUint16(pos + 2, le);
        const len = view.getUint32(pos + 4, le);
        pos += 8;
        if (g === 0xfffe && e === 0xe0dd) return [at, pos];
        if (g !== 0xfffe || e !== 0xe000) break;
        pos += len;
      }
    }
  }
  return undefined;
}

/**
 * Scans a Part 10 file for `identity`. Returns every hit; `clean` is true only if there is none and the file
 * parsed.
 */
export function leakScan(part10: ArrayBuffer | Uint8Array, identity: Identity, opts: LeakScanOptions = {}): LeakScanResult {
  const bytes = part10 instanceof ArrayBuffer ? new Uint8Array(part10) : part10;
  const matcher = new IdentityMatcher(identity);
  const byteMatcher = new IdentityMatcher(identity, { minStrength: opts.byteMinStrength ?? 4 });
  const hits: LeakHit[] = [];
  let valuesScanned = 0;
  let parseError: string | undefined;

  const scanDataset = (ds: DicomDataset, prefix: string): void => {
    for (const [key, el] of Object.entries(ds)) {
      const path = `${prefix}${formatTag(key)}`;
      const values = el.Value ?? [];
      if (el.vr === 'SQ') {
        values.forEach((item, i) => scanDataset(item as DicomDataset, `${path}[${i}]`));
        continue;
      }
      if (BULK_VRS.has(el.vr)) {
        if (!isPrivateTag(key) && el.vr !== 'UN') continue;
        for (const v of values) {
          const b = asBytes(v);
          if (!b) continue;
          valuesScanned++;
          for (const m of byteMatcher.findFolded(fold(Buffer.from(b).toString('latin1')))) {
            hits.push({ where: 'element', path, vr: el.vr, kind: m.kind, index: m.index });
          }
        }
        continue;
      }
      for (const v of values) {
        const text = textOf(el.vr, v);
        if (text === undefined || text === '') continue;
        valuesScanned++;
        for (const m of matcher.find(text)) hits.push({ where: 'element', path, vr: el.vr, kind: m.kind, index: m.index });
        // identity hidden behind URI escapes ("ma%20BN%200099887")
        const decoded = percentDecoded(text);
        if (decoded !== text) for (const m of matcher.find(decoded)) hits.push({ where: 'element', path, vr: el.vr, kind: m.kind, index: m.index });
      }
    }
  };

  try {
    const parsed = readPart10(bytes);
    scanDataset(parsed.meta, '');
    scanDataset(parsed.dataset, '');
  } catch (err) {
    parseError = err instanceof Error ? err.message : String(err);
  }

  const raw = inflateIfDeflated(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const skip = pixelDataRange(raw);
  const regions: Uint8Array[] = skip ? [raw.subarray(0, skip[0]), raw.subarray(skip[1])] : [raw];
  const regionStart = skip ? [0, skip[1]] : [0];
  const nonAscii = [...identity.names, ...identity.ids, ...(identity.other ?? [])].some((s) => /[^\x00-\x7f]/.test(s));
  regions.forEach((region, r) => {
    for (const m of byteMatcher.findFolded(foldAsciiBytes(region))) {
      hits.push({ where: 'bytes', offset: regionStart[r] + m.start, kind: m.kind, index: m.index });
    }
    if (nonAscii) {
      const utf8 = new TextDecoder('utf-8').decode(region);
      for (const m of byteMatcher.find(utf8)) {
        hits.push({ where: 'bytes', offset: regionStart[r] + Buffer.byteLength(utf8.slice(0, m.start)), kind: m.kind, index: m.index });
      }
    }
  });

  return { clean: hits.length === 0 && parseError === undefined, hits, valuesScanned, parseError };
}

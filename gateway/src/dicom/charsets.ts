import { TextDecoder } from 'node:util';

/**
 * Text decoding by Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2, PS3.5 6.1): single-byte sets,
 * UTF-8, GB18030/GBK, and the ISO 2022 code extensions, where escape sequences switch sets inside a value.
 */

/** VRs whose text follows the Specific Character Set; every other string VR is the default repertoire. */
export const CHARSET_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);

export interface CharsetDecoder {
  /** Set when a Buffer can decode the bytes itself (the common case, and the fast path). */
  readonly bufferEncoding: 'latin1' | 'utf8' | null;
  /** Decodes one element's bytes. `pn` marks a PN value (its '=' groups restart the initial set). */
  decode(bytes: Uint8Array, pn?: boolean): string;
}

// Node's 'latin1' is ISO 8859-1; the WHATWG label 'latin1' would be windows-1252.
const LATIN1 = 'latin1';

/** Defined terms without code extensions → decoder for the whole value. */
const PLAIN: Record<string, string> = {
  '': LATIN1, 'ISO_IR 6': LATIN1, 'ISO_IR 100': LATIN1, 'ISO_IR 101': 'iso-8859-2', 'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4', 'ISO_IR 144': 'iso-8859-5', 'ISO_IR 127': 'iso-8859-6', 'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8', 'ISO_IR 148': 'iso-8859-9', 'ISO_IR 203': 'iso-8859-15', 'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis', 'ISO_IR 192': 'utf-8', GB18030: 'gb18030', GBK: 'gbk',
};

/**
 * ISO 2022 state: G0 (bytes < 0x80) is ASCII or a two-byte Japanese set; G1 (bytes >= 0x80) is named by the
 * decoder that reads "ASCII + that upper half" (ISO 8859-x, JIS X 0201 katakana via shift_jis, KS X 1001
 * via euc-kr, GB 2312 via gbk).
 */
interface State { g0: 'ascii' | 'jisx0208' | 'jisx0212'; g1: string }

/** What each ISO 2022 defined term designates (PS3.3 Table C.12-3/-4). */
const TERMS: Record<string, Partial<State>> = {
  'ISO 2022 IR 6': { g0: 'ascii' },
  'ISO 2022 IR 100': { g1: LATIN1 }, 'ISO 2022 IR 101': { g1: 'iso-8859-2' }, 'ISO 2022 IR 109': { g1: 'iso-8859-3' },
  'ISO 2022 IR 110': { g1: 'iso-8859-4' }, 'ISO 2022 IR 144': { g1: 'iso-8859-5' }, 'ISO 2022 IR 127': { g1: 'iso-8859-6' },
  'ISO 2022 IR 126': { g1: 'iso-8859-7' }, 'ISO 2022 IR 138': { g1: 'iso-8859-8' }, 'ISO 2022 IR 148': { g1: 'iso-8859-9' },
  'ISO 2022 IR 203': { g1: 'iso-8859-15' }, 'ISO 2022 IR 166': { g1: 'windows-874' },
  'ISO 2022 IR 13': { g0: 'ascii', g1: 'shift_jis' }, 'ISO 2022 IR 87': { g0: 'jisx0208' }, 'ISO 2022 IR 159': { g0: 'jisx0212' },
  'ISO 2022 IR 149': { g1: 'euc-kr' }, 'ISO 2022 IR 58': { g1: 'gbk' },
};

/** Escape sequences (the bytes after ESC, as latin1 text) → what they designate. */
const ESCAPES: Record<string, Partial<State>> = {
  '(B': { g0: 'ascii' }, '(J': { g0: 'ascii' }, // ASCII; JIS X 0201 Romaji (read as ASCII)
  ')I': { g1: 'shift_jis' }, // JIS X 0201 Katakana
  '$B': { g0: 'jisx0208' }, '$@': { g0: 'jisx0208' }, '$(D': { g0: 'jisx0212' },
  '$)C': { g1: 'euc-kr' }, '$)A': { g1: 'gbk' },
  '-A': { g1: LATIN1 }, '-B': { g1: 'iso-8859-2' }, '-C': { g1: 'iso-8859-3' }, '-D': { g1: 'iso-8859-4' },
  '-F': { g1: 'iso-8859-7' }, '-G': { g1: 'iso-8859-6' }, '-H': { g1: 'iso-8859-8' }, '-L': { g1: 'iso-8859-5' },
  '-M': { g1: 'iso-8859-9' }, '-T': { g1: 'windows-874' }, '-b': { g1: 'iso-8859-15' },
};

const textDecoders = new Map<string, TextDecoder>();
function decodeWith(label: string, bytes: Uint8Array): string {
  if (label === LATIN1) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let d = textDecoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    textDecoders.set(label, d);
  }
  return d.decode(bytes);
}

/** Terms of (0008,0005) in a canonical spelling ("" for an empty first value). */
export function parseCharsets(value: string | null | undefined): string[] {
  if (!value) return [''];
  return value.split('\\').map(canonicalTerm);
}

/** Tolerates the misspellings seen in the wild: "ISO-IR 100", "ISO_IR100", "iso_ir 192", "ISO 2022 IR100". */
function canonicalTerm(term: string): string {
  const t = term.replace(/\0/g, '').trim().toUpperCase();
  let m = /^ISO[\s_-]?2022[\s_-]?IR[\s_-]?(\d+)$/.exec(t);
  if (m) return `ISO 2022 IR ${m[1]}`;
  m = /^ISO[\s_-]?IR[\s_-]?(\d+)$/.exec(t);
  if (m) return `ISO_IR ${m[1]}`;
  return t;
}

const cache = new Map<string, CharsetDecoder>();

/** The decoder for a Specific Character Set value (raw "\ISO 2022 IR 87" text, or its terms). */
export function charsetDecoder(specificCharacterSet: string | readonly string[] | null | undefined): CharsetDecoder {
  const key = typeof specificCharacterSet === 'string' || !specificCharacterSet ? (specificCharacterSet ?? '') : specificCharacterSet.join('\\');
  let d = cache.get(key);
  if (!d) {
    d = makeDecoder(typeof specificCharacterSet === 'string' || !specificCharacterSet ? parseCharsets(specificCharacterSet) : specificCharacterSet.map(canonicalTerm));
    if (cache.size < 1000) cache.set(key, d);
  }
  return d;
}

/** Decodes one text value's bytes under the given terms (see parseCharsets). */
export function decodeText(bytes: Uint8Array, charsets: readonly string[], pn = false): string {
  return charsetDecoder(charsets).decode(bytes, pn);
}

function makeDecoder(terms: readonly string[]): CharsetDecoder {
  // UTF-8 and GB18030/GBK have no code extensions; a set listing one of them alongside others is misencoded,
  // and the multi-byte set is the one that reads such text.
  for (const whole of ['ISO_IR 192', 'GB18030', 'GBK']) {
    if (terms.includes(whole)) return plain(PLAIN[whole]!);
  }
  const first = terms[0] ?? '';
  if (terms.length === 1 && !first.startsWith('ISO 2022')) return plain(PLAIN[first] ?? LATIN1);
  return iso2022(terms);
}

function plain(label: string): CharsetDecoder {
  return {
    bufferEncoding: label === LATIN1 ? 'latin1' : label === 'utf-8' ? 'utf8' : null,
    decode: (bytes) => decodeWith(label, bytes),
  };
}

const ESC = 0x1b;

/**
 * ISO 2022 (PS3.5 6.1.2.5): each ESC sequence switches G0 or G1; the first value's sets are back in force
 * after control characters and, when G0 is single-byte, at '\' (values) and '=' (PN component groups).
 * '^' does not reset G1: the standard's own Korean example (PS3.5 Annex I) re-designates only after '='.
 */
function iso2022(terms: readonly string[]): CharsetDecoder {
  const initial: State = { g0: 'ascii', g1: LATIN1, ...TERMS[terms[0] ?? ''] };
  // A first value without ISO 2022 ("ISO_IR 100\ISO 2022 IR 87", seen in the wild) still gives G1.
  const plainFirst = PLAIN[terms[0] ?? ''];
  if (plainFirst && !TERMS[terms[0] ?? '']) initial.g1 = plainFirst;
  return {
    bufferEncoding: null,
    decode(bytes, pn = false) {
      let out = '';
      let state = initial;
      let runStart = 0;
      const flush = (end: number) => {
        if (end > runStart) out += decodeRun(bytes.subarray(runStart, end), state);
      };
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        if (b === ESC) {
          flush(i);
          let j = i + 1;
          while (j < bytes.length && bytes[j]! >= 0x20 && bytes[j]! <= 0x2f) j++; // intermediate bytes
          const seq = Buffer.from(bytes.buffer, bytes.byteOffset + i + 1, Math.min(j + 1, bytes.length) - i - 1).toString('latin1');
          const designates = ESCAPES[seq];
          if (designates) state = { ...state, ...designates };
          i = Math.min(j, bytes.length - 1);
          runStart = i + 1;
        } else if (b < 0x20 || (state.g0 === 'ascii' && (b === 0x5c || (pn && b === 0x3d)))) {
          flush(i);
          out += String.fromCharCode(b);
          state = initial;
          runStart = i + 1;
        }
      }
      flush(bytes.length);
      return out;
    },
  };
}

function decodeRun(run: Uint8Array, state: State): string {
  if (state.g0 === 'ascii') return decodeWith(state.g1, run);
  // Two-byte JIS X 0208/0212 in G0: rewrite as EUC-JP, which also carries G1 katakana (SS2) and ASCII.
  const euc: number[] = [];
  for (let i = 0; i < run.length; i++) {
    const b = run[i]!;
    if (b >= 0x80) {
      if (state.g1 === 'shift_jis' && b >= 0xa1 && b <= 0xdf) euc.push(0x8e);
      euc.push(b);
    } else if (b > 0x20 && b < 0x7f && i + 1 < run.length && run[i + 1]! > 0x20 && run[i + 1]! < 0x7f) {
      if (state.g0 === 'jisx0212') euc.push(0x8f);
      euc.push(b | 0x80, run[++i]! | 0x80);
    } else {
      euc.push(b);
    }
  }
  return decodeWith('euc-jp', Uint8Array.from(euc));
}

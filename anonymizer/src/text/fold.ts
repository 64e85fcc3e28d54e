/**
 * Text folding for identity matching: Unicode compatibility decomposition, combining marks removed
 * (Vietnamese "Nguyễn Văn Đức" → "NGUYEN VAN DUC"), upper case; letters and digits of any script are kept
 * (so "王小東" stays matchable), every other character becomes a space. `fold` keeps a map from each folded character back to the original string so that matches can be cut
 * out of the original text.
 */

/** Folded text plus, for each of its characters, the [start, end) of the original character it came from. */
export interface Folded {
  readonly text: string;
  readonly start: ArrayLike<number>;
  readonly end: ArrayLike<number>;
}

const MARKS = /\p{M}+/gu;
const KEEP = /[\p{L}\p{N}]/u;

/** Folds one code point to zero or more letters, digits or spaces. */
export function foldCodePoint(cp: string): string {
  if (cp === 'đ' || cp === 'Đ') return 'D';
  const base = cp.normalize('NFKD').replace(MARKS, '').toUpperCase();
  let out = '';
  for (const ch of base) out += KEEP.test(ch) ? ch : ' ';
  return out;
}

/** Folds a string, keeping the mapping back to the original. */
export function fold(text: string): Folded {
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  let i = 0;
  for (const cp of text) {
    const f = foldCodePoint(cp);
    for (let k = 0; k < f.length; k++) {
      // one map entry per UTF-16 code unit, so RegExp indices can be used directly
      start.push(i);
      end.push(i + cp.length);
    }
    out += f;
    i += cp.length;
  }
  return { text: out, start, end };
}

/** Folded words of a string (non-empty runs of letters and digits). */
export function foldedWords(text: string): string[] {
  return fold(text).text.split(' ').filter(Boolean);
}

/**
 * Folds raw bytes for a byte-level scan: ASCII letters and digits kept (upper-cased), every other byte a space.
 * Offsets of the result are byte offsets. Bytes above 0x7F are not folded (in binary data they are noise).
 */
export function foldAsciiBytes(bytes: Uint8Array): Folded {
  const chars = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a)) chars[i] = b;
    else if (b >= 0x61 && b <= 0x7a) chars[i] = b - 0x20;
    else chars[i] = 0x20;
  }
  const text = Buffer.from(chars.buffer, chars.byteOffset, chars.byteLength).toString('latin1');
  const start = new Int32Array(bytes.length);
  for (let i = 0; i < start.length; i++) start[i] = i;
  const end = new Int32Array(bytes.length);
  for (let i = 0; i < end.length; i++) end[i] = i + 1;
  return { text, start, end };
}

/** `s` with %XX escapes decoded (URIs, query strings); `s` itself when it has none. Invalid UTF-8 decodes as Latin-1. */
export function percentDecoded(s: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(s)) return s;
  try {
    return decodeURIComponent(s.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/**
 * The patient's identity as a set of tokens, and a matcher that finds them in text regardless of case and
 * diacritics (G-2.3: name, address, identifiers "in any form"). Shared by the cleaner (which removes matches) and
 * the leak scanner (which reports them), so that what one removes the other would have found.
 *
 * Matching rules:
 *  - names: each name part (split on ^, =, spaces, commas) of at least 2 folded characters, as a whole word;
 *  - ids: each identifier as a whole-word phrase; if it has at least 6 letters/digits, also as a substring of the
 *    text with all separators removed ("BN-2024/00123" is found in "bn2024 00123");
 *  - birthDate (YYYYMMDD): as YYYYMMDD, DDMMYYYY or MMDDYYYY in the separator-free text ("04/07/2020");
 *  - other (addresses, phones, institution names): each phrase (split on newlines, ";" and ",") as a whole-word
 *    phrase; phone-like phrases (6+ digits) also digit-for-digit in the separator-free text.
 */
import { fold, type Folded } from './fold.js';

/** Identifying values of one patient, taken from the source before de-identification. */
export interface Identity {
  /** Names: patient name, other names, birth name, mother's birth name… (DICOM PN or free text). */
  readonly names: readonly string[];
  /** Identifiers: patient ID, other IDs, accession number, medical record number… */
  readonly ids: readonly string[];
  /** Birth date as YYYYMMDD. */
  readonly birthDate?: string;
  /** Anything else that identifies: addresses, phone numbers, institution name. */
  readonly other?: readonly string[];
}

/** Kind of identity token. */
export type TokenKind = 'name' | 'id' | 'birthDate' | 'other';

/** One token to look for. */
export interface IdentityToken {
  readonly kind: TokenKind;
  /** Index of the source value in its `Identity` list (0 for the birth date). */
  readonly index: number;
  /** Whole-word phrase (folded words), or empty when the token is matched only compactly. */
  readonly words: readonly string[];
  /** Separator-free forms matched as substrings of the separator-free text. */
  readonly compact: readonly string[];
  /** Length of the longest form, used to decide whether a raw-byte scan may use it. */
  readonly strength: number;
}

/** A match, as a [start, end) range of the original text. */
export interface IdentityMatch {
  readonly start: number;
  readonly end: number;
  readonly kind: TokenKind;
  readonly index: number;
}

const MIN_NAME_PART = 2;
const MIN_ID = 2;
const MIN_COMPACT = 6;

function splitPhrases(value: string): string[] {
  return value.split(/[\r\n;,]+/).map((s) => s.trim()).filter(Boolean);
}

function compactOf(s: string): string {
  return fold(s).text.replace(/ /g, '');
}

/** Builds the token list of an identity (deduplicated). */
export function identityTokens(identity: Identity): IdentityToken[] {
  const tokens: IdentityToken[] = [];
  const seen = new Set<string>();
  const push = (t: IdentityToken): void => {
    const key = `${t.words.join(' ')}|${t.compact.join(' ')}`;
    if (seen.has(key) || (t.words.length === 0 && t.compact.length === 0)) return;
    seen.add(key);
    tokens.push(t);
  };
  identity.names.forEach((name, index) => {
    for (const part of name.split(/[\^=\s,]+/)) {
      const word = compactOf(part);
      if (word.length >= MIN_NAME_PART) push({ kind: 'name', index, words: [word], compact: [], strength: word.length });
      // a part like "Jean-Luc" folds to two words: each is a name part too
      for (const w of fold(part).text.split(' ')) {
        if (w.length >= MIN_NAME_PART && w !== word) push({ kind: 'name', index, words: [w], compact: [], strength: w.length });
      }
    }
  });
  identity.ids.forEach((id, index) => {
    const words = fold(id).text.split(' ').filter(Boolean);
    const compact = words.join('');
    if (compact.length < MIN_ID) return;
    push({ kind: 'id', index, words, compact: compact.length >= MIN_COMPACT ? [compact] : [], strength: compact.length });
  });
  if (identity.birthDate) {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(identity.birthDate.trim());
    if (m) {
      const [, y, mo, d] = m;
      push({ kind: 'birthDate', index: 0, words: [], compact: [`${y}${mo}${d}`, `${d}${mo}${y}`, `${mo}${d}${y}`], strength: 8 });
    }
  }
  (identity.other ?? []).forEach((value, index) => {
    for (const phrase of splitPhrases(value)) {
      const words = fold(phrase).text.split(' ').filter(Boolean);
      const compact = words.join('');
      if (compact.length < 4) continue;
      const digits = phrase.replace(/\D/g, '');
      const compactForms = digits.length >= MIN_COMPACT && digits.length >= compact.length - 2 ? [digits] : [];
      push({ kind: 'other', index, words, compact: compactForms, strength: compact.length });
    }
  });
  return tokens;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whole-word phrase matcher over folded text. Words written in scripts without spaces between words (CJK…) are
 * matched without word boundaries.
 */
function phraseRegExp(words: readonly string[]): RegExp {
  const body = words.map(escapeRe).join(' +');
  if (words.some((w) => /[^\x00-\x7f]/.test(w))) return new RegExp(body, 'gu');
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'gu');
}

interface Compiled {
  token: IdentityToken;
  phrase?: RegExp;
}

/** Finds identity tokens in text; see the module comment for the rules. */
export class IdentityMatcher {
  readonly tokens: readonly IdentityToken[];
  private readonly compiled: Compiled[];

  constructor(identity: Identity, opts: { minStrength?: number } = {}) {
    const min = opts.minStrength ?? 0;
    this.tokens = identityTokens(identity).filter((t) => t.strength >= min);
    this.compiled = this.tokens.map((token) => ({
      token,
      phrase: token.words.length ? phraseRegExp(token.words) : undefined,
    }));
  }

  /** True when there is nothing to look for. */
  get isEmpty(): boolean {
    return this.tokens.length === 0;
  }

  /** All matches in `text`, as ranges of the original string (possibly overlapping), sorted by start. */
  find(text: string): IdentityMatch[] {
    if (!text || this.isEmpty) return [];
    return this.findFolded(fold(text));
  }

  /** All matches in already folded text (ranges through the fold's map). */
  findFolded(folded: Folded): IdentityMatch[] {
    if (this.isEmpty) return [];
    const compact = this.tokens.some((t) => t.compact.length) ? compactView(folded) : folded;
    const out: IdentityMatch[] = [];
    for (const { token, phrase } of this.compiled) {
      if (phrase) {
        phrase.lastIndex = 0;
        for (let m = phrase.exec(folded.text); m; m = phrase.exec(folded.text)) {
          out.push({ start: folded.start[m.index], end: folded.end[m.index + m[0].length - 1], kind: token.kind, index: token.index });
        }
      }
      for (const form of token.compact) {
        for (let at = compact.text.indexOf(form); at >= 0; at = compact.text.indexOf(form, at + 1)) {
          out.push({ start: compact.start[at], end: compact.end[at + form.length - 1], kind: token.kind, index: token.index });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /** `text` with every match removed and whitespace tidied. */
  scrub(text: string): string {
    return removeRanges(text, this.find(text));
  }
}

function compactView(f: Folded): Folded {
  const keep: number[] = [];
  for (let i = 0; i < f.text.length; i++) if (f.text.charCodeAt(i) !== 0x20) keep.push(i);
  const start = new Int32Array(keep.length);
  const end = new Int32Array(keep.length);
  let text = '';
  const CHUNK = 8192;
  for (let k = 0; k < keep.length; k += CHUNK) {
    let piece = '';
    for (let j = k; j < Math.min(keep.length, k + CHUNK); j++) {
      const i = keep[j];
      piece += f.text[i];
      start[j] = f.start[i];
      end[j] = f.end[i];
    }
    text += piece;
  }
  return { text, start, end };
}

/** Removes [start, end) ranges (overlaps allowed) from text and tidies the whitespace left behind. */
export function removeRanges(text: string, ranges: readonly { start: number; end: number }[]): string {
  if (ranges.length === 0) return text;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const r of sorted) {
    if (r.end <= pos) continue;
    if (r.start > pos) out += text.slice(pos, r.start);
    pos = Math.max(pos, r.end);
  }
  out += text.slice(pos);
  return out.replace(/[ \t]{2,}/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '');
}

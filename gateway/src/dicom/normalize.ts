/** Letters NFD does not take apart, folded by hand (đ is the one Vietnamese needs). */
const FOLD: Record<string, string> = { đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', ø: 'o', Ø: 'O', ħ: 'h', Ħ: 'H', ı: 'i' };

/**
 * Folds a person name for matching: upper case, Latin diacritics removed (NFD, then the combining marks
 * U+0300–U+036F, which covers every Vietnamese tone and vowel mark), đ → D, component separators (^ =) as
 * spaces, whitespace collapsed. "nguyen van a" and "NGUYỄN^VĂN^A" both give "NGUYEN VAN A". Only that
 * block of marks goes, so Japanese voiced kana (が, U+3099) keep their voicing; NFC afterwards keeps Hangul
 * syllables whole. QIDO wildcards (* ?) pass through untouched.
 */
export function normalizeName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐłŁøØħĦı]/g, (c) => FOLD[c] ?? c)
    .normalize('NFC')
    .toUpperCase()
    .replace(/[\^=]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

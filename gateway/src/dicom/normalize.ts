/**
 * Folds a person name for matching: upper case, Vietnamese (and other Latin) diacritics removed, đ → D,
 * component separators (^ =) as spaces. "nguyen van a" and "NGUYỄN^VĂN^A" both give "NGUYEN VAN A".
 * QIDO wildcards (* ?) pass through untouched.
 */
export function normalizeName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'D')
    .toUpperCase()
    .replace(/[\^=]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

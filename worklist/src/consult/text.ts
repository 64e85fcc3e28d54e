/** Lowercase, NFC, diacritics removed (đ → d), whitespace collapsed: "Nguyễn  Văn An" ≈ "nguyen van an". */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when `s` is a string with something other than whitespace. */
export function filled(s: unknown): s is string {
  return typeof s === 'string' && s.trim().length > 0;
}

import { describe, expect, it } from 'vitest';
import { fold, foldAsciiBytes } from './fold.js';
import { IdentityMatcher, identityTokens, removeRanges } from './identity.js';

describe('fold', () => {
  it('removes Vietnamese diacritics and đ, upper-cases, maps punctuation to spaces', () => {
    expect(fold('Nguyễn Văn Đức^Trần Thị Ánh').text).toBe('NGUYEN VAN DUC TRAN THI ANH');
    expect(fold('王^小東').text).toBe('王 小東');
  });
  it('maps folded characters back to the original', () => {
    const f = fold('Lê Đức');
    expect(f.text).toBe('LE DUC');
    expect(f.start[3]).toBe(3);
    expect(f.end[5]).toBe(6);
  });
  it('folds bytes as ASCII only', () => {
    expect(foldAsciiBytes(Buffer.from('ab\xc9\x00cd', 'latin1')).text).toBe('AB  CD');
  });
});

describe('IdentityMatcher (G-2.3 identity in any form)', () => {
  const m = new IdentityMatcher({ names: ['NGUYỄN^VĂN AN'], ids: ['BN00123456', 'A7'], birthDate: '20200704', other: ['SGH SPRINGFIELD GENERAL HOSPITAL'] });
  it('matches name parts as whole words, case- and diacritics-insensitive', () => {
    expect(m.find('bệnh nhân nguyen').map((x) => x.kind)).toEqual(['name']);
    expect(m.find('Nguyễn')).toHaveLength(1);
    expect(m.find('NGUYENS van')).toHaveLength(1); // VAN only
    expect(m.find('ANH')).toHaveLength(0); // AN is not a word of ANH
  });
  it('matches identifiers whole or compacted, birth dates in any separator form', () => {
    expect(m.find('id bn-00123456').map((x) => x.kind)).toEqual(['id']);
    expect(m.find('xA7x')).toHaveLength(0);
    expect(m.find('code A7')).toHaveLength(1);
    expect(m.find('04/07/2020').map((x) => x.kind)).toEqual(['birthDate']);
    expect(m.find('2020-07-04').map((x) => x.kind)).toEqual(['birthDate']);
  });
  it('matches other identifying phrases whole', () => {
    expect(m.find('at SGH Springfield General Hospital, ward 3')).toHaveLength(1);
    expect(m.find('General Hospital')).toHaveLength(0);
  });
  it('scrubs matches and tidies whitespace', () => {
    expect(m.scrub('Nguyễn Văn An, 04/07/2020, BN00123456')).toBe(', ,');
    expect(removeRanges('abcdef', [{ start: 1, end: 3 }, { start: 2, end: 4 }])).toBe('aef');
  });
  it('skips one-letter name parts and builds no token from empty values', () => {
    expect(identityTokens({ names: ['DOE^J^^'], ids: [''] }).map((t) => t.words.join(' '))).toEqual(['DOE']);
  });
});

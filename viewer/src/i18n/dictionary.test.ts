import { describe, expect, it } from 'vitest';
import { vi, en } from './dictionary';

describe('dictionary', () => {
  it('has the same keys and placeholders in Vietnamese and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(vi) as (keyof typeof vi)[]) expect(holes(en[k]), k).toEqual(holes(vi[k]));
  });

  it('writes Vietnamese with its diacritics (not a stripped ASCII fallback)', () => {
    expect(vi['case.heading']).toBe('Tóm tắt bệnh án');
    expect(vi['login.heading']).toBe('Đăng nhập');
  });
});

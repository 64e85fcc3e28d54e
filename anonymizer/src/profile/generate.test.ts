import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHARED_DIR } from '../testing/build.js';
import { generateProfileSource, parseTable, parseTagPattern } from './generate.js';
import { PS315_EDITION, PS315_ROWS } from './ps315-current.js';
import { findRow } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(SHARED_DIR, 'docs/standard/ps3.15-table-e1-1.json');

describe('generated PS3.15 Table E.1-1 profile', () => {
  it('matches a fresh generation from the JSON (drift check)', () => {
    const { fileName, source } = generateProfileSource(readFileSync(SOURCE, 'utf8'), 'shared/docs/standard/ps3.15-table-e1-1.json');
    expect(fileName).toBe(`ps315-${PS315_EDITION}.ts`);
    const committed = readFileSync(path.join(here, fileName), 'utf8');
    expect(committed, 'run: pnpm exec tsx anonymizer/scripts/gen-profile.ts').toBe(source);
  });

  it('holds every one of the 621 rows of the source', () => {
    const source = JSON.parse(readFileSync(SOURCE, 'utf8')) as { id: string; basicProfile: string }[];
    expect(source).toHaveLength(621);
    expect(PS315_ROWS).toHaveLength(621);
    const byId = new Map(PS315_ROWS.map((r) => [r.id, r]));
    for (const row of source) expect(byId.get(row.id)?.basic, row.id).toBe(row.basicProfile);
  });

  it('says it is generated', () => {
    const text = readFileSync(path.join(here, `ps315-${PS315_EDITION}.ts`), 'utf8');
    expect(text.startsWith('// GENERATED FILE, DO NOT EDIT BY HAND.')).toBe(true);
  });

  it('keeps the basic-profile counts of the standard (X 384, D 92, U 54, Z 42, X/D 22, X/Z 11, X/Z/D 8, Z/D 6, X/Z/U* 2)', () => {
    const counts: Record<string, number> = {};
    for (const r of PS315_ROWS) counts[r.basic] = (counts[r.basic] ?? 0) + 1;
    expect(counts).toEqual({ X: 384, D: 92, U: 54, Z: 42, 'X/D': 22, 'X/Z': 11, 'X/Z/D': 8, 'Z/D': 6, 'X/Z/U*': 2 });
  });

  it('parses wildcard tags', () => {
    expect(parseTagPattern('(0010,0010)')).toEqual({ kind: 'exact', tag: '00100010' });
    expect(parseTagPattern('(50XX,XXXX)')).toEqual({ kind: 'mask', value: 0x50000000, mask: 0xff000000 });
    expect(parseTagPattern('(60xx,3000)')).toEqual({ kind: 'mask', value: 0x60003000, mask: 0xff00ffff });
    expect(parseTagPattern('(GGGG,EEEE) WHERE GGGG IS ODD')).toEqual({ kind: 'private' });
    expect(() => parseTagPattern('(0010,001)')).toThrow();
  });

  it('finds rows for exact, wildcard and private tags', () => {
    expect(findRow('00100010')?.name).toBe("Patient's Name");
    expect(findRow('60023000')?.id).toBe('60xx3000');
    expect(findRow('601E4000')?.id).toBe('60xx4000');
    expect(findRow('50001234')?.id).toBe('50xxxxxx');
    expect(findRow('00291010')?.id).toBe('ggggeeee-where-gggg-is-odd');
    expect(findRow('00280010')).toBeUndefined();
  });

  it('rejects malformed source data', () => {
    const row = { tag: '(0010,0010)', name: 'n', id: '00100010', stdCompIOD: 'Y', basicProfile: 'Z' };
    expect(() => parseTable(JSON.stringify([{ ...row, basicProfile: 'Q' }]))).toThrow(/bad basic action/);
    expect(() => parseTable(JSON.stringify([{ ...row, newOpt: 'K' }]))).toThrow(/unknown column/);
    expect(() => parseTable(JSON.stringify([row, row]))).toThrow(/duplicate/);
    expect(parseTable(JSON.stringify({ edition: '2025b', rows: [row] })).edition).toBe('2025b');
  });
});

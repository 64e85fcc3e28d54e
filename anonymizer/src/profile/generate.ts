/**
 * Generates the TypeScript rule table from PS3.15 Table E.1-1 as data
 * (`shared/docs/standard/ps3.15-table-e1-1.json`). Pure: text in, text out; `scripts/gen-profile.ts` does the I/O
 * and `generate.test.ts` checks that the committed file equals a fresh generation (drift check).
 */
import { createHash } from 'node:crypto';

/** Action codes of PS3.15 E.1.1 as they appear in the table. */
export const ACTION_CODES = ['D', 'Z', 'X', 'K', 'C', 'U', 'Z/D', 'X/Z', 'X/D', 'X/Z/D', 'X/Z/U*'] as const;
/** One action code of Table E.1-1 (basic profile or option column). */
export type ActionCode = (typeof ACTION_CODES)[number];

/** The option columns of the JSON (one per PS3.15 E.3 option), in the table's order. */
export const OPTION_COLUMNS = [
  'rtnSafePrivOpt',
  'rtnUIDsOpt',
  'rtnDevIdOpt',
  'rtnInstIdOpt',
  'rtnPatCharsOpt',
  'rtnLongFullDatesOpt',
  'rtnLongModifDatesOpt',
  'cleanDescOpt',
  'cleanStructContOpt',
  'cleanGraphOpt',
] as const;
/** Name of one option column. */
export type OptionColumn = (typeof OPTION_COLUMNS)[number];

/** How a row's tag is matched. */
export type TagMatch =
  | { readonly kind: 'exact'; readonly tag: string }
  | { readonly kind: 'mask'; readonly value: number; readonly mask: number }
  | { readonly kind: 'private' };

/** One row of Table E.1-1. */
export interface ProfileRow {
  /** Tag as printed in the standard, e.g. "(0008,0050)", "(50XX,XXXX)". */
  readonly tag: string;
  readonly name: string;
  /** Row id of the source data ("00080050", "50xxxxxx", "ggggeeee-where-gggg-is-odd"). */
  readonly id: string;
  readonly match: TagMatch;
  /** "Y" in the source: the attribute is used in a standard composite IOD. */
  readonly inStdCompIOD: boolean;
  /** Action of the Basic Profile. */
  readonly basic: ActionCode;
  /** Action of each option that has one for this row. */
  readonly options: Readonly<Partial<Record<OptionColumn, ActionCode>>>;
}

interface SourceRow {
  tag: string;
  name: string;
  id: string;
  stdCompIOD: string;
  basicProfile: string;
  [column: string]: string;
}

const KNOWN_KEYS = new Set(['tag', 'name', 'id', 'stdCompIOD', 'basicProfile', ...OPTION_COLUMNS]);

function isActionCode(v: unknown): v is ActionCode {
  return typeof v === 'string' && (ACTION_CODES as readonly string[]).includes(v);
}

/** Parses the tag column into a matcher; throws on anything it does not understand. */
export function parseTagPattern(tag: string): TagMatch {
  if (/^\(GGGG,EEEE\) WHERE GGGG IS ODD$/i.test(tag)) return { kind: 'private' };
  const m = /^\(([0-9A-FX]{4}),([0-9A-FX]{4})\)$/i.exec(tag);
  if (!m) throw new Error(`unrecognised tag pattern ${JSON.stringify(tag)}`);
  const hex = (m[1] + m[2]).toUpperCase();
  if (!hex.includes('X')) return { kind: 'exact', tag: hex };
  let value = 0;
  let mask = 0;
  for (const ch of hex) {
    value = value * 16 + (ch === 'X' ? 0 : parseInt(ch, 16));
    mask = mask * 16 + (ch === 'X' ? 0 : 15);
  }
  return { kind: 'mask', value: value >>> 0, mask: mask >>> 0 };
}

/** Validates and converts the JSON rows. */
export function parseTable(jsonText: string): { rows: ProfileRow[]; edition: string } {
  const data: unknown = JSON.parse(jsonText);
  let rawRows: unknown;
  let edition = 'current';
  if (Array.isArray(data)) {
    rawRows = data;
  } else if (data && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    rawRows = obj.rows ?? obj.attributes;
    if (typeof obj.edition === 'string' && obj.edition.trim()) edition = obj.edition.trim();
  }
  if (!Array.isArray(rawRows)) throw new Error('expected an array of rows');
  const rows: ProfileRow[] = [];
  for (const [i, r] of (rawRows as SourceRow[]).entries()) {
    for (const key of Object.keys(r)) {
      if (!KNOWN_KEYS.has(key)) throw new Error(`row ${i} (${r.tag}): unknown column ${key}`);
    }
    if (!isActionCode(r.basicProfile)) throw new Error(`row ${i} (${r.tag}): bad basic action ${r.basicProfile}`);
    const options: Partial<Record<OptionColumn, ActionCode>> = {};
    for (const col of OPTION_COLUMNS) {
      const v = r[col];
      if (v === undefined) continue;
      if (!isActionCode(v)) throw new Error(`row ${i} (${r.tag}): bad ${col} action ${v}`);
      options[col] = v;
    }
    if (r.stdCompIOD !== 'Y' && r.stdCompIOD !== 'N') throw new Error(`row ${i} (${r.tag}): bad stdCompIOD`);
    rows.push({
      tag: r.tag,
      name: r.name,
      id: r.id,
      match: parseTagPattern(r.tag),
      inStdCompIOD: r.stdCompIOD === 'Y',
      basic: r.basicProfile,
      options,
    });
  }
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) throw new Error(`duplicate row ${row.id}`);
    seen.add(row.id);
  }
  return { rows, edition };
}

/** File name of the generated module for an edition ("ps315-current.ts"). */
export function profileFileName(edition: string): string {
  return `ps315-${edition.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.ts`;
}

function lit(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function renderMatch(m: TagMatch): string {
  if (m.kind === 'exact') return `{ kind: 'exact', tag: '${m.tag}' }`;
  if (m.kind === 'private') return `{ kind: 'private' }`;
  const h = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
  return `{ kind: 'mask', value: ${h(m.value)}, mask: ${h(m.mask)} }`;
}

/**
 * Renders the generated module. Rows are sorted by id so the output does not depend on the JSON's order.
 * Returns the file name and its full text.
 */
export function generateProfileSource(jsonText: string, sourceLabel: string): { fileName: string; source: string } {
  const { rows, edition } = parseTable(jsonText);
  const sha256 = createHash('sha256').update(jsonText).digest('hex');
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lines: string[] = [];
  lines.push('// GENERATED FILE, DO NOT EDIT BY HAND.');
  lines.push(`// Generated by anonymizer/scripts/gen-profile.ts from ${sourceLabel}`);
  lines.push(`// (sha256 ${sha256}).`);
  lines.push('// DICOM PS3.15 Annex E, Table E.1-1 (Application Level Confidentiality Profile Attributes).');
  lines.push('// Regenerate: pnpm exec tsx anonymizer/scripts/gen-profile.ts   (generate.test.ts fails on drift)');
  lines.push("import type { ProfileRow } from './generate.js';");
  lines.push('');
  lines.push('/** Edition of PS3.15 the rows come from ("current" when the source does not say). */');
  lines.push(`export const PS315_EDITION = ${lit(edition)};`);
  lines.push('/** SHA-256 of the source JSON. */');
  lines.push(`export const PS315_SOURCE_SHA256 = ${lit(sha256)};`);
  lines.push('');
  lines.push(`/** All ${sorted.length} rows of Table E.1-1, sorted by id. */`);
  lines.push('export const PS315_ROWS: readonly ProfileRow[] = [');
  for (const r of sorted) {
    const opts = OPTION_COLUMNS.filter((c) => r.options[c] !== undefined)
      .map((c) => `${c}: ${lit(r.options[c] as string)}`)
      .join(', ');
    lines.push(
      `  { tag: ${lit(r.tag)}, name: ${lit(r.name)}, id: ${lit(r.id)}, match: ${renderMatch(r.match)}, ` +
        `inStdCompIOD: ${r.inStdCompIOD}, basic: ${lit(r.basic)}, options: { ${opts} } },`.replace('{  }', '{}'),
    );
  }
  lines.push('];');
  lines.push('');
  return { fileName: profileFileName(edition), source: lines.join('\n') };
}

import { findAttribute, type Attr, type Level } from './attributes.js';
import { createRequire } from 'node:module';
import { HoiError } from '../../errors.js';

const require = createRequire(import.meta.url);

export interface Filter {
  attr: Attr;
  value: string;
}

export interface QidoQuery {
  filters: Filter[];
  /** Tags (8 hex, upper) asked for by includefield; `all` sets includeAll. */
  includeTags: string[];
  includeAll: boolean;
  limit: number | null;
  offset: number;
  fuzzy: boolean;
  /** Keys we could not use, for the Warning header. */
  ignored: string[];
}

const LEVEL_RANK: Record<Level, number> = { study: 0, series: 1, instance: 2 };

/**
 * Parses QIDO-RS query parameters for a query at `level`: matching keys of that level and above,
 * includefield, limit/offset, fuzzymatching. An empty value is a return key only (PS3.4 C.2.2.2.3).
 */
export function parseQuery(raw: Record<string, string | string[] | undefined>, level: Level): QidoQuery {
  const q: QidoQuery = { filters: [], includeTags: [], includeAll: false, limit: null, offset: 0, fuzzy: false, ignored: [] };
  for (const [key, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    const k = key.toLowerCase();
    if (k === 'includefield') {
      for (const item of values.flatMap((x) => x.split(','))) {
        const name = item.trim();
        if (!name) continue;
        if (name.toLowerCase() === 'all') q.includeAll = true;
        else {
          const tag = tagOf(name);
          if (tag) q.includeTags.push(tag);
          else q.ignored.push(name);
        }
      }
      continue;
    }
    if (k === 'limit' || k === 'offset') {
      const n = Number(values[values.length - 1]);
      if (!Number.isInteger(n) || n < 0) throw new HoiError('HOI_ERR_BAD_REQUEST', `${key} must be a non-negative integer`);
      if (k === 'limit') q.limit = n;
      else q.offset = n;
      continue;
    }
    if (k === 'fuzzymatching') {
      q.fuzzy = values[values.length - 1] === 'true';
      continue;
    }
    const attr = findAttribute(key);
    if (!attr || LEVEL_RANK[attr.level] > LEVEL_RANK[level]) {
      q.ignored.push(key);
      continue;
    }
    for (const value of values) {
      if (value === '') {
        q.includeTags.push(attr.tag.split('.')[0]!);
        continue;
      }
      q.filters.push({ attr, value });
    }
  }
  return q;
}

let dictionary: Map<string, string> | null = null;

/** Keyword or hex tag → 8 hex uppercase tag, using dcmjs's dictionary for keywords we don't match on. */
export function tagOf(name: string): string | null {
  if (/^[0-9a-fA-F]{8}$/.test(name)) return name.toUpperCase();
  const a = findAttribute(name);
  if (a) return a.tag.split('.')[0]!;
  if (!dictionary) dictionary = loadKeywords();
  return dictionary.get(name) ?? null;
}

function loadKeywords(): Map<string, string> {
  const m = new Map<string, string>();
  // Loaded on first use: the dictionary is big and most queries never need it.
  const dcmjs = require('dcmjs') as { data: { DicomMetaDictionary: { nameMap: Record<string, { tag: string }> } } };
  for (const [k, v] of Object.entries(dcmjs.data.DicomMetaDictionary.nameMap)) m.set(k, v.tag.replace(/[(),]/g, '').toUpperCase());
  return m;
}

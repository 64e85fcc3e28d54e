import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../archive/index/schema.js';
import { normalizeName } from '../../dicom/normalize.js';
import { HoiError } from '../../errors.js';
import type { Level } from './attributes.js';
import type { Filter, QidoQuery } from './parseQuery.js';

export interface QidoScope {
  studyUid?: string;
  seriesUid?: string;
  /** Extra condition from the DICOMweb root's view (dicomweb/view.ts), e.g. a case pack's instances only. */
  restrict?: RawBuilder<SqlBool> | null;
}

export interface QidoResult {
  /** DICOM JSON object texts, one per match. */
  items: string[];
  /** Matches beyond the page (limit), for the Warning header. */
  more: number;
}

/** Upper bound on one answer without an explicit limit (PS3.18 lets the origin server cap it with a warning). */
export const MAX_RESULTS = 10_000;

function likePattern(v: string): string {
  return v.replace(/[\\%_]/g, (c) => '\\' + c).replace(/\*/g, '%').replace(/\?/g, '_');
}

const hasWildcard = (v: string): boolean => /[*?]/.test(v);

function checkDate(v: string): string {
  const d = v.replace(/[-.]/g, '');
  if (!/^\d{8}$/.test(d)) throw new HoiError('HOI_ERR_BAD_REQUEST', `"${v}" is not a DICOM date (YYYYMMDD)`);
  return d;
}

function checkTime(v: string, upper: boolean): string {
  const t = v.replace(/:/g, '');
  if (!/^\d{2,6}(\.\d{1,6})?$/.test(t)) throw new HoiError('HOI_ERR_BAD_REQUEST', `"${v}" is not a DICOM time (HHMMSS.FFFFFF)`);
  const [hms, frac = ''] = t.split('.');
  // Lexical order is time order once padded: a lower bound with zeros, an upper bound with nines
  // ("12" up to "129999" still sorts below "130000" since minutes and seconds never exceed 59).
  const full = hms!.padEnd(6, upper ? '9' : '0');
  return `${full.slice(0, 6)}.${frac.padEnd(6, upper ? '9' : '0')}`;
}

function rangeCond(col: string, value: string, kind: 'date' | 'time'): RawBuilder<SqlBool> {
  const ref = sql.ref(col);
  if (kind === 'date') {
    if (value.includes('-') && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const [a, b] = value.split('-');
      const conds: RawBuilder<SqlBool>[] = [];
      if (a) conds.push(sql<SqlBool>`${ref} >= ${checkDate(a)}`);
      if (b) conds.push(sql<SqlBool>`${ref} <= ${checkDate(b)}`);
      if (!conds.length) throw new HoiError('HOI_ERR_BAD_REQUEST', `bad date range "${value}"`);
      return sql<SqlBool>`(${sql.join(conds, sql` AND `)})`;
    }
    return sql<SqlBool>`${ref} = ${checkDate(value)}`;
  }
  // Times are stored as sent ("HHMMSS", "HHMMSS.FFF"); compare a padded copy of the column.
  const padded = sql`substr(${ref} || '000000', 1, 6) || '.' || substr(coalesce(nullif(substr(${ref}, 8), ''), '') || '000000', 1, 6)`;
  const [a, b] = value.includes('-') ? value.split('-') : [value, value];
  const conds: RawBuilder<SqlBool>[] = [];
  if (a) conds.push(sql<SqlBool>`${padded} >= ${checkTime(a, false)}`);
  if (b) conds.push(sql<SqlBool>`${padded} <= ${checkTime(b, true)}`);
  if (!conds.length) throw new HoiError('HOI_ERR_BAD_REQUEST', `bad time range "${value}"`);
  return sql<SqlBool>`(${ref} IS NOT NULL AND ${sql.join(conds, sql` AND `)})`;
}

function condition(f: Filter, fuzzy: boolean): RawBuilder<SqlBool> {
  const { attr, value } = f;
  const ref = sql.ref(attr.column);
  switch (attr.kind) {
    case 'uid': {
      const uids = value.split(/[,\\]/).map((s) => s.trim()).filter(Boolean);
      return sql<SqlBool>`${ref} IN (${sql.join(uids)})`;
    }
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new HoiError('HOI_ERR_BAD_REQUEST', `${attr.keyword} must be an integer`);
      return sql<SqlBool>`${ref} = ${n}`;
    }
    case 'date':
    case 'time':
      return rangeCond(attr.column, value, attr.kind);
    case 'modalities': {
      const mods = value.split(/[,\\]/).map((s) => s.trim()).filter(Boolean);
      return sql<SqlBool>`EXISTS (SELECT 1 FROM series ms WHERE ms.study_pk = studies.pk AND ms.modality IN (${sql.join(mods)}))`;
    }
    case 'pn': {
      // Case and Vietnamese diacritics are ignored: both sides are normalized ("nguyen van a" = "NGUYỄN^VĂN^A").
      const norm = normalizeName(value);
      if (hasWildcard(norm)) return sql<SqlBool>`${ref} LIKE ${likePattern(norm)} ESCAPE '\\'`;
      if (fuzzy) {
        const words = norm.split(' ').filter(Boolean);
        return sql<SqlBool>`(${sql.join(words.map((w) => sql`(${ref} LIKE ${likePattern(w) + '%'} ESCAPE '\\' OR ${ref} LIKE ${'% ' + likePattern(w) + '%'} ESCAPE '\\')`), sql` AND `)})`;
      }
      return sql<SqlBool>`${ref} = ${norm}`;
    }
    case 'string': {
      const vals = value.split('\\');
      const one = (v: string): RawBuilder<SqlBool> => (hasWildcard(v) ? sql<SqlBool>`${ref} LIKE ${likePattern(v)} ESCAPE '\\'` : sql<SqlBool>`${ref} = ${v}`);
      return vals.length > 1 ? sql<SqlBool>`(${sql.join(vals.map(one), sql` OR `)})` : one(value);
    }
  }
}

const attrJson = (tag: string, vr: string, values: (string | number)[]): string =>
  values.length ? `"${tag}":{"vr":"${vr}","Value":${JSON.stringify(values)}}` : `"${tag}":{"vr":"${vr}"}`;

const inner = (obj: string): string => obj.trim().slice(1, -1).trim();

function joinObject(parts: string[]): string {
  return `{${parts.map((p) => p.trim()).filter(Boolean).join(',')}}`;
}

/** Tags of a DICOM JSON object text, without parsing values. */
function tagsIn(obj: string): Set<string> {
  return new Set(Object.keys(JSON.parse(obj) as Record<string, unknown>));
}

/**
 * Runs a QIDO-RS (or C-FIND) query at `level` within `scope`. Answers are assembled from the JSON
 * fragments cached at store time plus the computed attributes (counts, ModalitiesInStudy, RetrieveURL).
 */
export async function runQuery(db: Kysely<Database>, level: Level, q: QidoQuery, scope: QidoScope, baseUrl: string): Promise<QidoResult> {
  const conds: RawBuilder<SqlBool>[] = q.filters.map((f) => condition(f, q.fuzzy));
  if (scope.studyUid) conds.push(sql<SqlBool>`studies.study_uid = ${scope.studyUid}`);
  if (scope.seriesUid) conds.push(sql<SqlBool>`series.series_uid = ${scope.seriesUid}`);
  if (scope.restrict) conds.push(scope.restrict);
  const where = conds.length ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``;
  const limit = Math.min(q.limit ?? MAX_RESULTS, MAX_RESULTS);
  const page = sql`LIMIT ${limit + 1} OFFSET ${q.offset}`;

  type Row = Record<string, string | number | null>;
  let rows: Row[];
  if (level === 'study') {
    rows = (await sql<Row>`SELECT studies.pk AS study_pk, studies.study_uid, studies.study_json, studies.modalities, studies.num_series, studies.num_instances
      FROM studies ${where} ORDER BY studies.pk ${page}`.execute(db)).rows;
  } else if (level === 'series') {
    rows = (await sql<Row>`SELECT studies.study_uid, studies.study_json, series.pk AS series_pk, series.series_uid, series.series_json, series.num_instances
      FROM series JOIN studies ON studies.pk = series.study_pk ${where} ORDER BY series.pk ${page}`.execute(db)).rows;
  } else {
    rows = (await sql<Row>`SELECT studies.study_uid, studies.study_json, series.series_uid, series.series_json, instances.sop_uid, instances.instance_json, instances.transfer_syntax_uid
      FROM instances JOIN series ON series.pk = instances.series_pk JOIN studies ON studies.pk = instances.study_pk ${where} ORDER BY instances.pk ${page}`.execute(db)).rows;
  }
  const more = rows.length > limit ? 1 : 0;
  if (more) rows = rows.slice(0, limit);

  const items: string[] = [];
  for (const r of rows) {
    const parts: string[] = [];
    const study = String(r.study_uid);
    const studyUrl = `${baseUrl}/studies/${study}`;
    if (level === 'study') {
      parts.push(inner(String(r.study_json)));
      parts.push(attrJson('00080056', 'CS', ['ONLINE']));
      parts.push(attrJson('00080061', 'CS', String(r.modalities).split('\\').filter(Boolean)));
      parts.push(attrJson('00081190', 'UR', [studyUrl]));
      parts.push(attrJson('00201206', 'IS', [Number(r.num_series)]));
      parts.push(attrJson('00201208', 'IS', [Number(r.num_instances)]));
    } else {
      // Study attributes come along when the query is not scoped to one study, or when asked.
      if (!scope.studyUid || q.includeAll) parts.push(inner(String(r.study_json)));
      else parts.push(attrJson('0020000D', 'UI', [study]));
      parts.push(inner(String(r.series_json)));
      const seriesUrl = `${studyUrl}/series/${String(r.series_uid)}`;
      if (level === 'series') {
        parts.push(attrJson('00080056', 'CS', ['ONLINE']));
        parts.push(attrJson('00081190', 'UR', [seriesUrl]));
        parts.push(attrJson('00201209', 'IS', [Number(r.num_instances)]));
      } else {
        parts.push(inner(String(r.instance_json)));
        parts.push(attrJson('00080056', 'CS', ['ONLINE']));
        parts.push(attrJson('00081190', 'UR', [`${seriesUrl}/instances/${String(r.sop_uid)}`]));
        parts.push(attrJson('00083002', 'UI', [String(r.transfer_syntax_uid)]));
      }
    }
    let obj = joinObject(parts);
    if (q.includeAll || q.includeTags.length) obj = await withExtraTags(db, level, r, obj, q);
    items.push(obj);
  }
  return { items, more };
}

/** Adds includefield tags that the level fragments don't carry, from a representative instance's metadata. */
async function withExtraTags(db: Kysely<Database>, level: Level, r: Record<string, string | number | null>, obj: string, q: QidoQuery): Promise<string> {
  const have = tagsIn(obj);
  const wanted = q.includeTags.filter((t) => !have.has(t));
  if (!wanted.length && !(q.includeAll && level === 'instance')) return obj;
  let meta: string | undefined;
  if (level === 'instance') meta = (await db.selectFrom('instances').select('meta_json').where('sop_uid', '=', String(r.sop_uid)).executeTakeFirst())?.meta_json;
  else if (level === 'series') meta = (await db.selectFrom('instances').select('meta_json').where('series_pk', '=', Number(r.series_pk)).orderBy('instance_number').limit(1).executeTakeFirst())?.meta_json;
  else meta = (await db.selectFrom('instances').select('meta_json').where('study_pk', '=', Number(r.study_pk)).limit(1).executeTakeFirst())?.meta_json;
  if (!meta) return obj;
  const full = JSON.parse(meta) as Record<string, { BulkDataURI?: string }>;
  const base = JSON.parse(obj) as Record<string, unknown>;
  const take = q.includeAll && level === 'instance' ? Object.keys(full) : wanted;
  for (const t of take) {
    const el = full[t];
    // Bulk data is never part of a query answer.
    if (el && !el.BulkDataURI && !(t in base)) base[t] = el;
  }
  return JSON.stringify(base);
}

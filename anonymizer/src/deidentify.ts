/**
 * Header de-identification: PS3.15 Annex E Table E.1-1 (generated, all rows) with the E.3 options, applied to a
 * Part 10 file in dcmjs dict form, recursively into sequences (G-2.3: never share identifying information).
 *
 * Pixel data is not touched here (Clean Pixel Data / faces are another stage); the caller declares whether that
 * stage ran, and only then are its CID 7050 codes written.
 */
import { createHash } from 'node:crypto';
import { type DicomDataset, type DicomElement, type ParsedPart10, readPart10, writePart10 } from './dicom/io.js';
import { BULK_VRS, formatTag, keywordOf, mapPersonName, TEXT_VRS } from './dicom/dictionary.js';
import { AnonymizerError } from './errors.js';
import { identityOf } from './identity.js';
import { leakScan, type LeakScanResult } from './leakScan.js';
import type { OptionColumn } from './profile/generate.js';
import {
  activeColumns,
  CONSULT_PROFILE,
  methodCodes,
  methodDescription,
  type PixelCleaningDeclaration,
  type ProfileOptions,
} from './profile/options.js';
import { isPrivateTag, PS315_EDITION } from './profile/table.js';
import { cleanText } from './rules/clean.js';
import { CODE_TAGS, decide, type Decision } from './rules/decide.js';
import { DUMMY_TEXT, dummyValue } from './rules/dummy.js';
import { decidePrivate, isPrivateCreator } from './rules/privateTags.js';
import type { Action } from './rules/resolve.js';
import { derivedUid, normalizeUid, replaceUid } from './rules/replaceUid.js';
import { dateShiftDays, shiftDA, shiftDT } from './rules/shiftDate.js';
import { percentDecoded } from './text/fold.js';
import { IdentityMatcher } from './text/identity.js';

/** Version written into the File Meta Information and De-identification Method. */
export const ANONYMIZER_VERSION = '0.1.0';
/** Our Implementation Class UID (UUID-derived, fixed). */
export const IMPLEMENTATION_CLASS_UID = `2.25.${BigInt(
  `0x${createHash('sha256').update('hoichan-anonymizer implementation class').digest('hex').slice(0, 32)}`,
).toString(10)}`;
/** Our Implementation Version Name (≤ 16 characters). */
export const IMPLEMENTATION_VERSION_NAME = `HOICHAN_ANON_${ANONYMIZER_VERSION.replace(/\./g, '')}`;

/** Options of `deidentify`. */
export interface DeidentifyOptions {
  /** Site secret keying the UID pseudonyms and the date shift (at least 16 bytes). Never leaves the site. */
  readonly siteSecret: string | Uint8Array;
  /** The case pseudonym written as Patient's Name and Patient ID (e.g. "HC-2026-0007"); if absent they follow the table (Z). */
  readonly pseudonym?: string;
  /** Profile options; default `CONSULT_PROFILE`. */
  readonly profile?: ProfileOptions;
  /** Date shift in days for Modified Dates; default derived from HMAC(siteSecret, original Patient ID). */
  readonly dateShiftDays?: number;
  /** Pixel cleaning done by another stage, declared by the caller (adds CID 7050 codes 113101 / 113102). */
  readonly pixels?: PixelCleaningDeclaration;
  /** Run the leak scanner on the output and put its summary in the report (default true). */
  readonly verify?: boolean;
}

/** What was done to one attribute. */
export type ReportAction = Action | 'shifted' | 'pseudonym' | 'added' | 'set';

/** One line of the report: never holds an original value. */
export interface DeidReportEntry {
  /** Path of the attribute, e.g. "(0040,0275)[0](0008,1110)[0](0008,1155)". */
  readonly path: string;
  readonly keyword?: string;
  readonly vr: string;
  readonly action: ReportAction;
  /** Why: the Table E.1-1 row and column, the Type used, or another rule. */
  readonly rule: string;
}

/** Report of one de-identification. */
export interface DeidReport {
  readonly edition: string;
  /** CID 7050 code values applied. */
  readonly methodCodes: readonly string[];
  readonly profile: ProfileOptions;
  readonly sopClassUid?: string;
  /** New SOP Instance UID (the output's name). */
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Days added to every date under Modified Dates (negative: into the past). */
  readonly dateShiftDays?: number;
  readonly longitudinalTemporalInformationModified: 'MODIFIED' | 'UNMODIFIED' | 'REMOVED';
  readonly entries: readonly DeidReportEntry[];
  /** Number of entries per action. */
  readonly counts: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
  /** Leak scan of the output against the source's identity (when `verify` is not false). */
  readonly leakScan?: { readonly clean: boolean; readonly hits: number; readonly hitPaths: readonly string[] };
}

/** Result of `deidentify`. */
export interface DeidentifyResult {
  readonly part10: Buffer;
  readonly report: DeidReport;
  /** Full leak scan result (hits carry kinds and paths, never values), when `verify` is not false. */
  readonly leaks?: LeakScanResult;
}

interface Ctx {
  readonly secret: Uint8Array;
  readonly profile: ProfileOptions;
  readonly active: ReadonlySet<OptionColumn>;
  readonly shift?: number;
  readonly sopClassUid?: string;
  /** The patient's identity, for cleaning and the residual scrub. */
  readonly identity: IdentityMatcher;
  readonly entries: DeidReportEntry[];
  readonly warnings: string[];
}

const SR_TEXT_VALUE = '0040A160';
const PIXEL_DATA = '7FE00010';
const OVERLAY_DATA = 0x3000;

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < 16) throw new AnonymizerError('BAD_KEY', 'site secret must be at least 16 bytes');
  return bytes;
}

function checkPseudonym(p: string | undefined): void {
  if (p === undefined) return;
  if (!p.trim() || p.length > 64 || /[\\^=\r\n\t]/.test(p) || /[^\x20-\x7e]/.test(p)) {
    throw new AnonymizerError('BAD_OPTIONS', 'pseudonym must be 1-64 printable ASCII characters without \\ ^ =');
  }
}

function firstString(ds: DicomDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v.replace(/[\0 ]+$/, '') : undefined;
}

function isOverlayGroup(group: number): boolean {
  return group >= 0x6000 && group <= 0x601e && group % 2 === 0;
}

function element(vr: string, Value: unknown[]): DicomElement {
  return { vr, Value };
}

/** Decides and applies the action on every element of `ds`; returns the new dataset. */
function processDataset(ds: DicomDataset, ctx: Ctx, prefix: string, parentSeq: string | undefined, clean: boolean): DicomDataset {
  const out: DicomDataset = {};
  const keptCreators = new Set<string>();
  for (const key of Object.keys(ds).sort()) {
    const el = ds[key];
    const tag = key.toUpperCase();
    const path = `${prefix}${formatTag(tag)}`;
    const group = parseInt(tag.slice(0, 4), 16);
    const elementNo = parseInt(tag.slice(4), 16);
    const report = (action: ReportAction, rule: string): void => {
      ctx.entries.push({ path, keyword: isPrivateTag(tag) ? undefined : keywordOf(tag), vr: el.vr, action, rule });
    };

    if (isPrivateTag(tag)) {
      const p = decidePrivate(ds, tag, el, ctx.profile.retainSafePrivate);
      if (p.keep) {
        out[tag] = p.element;
        keptCreators.add(p.creatorTag);
        report('K', p.rule);
      } else if (p.rule) {
        report('X', p.rule);
      }
      continue;
    }
    if (group === 0x0002 || group === 0x0000) {
      report('X', 'command/meta group inside the dataset');
      continue;
    }
    if (elementNo === 0x0000) {
      report('X', 'group length (retired, recomputed by readers)');
      continue;
    }
    if (isOverlayGroup(group) && elementNo !== OVERLAY_DATA && elementNo !== 0x4000) {
      report('X', 'overlay group removed with its Overlay Data (60xx,3000): bitmaps are not inspected here');
      continue;
    }

    const decided = decide(tag, el, ctx, parentSeq, clean);
    applyAction(decided, tag, el, ctx, path, clean, report, out);
  }
  // Private Creator elements are kept only for blocks that still hold a kept (safe) element.
  if (ctx.profile.retainSafePrivate) {
    for (const key of Object.keys(ds).sort()) {
      const tag = key.toUpperCase();
      if (!isPrivateCreator(tag)) continue;
      const kept = keptCreators.has(tag);
      if (kept) out[tag] = ds[key];
      ctx.entries.push({
        path: `${prefix}${formatTag(tag)}`,
        vr: ds[key].vr,
        action: kept ? 'K' : 'X',
        rule: kept ? 'Private Creator of a kept safe private element' : 'Private Creator of a removed private block',
      });
    }
  }
  return out;
}

function applyAction(
  d: Decision,
  tag: string,
  el: DicomElement,
  ctx: Ctx,
  path: string,
  clean: boolean,
  report: (a: ReportAction, rule: string) => void,
  out: DicomDataset,
): void {
  const values = el.Value ?? [];
  switch (d.action) {
    case 'X':
      report('X', d.rule);
      return;
    case 'Z':
      out[tag] = element(el.vr, []);
      report('Z', d.rule);
      return;
    case 'D': {
      if (el.vr === 'SQ') {
        // The "dummy" of a sequence is the sequence itself with every item processed and all text cleaned: its
        // Type 1 content (e.g. Verifying Observer Name) gets dummies from its own rows and the IOD stays valid.
        report('D', `${d.rule}; items kept, processed recursively with all text cleaned`);
        out[tag] = element('SQ', processItems(values, tag, ctx, path, true));
        return;
      }
      if (el.vr === 'UI') {
        out[tag] = element('UI', values.length ? values.map((v) => pseudoUid(ctx.secret, v)) : [derivedUid(ctx.secret, path)]);
        report('D', `${d.rule}; dummy UID derived like U`);
        return;
      }
      const dummy = dummyValue(el.vr);
      if (dummy) {
        out[tag] = element(el.vr, dummy);
        report('D', d.rule);
      } else {
        report('X', `${d.rule}; no dummy for VR ${el.vr}: removed`);
      }
      return;
    }
    case 'U': {
      if (el.vr === 'SQ') {
        report('U', `${d.rule}; sequence kept, UIDs inside replaced`);
        out[tag] = element('SQ', processItems(values, tag, ctx, path, clean));
        return;
      }
      if (el.vr !== 'UI') {
        report('X', `${d.rule}; U on VR ${el.vr}: removed`);
        return;
      }
      out[tag] = element('UI', values.map((v) => pseudoUid(ctx.secret, v)));
      report('U', d.rule);
      return;
    }
    case 'K':
    case 'C': {
      if (el.vr === 'SQ') {
        report(d.action, d.rule);
        out[tag] = element('SQ', processItems(values, tag, ctx, path, clean || d.action === 'C'));
        return;
      }
      if (d.temporal === 'modified' && (el.vr === 'DA' || el.vr === 'DT')) {
        shiftDates(tag, el, ctx, d, report, out);
        return;
      }
      if (TEXT_VRS.has(el.vr) && hidesIdentity(values, ctx)) {
        // "%20"-escaped text (URIs) cannot be scrubbed in place without breaking it; the value goes.
        report('X', `${d.rule}; URI-escaped text contains the patient's identity (G-2.3): removed`);
        return;
      }
      if (d.action === 'C' && TEXT_VRS.has(el.vr)) {
        const cleaned = mapText(el, (s) => cleanText(s, ctx.identity));
        out[tag] = cleaned;
        report('C', tag === SR_TEXT_VALUE ? `${d.rule}; SR TextValue cleaned` : d.rule);
        return;
      }
      // K, or C on a non-text VR (times under Modified Dates are kept, numbers have nothing to clean)
      if (TEXT_VRS.has(el.vr)) {
        // Residual scrub (G-2.3): the patient's own identity never survives in a kept text value.
        // A coded value scrubbed to nothing gets a dummy so that Type 1 code components stay present.
        const coded = el.vr === 'CS' || CODE_TAGS.has(tag);
        const scrubbed = mapText(el, (s) => {
          const t = ctx.identity.scrub(s);
          return coded && t === '' && s.trim() !== '' ? DUMMY_TEXT : t;
        });
        if (JSON.stringify(scrubbed.Value) !== JSON.stringify(values)) {
          out[tag] = scrubbed;
          report('C', `${d.rule}; patient identity removed from the kept text (G-2.3 residual scrub)`);
          return;
        }
      }
      if (BULK_VRS.has(el.vr) && tag !== PIXEL_DATA && binaryHoldsIdentity(values, ctx)) {
        // Bytes cannot be scrubbed in place; a binary value that spells the patient's identity is removed.
        report('X', `${d.rule}; binary value contains the patient's identity (G-2.3): removed`);
        return;
      }
      out[tag] = el;
      report('K', d.action === 'C' ? `${d.rule}; nothing to clean in VR ${el.vr}` : d.rule);
      return;
    }
  }
}

/** True when a text value, with its %XX escapes decoded, contains the patient's identity. */
function hidesIdentity(values: unknown[], ctx: Ctx): boolean {
  return values.some((v) => {
    if (typeof v !== 'string') return false;
    const decoded = percentDecoded(v);
    return decoded !== v && ctx.identity.find(decoded).length > 0;
  });
}

/** True when a binary value (≤ 1 MB), read as Latin-1 or UTF-8 text, contains the patient's identity. */
function binaryHoldsIdentity(values: unknown[], ctx: Ctx): boolean {
  if (ctx.identity.isEmpty) return false;
  for (const v of values) {
    const b = v instanceof ArrayBuffer ? Buffer.from(v) : ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;
    if (!b || b.length > 1 << 20) continue;
    if (ctx.identity.find(b.toString('latin1')).length || ctx.identity.find(b.toString('utf8')).length) return true;
  }
  return false;
}

/** U for one value; an empty value stays empty. */
function pseudoUid(secret: Uint8Array, v: unknown): string {
  const uid = normalizeUid(String(v ?? ''));
  return uid === '' ? '' : replaceUid(secret, uid);
}

function processItems(items: unknown[], seqTag: string, ctx: Ctx, path: string, clean: boolean): DicomDataset[] {
  return items.map((item, i) => processDataset((item ?? {}) as DicomDataset, ctx, `${path}[${i}]`, seqTag, clean));
}

function mapText(el: DicomElement, f: (s: string) => string): DicomElement {
  const values = (el.Value ?? []).map((v) => (el.vr === 'PN' ? mapPersonName(v, f) : typeof v === 'string' ? f(v) : v));
  return element(el.vr, values);
}

function shiftDates(
  tag: string,
  el: DicomElement,
  ctx: Ctx,
  d: Decision,
  report: (a: ReportAction, rule: string) => void,
  out: DicomDataset,
): void {
  const days = ctx.shift ?? 0;
  const shifted = (el.Value ?? []).map((v) => (typeof v === 'string' ? (el.vr === 'DA' ? shiftDA(v, days) : shiftDT(v, days)) : undefined));
  if (shifted.some((v) => v === undefined)) {
    out[tag] = element(el.vr, []);
    report('Z', `${d.rule}; value is not a valid date and cannot be shifted: emptied`);
    return;
  }
  out[tag] = element(el.vr, shifted as string[]);
  report('shifted', `${d.rule}; shifted ${days} days`);
}

function hasNonAscii(ds: DicomDataset): boolean {
  for (const el of Object.values(ds)) {
    for (const v of el.Value ?? []) {
      if (el.vr === 'SQ') {
        if (hasNonAscii(v as DicomDataset)) return true;
      } else if (typeof v === 'string' ? /[^\x00-\x7f]/.test(v) : el.vr === 'PN' && /[^\x00-\x7f]/.test(JSON.stringify(v))) {
        return true;
      }
    }
  }
  return false;
}

/**
 * De-identifies one Part 10 file (or bare dataset). Returns the new file and a report of what was done to every
 * attribute (no original values). Throws `AnonymizerError` (NOT_DICOM, UNREADABLE, BAD_KEY, BAD_OPTIONS).
 */
export function deidentify(part10: ArrayBuffer | Uint8Array, opts: DeidentifyOptions): DeidentifyResult {
  const input = part10 instanceof ArrayBuffer ? new Uint8Array(part10) : part10;
  secretBytes(opts.siteSecret);
  checkPseudonym(opts.pseudonym);
  return deidentifyParsed(readPart10(input), input, opts);
}

/**
 * `deidentify` on a dataset already read (and possibly pixel-cleaned) by the caller; `input` is the original file,
 * used only to name an output that has no SOP Instance UID. `parsed.transferSyntaxUid` is written to the meta.
 */
export function deidentifyParsed(parsed: ParsedPart10, input: Uint8Array, opts: DeidentifyOptions): DeidentifyResult {
  const secret = secretBytes(opts.siteSecret);
  checkPseudonym(opts.pseudonym);
  const profile = opts.profile ?? CONSULT_PROFILE;
  const pixels = opts.pixels ?? {};
  if (opts.dateShiftDays !== undefined && !Number.isInteger(opts.dateShiftDays)) {
    throw new AnonymizerError('BAD_OPTIONS', 'dateShiftDays must be an integer');
  }
  const source = parsed.dataset;

  const sourceIdentity = identityOf(source, { institution: !profile.retainInstitutionIdentity });
  const sopClassUid = firstString(source, '00080016') ?? firstString(parsed.meta, '00020002');
  const patientKey = firstString(source, '00100020') ?? '';
  const shift =
    profile.retainLongitudinalTemporal === 'modified' ? opts.dateShiftDays ?? dateShiftDays(secret, patientKey) : undefined;

  const ctx: Ctx = {
    secret,
    profile,
    active: activeColumns(profile),
    shift,
    sopClassUid,
    identity: new IdentityMatcher(sourceIdentity),
    entries: [],
    warnings: [],
  };
  ctx.warnings.push(...parsed.warnings);
  if (profile.retainLongitudinalTemporal === 'modified' && opts.dateShiftDays === undefined && !patientKey) {
    ctx.warnings.push('no Patient ID: date shift derived from an empty patient key');
  }

  const out = processDataset(source, ctx, '', undefined, false);

  // Patient's Name and Patient ID become the case pseudonym (Type 2 in the Patient module: added if absent).
  if (opts.pseudonym !== undefined) {
    for (const [tag, vr, value] of [
      ['00100010', 'PN', { Alphabetic: opts.pseudonym }],
      ['00100020', 'LO', opts.pseudonym],
    ] as const) {
      const existed = source[tag] !== undefined;
      out[tag] = element(vr, [value]);
      const path = formatTag(tag);
      const i = ctx.entries.findIndex((e) => e.path === path);
      const entry: DeidReportEntry = { path, keyword: keywordOf(tag), vr, action: existed ? 'pseudonym' : 'added', rule: 'case pseudonym' };
      if (i >= 0) ctx.entries[i] = entry;
      else ctx.entries.push(entry);
    }
  }

  // De-identification attributes (PS3.15 E.1.1 step 6, PS3.3 C.7.1.1).
  const codes = methodCodes(profile, pixels);
  const ltim =
    profile.retainLongitudinalTemporal === 'modified' ? 'MODIFIED' : profile.retainLongitudinalTemporal === 'full' ? 'UNMODIFIED' : 'REMOVED';
  const set = (tag: string, vr: string, value: unknown[], rule: string): void => {
    out[tag] = element(vr, value);
    ctx.entries.push({ path: formatTag(tag), keyword: keywordOf(tag), vr, action: 'set', rule });
  };
  set('00120062', 'CS', ['YES'], 'PS3.15 E.1.1: Patient Identity Removed');
  set(
    '00120063',
    'LO',
    methodDescription(profile, pixels, `Hoichan anonymizer ${ANONYMIZER_VERSION}`, PS315_EDITION),
    'PS3.15 E.1.1: De-identification Method',
  );
  set(
    '00120064',
    'SQ',
    codes.map((c) => ({
      '00080100': element('SH', [c.value]),
      '00080102': element('SH', ['DCM']),
      '00080104': element('LO', [c.meaning]),
    })),
    'PS3.15 E.1.1: De-identification Method Code Sequence (CID 7050)',
  );
  set('00280303', 'CS', [ltim], 'PS3.15 E.3.6: Longitudinal Temporal Information Modified');
  if (out['00080005'] === undefined && hasNonAscii(out)) set('00080005', 'CS', ['ISO_IR 192'], 'text is written as UTF-8');

  // File Meta Information rewritten (E.1.1 step 7): ours, with the new SOP Instance UID.
  const newSop = firstString(out, '00080018');
  const sopInstanceUid = newSop ?? derivedUid(secret, `content:${createHash('sha256').update(input).digest('hex')}`);
  if (!newSop) ctx.warnings.push('no SOP Instance UID in the dataset: file named by a UID derived from its content');
  const meta: DicomDataset = {
    '00020001': element('OB', [new Uint8Array([0, 1]).buffer]),
    '00020003': element('UI', [normalizeUid(sopInstanceUid)]),
    '00020010': element('UI', [parsed.transferSyntaxUid]),
    '00020012': element('UI', [IMPLEMENTATION_CLASS_UID]),
    '00020013': element('SH', [IMPLEMENTATION_VERSION_NAME]),
  };
  if (sopClassUid) meta['00020002'] = element('UI', [sopClassUid]);

  const written = writePart10(meta, out);

  const counts: Record<string, number> = {};
  for (const e of ctx.entries) counts[e.action] = (counts[e.action] ?? 0) + 1;
  let leaks: LeakScanResult | undefined;
  if (opts.verify !== false) leaks = leakScan(written, sourceIdentity);
  const report: DeidReport = {
    edition: PS315_EDITION,
    methodCodes: codes.map((c) => c.value),
    profile,
    sopClassUid,
    sopInstanceUid,
    transferSyntaxUid: parsed.transferSyntaxUid,
    dateShiftDays: shift,
    longitudinalTemporalInformationModified: ltim,
    entries: ctx.entries,
    counts,
    warnings: ctx.warnings,
    leakScan: leaks && {
      clean: leaks.clean,
      hits: leaks.hits.length,
      hitPaths: [...new Set(leaks.hits.map((h) => h.path ?? `byte ${h.offset}`))],
    },
  };
  return { part10: written, report, leaks };
}

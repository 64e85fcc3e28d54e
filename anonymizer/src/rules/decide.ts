/**
 * Which action an attribute gets: its Table E.1-1 row under the active options, resolved by Type
 * (`resolve.ts`), or, for attributes the table does not list, the rules of README "How the rules are applied" §6.
 */
import type { DicomElement } from '../dicom/io.js';
import { BULK_VRS, dictionaryVrs, keywordOf, TEMPORAL_VRS, TEXT_VRS } from '../dicom/dictionary.js';
import { attributeType } from '../profile/attributeTypes.js';
import type { OptionColumn, ProfileRow } from '../profile/generate.js';
import type { ProfileOptions } from '../profile/options.js';
import { findRow } from '../profile/table.js';
import { type Action, chooseCode, resolveCompound } from './resolve.js';

/** Attributes of the Basic Code Sequence macro (PS3.3 Table 8.8-1) that hold coded values, not text. */
export const CODE_TAGS: ReadonlySet<string> = new Set([
  '00080100', // CodeValue
  '00080102', // CodingSchemeDesignator
  '00080103', // CodingSchemeVersion
  '00080105', // MappingResource
  '00080106', // ContextGroupVersion
  '00080107', // ContextGroupLocalVersion
  '0008010F', // ContextIdentifier
  '00080117', // ContextUID
  '00080118', // MappingResourceUID
  '00080119', // LongCodeValue
  '00080120', // URNCodeValue
  '00080122', // MappingResourceName
]);

/** What the decision needs to know about the instance and the profile. */
export interface DecideContext {
  readonly profile: ProfileOptions;
  readonly active: ReadonlySet<OptionColumn>;
  readonly sopClassUid?: string;
}

/** An action with the reason reported for it. */
export interface Decision {
  readonly action: Action;
  readonly rule: string;
  /** The action comes from a temporal option column (dates shifted / kept). */
  readonly temporal?: 'full' | 'modified';
}

function rowRule(row: ProfileRow, from: string, code: string, note?: string): string {
  return `E.1-1 ${row.tag} ${row.name.replace(/\s+/g, ' ')}: ${from} ${code}${note ? ` (${note})` : ''}`;
}

/**
 * Decides the action for a standard (even-group) element `tag`, nested in an item of `parentSeq` (undefined at top
 * level), inside a sequence being cleaned when `clean` is true.
 */
export function decide(tag: string, el: DicomElement, ctx: DecideContext, parentSeq: string | undefined, clean: boolean): Decision {
  const row = findRow(tag);
  if (row) {
    const chosen = chooseCode(row, ctx.active);
    const type = attributeType(tag, ctx.sopClassUid, parentSeq);
    const { action, note } = resolveCompound(chosen.code, type);
    const temporal =
      chosen.from === 'rtnLongModifDatesOpt' ? 'modified' : chosen.from === 'rtnLongFullDatesOpt' ? 'full' : undefined;
    // Overlay bitmaps and curves cannot be cleaned here: Clean Graphics "C" falls back to removal.
    if (action === 'C' && row.match.kind === 'mask' && (BULK_VRS.has(el.vr) || row.id === '50xxxxxx')) {
      return { action: 'X', rule: rowRule(row, chosen.from, chosen.code, 'overlay/curve data cannot be cleaned here: removed') };
    }
    return { action, rule: rowRule(row, chosen.from, chosen.code, note), temporal };
  }
  // PS3.15 E.1.1 note 4: dates and times not in the table are handled by their VR.
  if (TEMPORAL_VRS.has(el.vr)) {
    const mode = ctx.profile.retainLongitudinalTemporal;
    if (mode === 'full') return { action: 'K', rule: 'not in E.1-1, date/time VR: Full Dates option', temporal: 'full' };
    if (mode === 'modified') return { action: 'C', rule: 'not in E.1-1, date/time VR: Modified Dates option', temporal: 'modified' };
    const { action, note } = resolveCompound('X/Z/D', attributeType(tag, ctx.sopClassUid, parentSeq));
    return { action, rule: `not in E.1-1, date/time VR: handled as X/Z/D (${note})` };
  }
  // An attribute the dictionary does not know, sent as UN, cannot be interpreted: it may hold anything.
  if (el.vr === 'UN') return { action: 'X', rule: 'not in E.1-1, VR UN (unknown attribute): cannot be inspected, removed' };
  // Instance UIDs outside the table (e.g. Multi-frame Source SOP Instance UID) are references too.
  if (el.vr === 'UI' && /InstanceUID|FrameOfReferenceUID/.test(keywordOf(tag) ?? '') && !ctx.profile.retainUIDs) {
    return { action: 'U', rule: 'not in E.1-1, instance UID reference: U to keep references consistent' };
  }
  // A binary value where the dictionary expects another VR (or an even tag it does not know) is opaque bytes in a
  // place no reader interprets: it may hold anything (found by the planted-PHI property test: OB in (0008,0001)).
  if (BULK_VRS.has(el.vr)) {
    const allowed = dictionaryVrs(tag);
    if (!allowed || !allowed.includes(el.vr)) {
      return { action: 'X', rule: `not in E.1-1, binary VR ${el.vr} where the dictionary has ${allowed?.join('/') ?? 'no entry'}: removed` };
    }
  }
  if (clean && TEXT_VRS.has(el.vr)) {
    // Coded values are vocabulary, not narrative: they get only the residual identity scrub (K), so a code such as
    // 121071 is not taken for an identifier by the digit-run rule.
    if (el.vr === 'CS' || CODE_TAGS.has(tag)) return { action: 'K', rule: 'not in E.1-1: coded value inside a sequence being cleaned' };
    return { action: 'C', rule: 'not in E.1-1: text inside a sequence being cleaned (C)' };
  }
  return { action: 'K', rule: 'not in E.1-1: kept' };
}

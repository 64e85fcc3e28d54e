/**
 * Decides the action for one attribute: which column of Table E.1-1 applies given the options in force, then how
 * a compound code (Z/D, X/Z, X/D, X/Z/D, X/Z/U*) resolves given the attribute's Type (PS3.15 E.1.1).
 */
import type { ActionCode, OptionColumn, ProfileRow } from '../profile/generate.js';
import type { AttributeType } from '../profile/attributeTypes.js';

/** A resolved, single action. U on a sequence means "keep the sequence and replace the UIDs inside" (U*). */
export type Action = 'X' | 'Z' | 'D' | 'K' | 'C' | 'U';

/** The code chosen for a row and where it came from. */
export interface ChosenCode {
  readonly code: ActionCode;
  /** 'basic' or the option column that overrode it. */
  readonly from: 'basic' | OptionColumn;
}

const TEMPORAL: readonly OptionColumn[] = ['rtnLongFullDatesOpt', 'rtnLongModifDatesOpt'];

/**
 * The code for `row` under the active option columns. "A requirement for an Option, when implemented, overrides any
 * requirement for the underlying Profile" (E.1.1). When several active options name the row:
 *  1. a temporal option (Full / Modified Dates) decides for date/time rows, so an unshifted date is never kept
 *     under Modified Dates even if another option (e.g. Retain Device Identity) says K;
 *  2. otherwise K (an option that retains) wins over C (an option that cleans).
 */
export function chooseCode(row: ProfileRow, active: ReadonlySet<OptionColumn>): ChosenCode {
  for (const col of TEMPORAL) {
    const code = row.options[col];
    if (code && active.has(col)) return { code, from: col };
  }
  let clean: ChosenCode | undefined;
  for (const [col, code] of Object.entries(row.options) as [OptionColumn, ActionCode][]) {
    if (!active.has(col)) continue;
    if (code === 'K') return { code, from: col };
    if (!clean) clean = { code, from: col };
  }
  return clean ?? { code: row.basic, from: 'basic' };
}

/**
 * Resolves a code to one action given the attribute's Type; when the Type is unknown the most conservative
 * alternative is taken (X before Z before D), as the Type table promises.
 */
export function resolveCompound(code: ActionCode, type: AttributeType | undefined): { action: Action; note?: string } {
  const t = type ?? '3';
  const why = type ? `Type ${type}` : 'Type unknown: most conservative';
  switch (code) {
    case 'Z/D':
      return { action: t === '1' ? 'D' : 'Z', note: why };
    case 'X/Z':
      return { action: t === '3' ? 'X' : 'Z', note: why };
    case 'X/D':
      return { action: t === '3' ? 'X' : 'D', note: why };
    case 'X/Z/D':
      return { action: t === '1' ? 'D' : t === '2' ? 'Z' : 'X', note: why };
    case 'X/Z/U*':
      return { action: t === '1' ? 'U' : t === '2' ? 'Z' : 'X', note: why };
    default:
      return { action: code };
  }
}

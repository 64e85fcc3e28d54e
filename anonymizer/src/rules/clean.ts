/**
 * C action for text (PS3.15 E.3.4 Clean Structured Content, E.3.5 Clean Descriptors, E.3.7 where an attribute of
 * Retain Patient Characteristics says C): keep the meaning, remove what identifies (G-2.3).
 *
 * This is a conservative pattern cleaner, not a language model. It removes:
 *  - the patient's own identity (every name part, identifier, birth date, address or phone of the source,
 *    case- and diacritics-insensitive, see `IdentityMatcher`);
 *  - e-mail addresses and URLs;
 *  - digit runs of 6 or more digits, separators allowed (phone numbers, CCCD/CMND numbers, medical record and
 *    insurance numbers, accession numbers, YYYYMMDD dates);
 *  - calendar dates written with separators (04/07/2020, 2020-07-04, 4.7.20).
 * Limits (README): it cannot recognise names of other people (relatives, staff) unless they are also in the
 * identity, nor identifying facts written in words ("the mayor's wife"), nor identifiers of fewer than 6 digits
 * that are not the patient's own. Anything so written survives; the leak gate checks only the patient's identity.
 */
import { type IdentityMatcher, removeRanges } from '../text/identity.js';

const PATTERNS: readonly RegExp[] = [
  /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, // e-mail
  /\b(?:https?|ftp):\/\/\S+/giu, // URL
  /(?<![\p{L}\p{N}])\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}(?![\p{L}\p{N}])/gu, // dates with separators
  /\+?(?:\d[ \t().\-/]{0,2}){5,}\d/gu, // 6+ digits with separators: phones, ID numbers
];

/** Cleans one text value; returns the cleaned text (possibly empty). */
export function cleanText(text: string, identity: IdentityMatcher): string {
  const ranges: { start: number; end: number }[] = [...identity.find(text)];
  for (const re of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) ranges.push({ start: m.index, end: m.index + m[0].length });
  }
  return removeRanges(text, ranges);
}

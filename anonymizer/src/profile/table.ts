/**
 * Lookup of PS3.15 Table E.1-1 rows by tag: exact tags first, then wildcard rows such as (50XX,XXXX) and
 * (60XX,3000), and the "(GGGG,EEEE) where GGGG is odd" row for private (odd-group) tags.
 */
import type { ProfileRow } from './generate.js';
import { PS315_EDITION, PS315_ROWS } from './ps315-current.js';

export { PS315_EDITION, PS315_ROWS };

const exact = new Map<string, ProfileRow>();
const masked: ProfileRow[] = [];
let privateRow: ProfileRow | undefined;
for (const row of PS315_ROWS) {
  if (row.match.kind === 'exact') exact.set(row.match.tag, row);
  else if (row.match.kind === 'mask') masked.push(row);
  else privateRow = row;
}

/** True for tags of odd groups (private data elements, and the illegal groups 0001/0003/0005/0007). */
export function isPrivateTag(tag: string): boolean {
  return parseInt(tag.slice(0, 4), 16) % 2 === 1;
}

/** The Table E.1-1 row governing a tag ("0010ABCD", upper-case hex), or undefined if the table does not list it. */
export function findRow(tag: string): ProfileRow | undefined {
  const key = tag.toUpperCase();
  if (isPrivateTag(key)) return privateRow;
  const hit = exact.get(key);
  if (hit) return hit;
  const n = parseInt(key, 16) >>> 0;
  for (const row of masked) {
    if (row.match.kind === 'mask' && ((n & row.match.mask) >>> 0) === row.match.value) return row;
  }
  return undefined;
}

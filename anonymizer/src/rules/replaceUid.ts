/**
 * U action (PS3.15 E.1.1): deterministic UID pseudonyms. The new UID is
 * `2.25.<decimal of the first 16 bytes of HMAC-SHA256(siteSecret, originalUid)>` (PS3.5 B.2 UUID-derived form,
 * at most 44 characters), so the same source UID maps to the same pseudonym in every file and every run of a site,
 * and every reference (Referenced SOP Instance UID, Frame of Reference UID, SR/SEG/RTSTRUCT references) stays
 * consistent; without the secret the mapping cannot be recomputed or reversed.
 */
import { createHmac } from 'node:crypto';

/** Normalises a UID value as read (trailing NUL/space padding and stray spaces removed). */
export function normalizeUid(uid: string): string {
  return uid.replace(/[\0\s]+/g, '');
}

/** The pseudonym of `uid` under `secret`. */
export function replaceUid(secret: Uint8Array, uid: string): string {
  const digest = createHmac('sha256', secret).update(normalizeUid(uid), 'latin1').digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** A UID for something that has no source UID, derived from a label (e.g. a content hash) under `secret`. */
export function derivedUid(secret: Uint8Array, label: string): string {
  return replaceUid(secret, `hoichan-derived:${label}`);
}

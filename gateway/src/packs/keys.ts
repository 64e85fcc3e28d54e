import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dateShiftDays } from '@hoichan/anonymizer';

/**
 * The site secret keying pseudonyms (G-2.3): `$HOICHAN_ANONYMIZER_KEY_FILE`, else `<dataDir>/keys/anonymizer.key`,
 * created with 32 random bytes and mode 0600 on first use (same file format as the anonymizer CLI's --key).
 * Back it up with the data (G-2.6): without it a rebuilt pack gets other UIDs.
 */
export function loadSiteSecret(dataDir: string, env: Record<string, string | undefined> = process.env): Buffer {
  const file = env.HOICHAN_ANONYMIZER_KEY_FILE || path.join(dataDir, 'keys', 'anonymizer.key');
  try {
    const key = fs.readFileSync(file);
    if (key.length < 16) throw new Error(`${file} holds fewer than 16 bytes`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file);
    throw err;
  }
}

const hmac = (key: Uint8Array, label: string): Buffer => crypto.createHmac('sha256', key).update(label, 'utf8').digest();

/**
 * UIDs are keyed per pack: two packs (two consults, or a rebuilt pack) never share a UID, so the archive holds
 * each pack's copies apart and consultants of one consult cannot link its images to another's. A retried build
 * of the same pack gets the same UIDs.
 */
export const packUidKey = (site: Uint8Array, packId: string): Buffer => hmac(site, `hoichan-pack-uids\0${packId}`);

/** One date shift per consult (not per pack or per source patient ID), so intervals between its studies hold. */
export const consultDateShift = (site: Uint8Array, consultId: string): number => dateShiftDays(hmac(site, 'hoichan-consult-dates'), consultId);

import crypto from 'node:crypto';

function h(s: string): string {
  return crypto.createHash('sha1').update(s).digest('hex');
}

/**
 * Blob key of an instance: grouped by study (one directory fsync per batch of a series), and suffixed with
 * the content hash so that an overwrite never renames over the bytes the index still points to.
 */
export function blobKeyFor(studyUid: string, sopUid: string, sha256: string): string {
  const s = h(studyUid);
  return `${s.slice(0, 2)}/${s.slice(0, 16)}/${h(sopUid).slice(0, 20)}-${sha256.slice(0, 12)}.dcm`;
}

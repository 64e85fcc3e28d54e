import type { Readable } from 'node:stream';
import type { InstanceLocation } from '../archive/Archive.js';
import type { BlobStore } from '../archive/blob/BlobStore.js';
import { transcodeToExplicitLittleEndian } from '../render/index.js';
import { HoiError } from '../errors.js';
import { EXPLICIT_LE } from './accept.js';

/** Larger instances are streamed from disk instead of read whole. */
export const READ_WHOLE = 64 * 1024 * 1024;

/**
 * One rule for every retrieve of whole instances (WADO-RS multipart, single part and ZIP; WADO-URI): `ts` is
 * '*' (as stored), a stored syntax, or Explicit VR LE (decoded). Anything else is refused before a byte is sent.
 */
export function refuseUnmakeable(locs: InstanceLocation[], ts: string): void {
  if (ts !== '*' && ts !== EXPLICIT_LE && locs.some((l) => l.transferSyntaxUid !== ts)) {
    throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', `cannot transcode to ${ts}; ask for the stored syntax (*) or ${EXPLICIT_LE}`);
  }
}

/** The transfer syntax an instance goes out in for `ts`. */
export const syntaxFor = (loc: InstanceLocation, ts: string): string => (ts === '*' ? loc.transferSyntaxUid : ts);

/**
 * The instance's Part 10 bytes in `ts` (after `refuseUnmakeable`): the stored bytes (streamed from disk above
 * READ_WHOLE; read synchronously below it: a page-cache read of ~0.5 MB costs less than a thread-pool round
 * trip), or decoded to Explicit VR LE.
 */
export function instanceBody(blobs: BlobStore, loc: InstanceLocation, ts: string): Buffer | Readable | Promise<Buffer> {
  if (syntaxFor(loc, ts) === loc.transferSyntaxUid) return loc.size > READ_WHOLE ? blobs.stream(loc.blobKey) : blobs.readSync(loc.blobKey);
  return transcodeToExplicitLittleEndian(blobs.readSync(loc.blobKey));
}

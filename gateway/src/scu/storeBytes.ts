import type { Archive, StoreOutcome } from '../archive/Archive.js';
import { parseInstance, DicomParseError } from '../dicom/index.js';
import { HoiError } from '../errors.js';

/**
 * Stores one Part 10 instance received by an import (C-GET sub-operation, WADO-RS part) through the
 * archive's public API, as STOW does: temp blob (fsynced) → parse → `archive.store`.
 */
export async function storePart10(archive: Archive, bytes: Buffer): Promise<StoreOutcome> {
  let parsed;
  try {
    parsed = parseInstance(bytes);
  } catch (err) {
    const reason = err instanceof DicomParseError ? err.message : (err as Error).message;
    return { status: 'failed', sopClassUid: '', sopInstanceUid: '', error: new HoiError('HOI_ERR_NOT_DICOM', reason) };
  }
  const temp = archive.blobs.createTemp();
  try {
    temp.write(bytes);
    const { size, sha256 } = await temp.finish();
    const [out] = await archive.store([{ temp, parsed, size, sha256 }]);
    return out!;
  } catch (err) {
    temp.discard();
    throw err;
  }
}

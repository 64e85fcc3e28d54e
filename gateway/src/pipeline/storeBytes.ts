import type { Archive, StoreCandidate, StoreOutcome } from '../archive/Archive.js';
import type { ParsedInstance } from '../dicom/types.js';

/** Stores bytes made in memory through the archive's public path (temp blob → store), as STOW would. */
export async function storeBytes(archive: Archive, items: { bytes: Buffer; parsed: ParsedInstance }[]): Promise<StoreOutcome[]> {
  const cands: StoreCandidate[] = [];
  for (const { bytes, parsed } of items) {
    const temp = archive.blobs.createTemp();
    temp.write(bytes);
    const { size, sha256 } = await temp.finish();
    cands.push({ temp, parsed, size, sha256 });
  }
  return archive.store(cands);
}

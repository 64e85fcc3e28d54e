import { transcodeToExplicitLittleEndian } from '../render/index.js';
import { readDataset, writeDataset } from './dataset.js';
import { datasetOffset } from './part10.js';
import { TS } from './uids.js';

/** The dataset of a stored Part 10 file, as stored (no copy). */
const storedDataset = (part10: Buffer): Buffer => part10.subarray(datasetOffset(part10));

/**
 * What a C-STORE sub-operation (C-MOVE, C-GET, push) sends an instance in: its stored transfer syntax when the
 * peer took it, else Explicit VR Little Endian, else Implicit VR Little Endian (the one every peer must take).
 * Old PACS and workstations often accept uncompressed data only; Orthanc transcodes for them too.
 */
export function chooseSendSyntax<C>(stored: string, accepted: (ts: string) => C | null): { ctx: C; ts: string } | null {
  for (const ts of [stored, TS.explicitLE, TS.implicitLE]) {
    const ctx = accepted(ts);
    if (ctx) return { ctx, ts };
  }
  return null;
}

/**
 * The dataset (no file meta) of a stored Part 10 file, in `ts`: the stored bytes as they are, or decoded to
 * Explicit VR LE by the WADO-RS transcoder (dcmjs-codecs), and re-encoded as Implicit VR LE by the identifier
 * codec when that is what the peer takes. Throws (a TranscodeError for a syntax we cannot decode) when the
 * instance cannot be sent so: the caller counts a failed sub-operation.
 */
export async function datasetIn(part10: Buffer, stored: string, ts: string): Promise<Buffer> {
  if (ts === stored) return storedDataset(part10);
  const dataset = storedDataset(await transcodeToExplicitLittleEndian(part10));
  if (ts === TS.explicitLE) return dataset;
  if (ts === TS.implicitLE) return writeDataset(readDataset(dataset, true), false);
  throw new Error(`cannot send in ${ts}`);
}

/**
 * One stored instance sent with `store` on the context chosen by `chooseSendSyntax`; null when the peer took none.
 * As stored, `store` is called before this returns: the bytes are on their way while the caller reads the next
 * file (`runSubOps`). Rejects when the instance cannot be decoded for the peer (TranscodeError) or `store` fails.
 */
export function sendStoredIn<C>(part10: Buffer, stored: string, accepted: (ts: string) => C | null, store: (ctx: C, dataset: Buffer) => Promise<number>): Promise<number | null> {
  const pick = chooseSendSyntax(stored, accepted);
  if (!pick) return Promise.resolve(null);
  if (pick.ts === stored) return store(pick.ctx, storedDataset(part10));
  return datasetIn(part10, stored, pick.ts).then((ds) => store(pick.ctx, ds));
}

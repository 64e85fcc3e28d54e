import type { AnonymizerPool } from './anonymizerPool.js';
import type { DeidStageOptions, InstanceVerdict, QuarantineCode } from './types.js';

const CODES: Record<string, QuarantineCode> = { PIXELS_UNCLEANABLE: 'pixels-uncleanable', LEAK: 'leak' };

/**
 * One source instance through the anonymizer's whole stage (`deidentifyInstance`, on a worker thread): pixel
 * cleaning (burned-in text, faces; G-2.4) → header rules (PS3.15 Annex E) → leak gate against the source's
 * identity (G-2.3). Anything short of a clean release is a quarantine with a reason.
 */
export async function anonymizeInstance(pool: AnonymizerPool, source: Uint8Array, opts: DeidStageOptions): Promise<InstanceVerdict> {
  const out = await pool.run(source, { siteSecret: opts.uidKey, pseudonym: opts.pseudonym, profile: opts.profile, dateShiftDays: opts.dateShiftDays });
  if (out.status === 'released') return { status: 'released', part10: Buffer.from(out.part10.buffer, out.part10.byteOffset, out.part10.byteLength), sopInstanceUid: out.sopInstanceUid };
  if (out.status === 'quarantined') {
    return { status: 'quarantined', reasons: [{ code: CODES[out.code] ?? 'not-deidentifiable', detail: out.hits.length ? `${out.reason}: ${out.hits.join('; ')}` : out.reason }] };
  }
  // AnonymizerError (NOT_DICOM, UNREADABLE…) is about this file: quarantine it. Anything else is the worker's failure.
  if (out.name === 'AnonymizerError') return { status: 'quarantined', reasons: [{ code: 'not-deidentifiable', detail: `${out.code ?? ''}: ${out.message}` }] };
  throw new Error(`anonymizer failed: ${out.message}`);
}

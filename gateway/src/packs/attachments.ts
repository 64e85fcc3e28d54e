import crypto from 'node:crypto';
import { identityOf, readPart10 } from '@hoichan/anonymizer';
import type { Archive } from '../archive/Archive.js';
import { parseInstance } from '../dicom/index.js';
import { HoiError } from '../errors.js';
import type { AnonymizerPool } from '../pipeline/anonymizerPool.js';
import { storeBytes } from '../pipeline/storeBytes.js';
import type { QuarantineReason } from '../pipeline/types.js';
import { packUidKey } from './keys.js';
import type { Pack, PackStore } from './PackStore.js';

export interface AttachmentResult {
  state: 'released' | 'quarantined';
  sopInstanceUid: string | null;
  studyInstanceUid: string;
  reasons?: QuarantineReason[];
}

/**
 * A JPEG/PNG/PDF attached to a pack (issue 4 point 5, G-1.2): the anonymizer's `wrapAttachment` strips EXIF/XMP/GPS,
 * covers faces (G-2.4), wraps it as DICOM under the pack's pseudonym and first study, and gates it against the
 * identity of the patient whose studies are in the pack. A released file is stored as pack content.
 */
export async function storeAttachment(deps: { store: PackStore; archive: Archive; siteSecret: Uint8Array; pool: AnonymizerPool }, pack: Pack, file: Buffer): Promise<AttachmentResult> {
  const uidKey = packUidKey(deps.siteSecret, pack.id);
  const studies = await deps.store.studies(pack.id);
  const studyUid = studies[0] ?? `2.25.${BigInt('0x' + crypto.createHmac('sha256', uidKey).update('attachments-study').digest('hex').slice(0, 32)).toString(10)}`;
  const source = `attachment:${crypto.createHash('sha256').update(file).digest('hex')}`;
  const ledger = deps.store.ledger(pack.id, 'attachment');

  const [first] = (await Promise.all(pack.sourceStudies.map((s) => deps.archive.locate(s)))).flat();
  if (!first) throw new HoiError('HOI_ERR_CONFLICT', 'the source studies of this pack are no longer in the archive: its patient identity cannot be checked');
  const identity = identityOf(readPart10(await deps.archive.blobs.read(first.blobKey)).dataset);
  const sex = studies[0] ? (await deps.archive.db.selectFrom('studies').select('patient_sex').where('study_uid', '=', studies[0]).executeTakeFirst())?.patient_sex : null;

  // On the anonymizer's worker thread: face detection and re-encoding take seconds of CPU.
  const out = await deps.pool.wrap(file, { siteSecret: uidKey, pseudonym: pack.pseudonym, studyInstanceUid: studyUid, identity, ...(sex ? { patientSex: sex } : {}) });
  if (out.status === 'error') {
    if (out.name !== 'AnonymizerError') throw new Error(`anonymizer failed: ${out.message}`);
    throw new HoiError(out.code === 'BAD_OPTIONS' ? 'HOI_ERR_UNSUPPORTED_MEDIA' : 'HOI_ERR_BAD_REQUEST', out.message);
  }
  if (out.status === 'quarantined') {
    const reasons: QuarantineReason[] = [{ code: /leak/i.test(out.reason) ? 'leak' : 'pixels-uncleanable', detail: out.reason }];
    await ledger.settle([{ source, state: 'quarantined', reasons }]);
    return { state: 'quarantined', sopInstanceUid: null, studyInstanceUid: studyUid, reasons };
  }
  const bytes = Buffer.from(out.part10.buffer, out.part10.byteOffset, out.part10.byteLength);
  const parsed = parseInstance(bytes);
  await ledger.reserve([{ source, studyUid: parsed.fields.studyInstanceUid, seriesUid: parsed.fields.seriesInstanceUid, sopUid: parsed.fields.sopInstanceUid }]);
  const [outcome] = await storeBytes(deps.archive, [{ bytes, parsed }]);
  if (!outcome || outcome.status === 'failed') {
    await ledger.settle([{ source, state: 'failed', reasons: [{ code: 'not-deidentifiable', detail: outcome?.status === 'failed' ? outcome.error.message : 'not stored' }] }]);
    throw new HoiError('HOI_ERR_STORAGE', 'the wrapped attachment could not be stored');
  }
  await ledger.settle([{ source, state: 'released' }]);
  return { state: 'released', sopInstanceUid: parsed.fields.sopInstanceUid, studyInstanceUid: parsed.fields.studyInstanceUid };
}

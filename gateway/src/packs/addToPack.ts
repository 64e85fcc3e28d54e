import { identityOf, IdentityMatcher, leakScan, readPart10, type Identity } from '@hoichan/anonymizer';
import type { Archive } from '../archive/Archive.js';
import { parseInstance } from '../dicom/index.js';
import { HoiError } from '../errors.js';
import { storeBytes } from '../pipeline/storeBytes.js';
import type { QuarantineReason } from '../pipeline/types.js';
import type { PackAccessPolicy } from './access.js';
import type { PackStore } from './PackStore.js';

export interface AddToPackOptions {
  /**
   * The ledger key of this member, e.g. `document:minutes`: a later version with the same key replaces the earlier
   * one (its instance is deleted from the archive), so the pack holds one current copy.
   */
  readonly source: string;
  /**
   * The text the instance shows beyond its header, e.g. every line drawn into an encapsulated PDF: the byte scan
   * cannot read a PDF's compressed, glyph-id content streams, so the producer hands its text to the gate.
   */
  readonly text?: string;
}

export type AddToPackResult =
  | { readonly state: 'released'; readonly studyUid: string; readonly seriesUid: string; readonly sopInstanceUid: string }
  | { readonly state: 'quarantined'; readonly reasons: QuarantineReason[] };

const merge = (a: Identity, b: Identity | null): Identity => (b ? {
  names: [...a.names, ...b.names], ids: [...a.ids, ...b.ids], other: [...(a.other ?? []), ...(b.other ?? [])],
  ...((a.birthDate ?? b.birthDate) ? { birthDate: (a.birthDate ?? b.birthDate)! } : {}),
} : a);

/** Lower case, no diacritics (đ → d), words separated by one space. */
const foldWords = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/**
 * The leak gate over a document's own text: ids, birth date and address by the anonymizer's matcher; names as the
 * whole name (in DICOM or in given-first order), not part by part: a document signed by "BS. Nguyễn Thị Lan" does not
 * name the patient "Nguyễn Thị Hoa", while the header gate (leakScan) keeps its stricter per-part rule.
 */
function textHits(identity: Identity, text: string): string[] {
  const hits = new IdentityMatcher({ ...identity, names: [] }).find(text).map((m) => `${m.kind} in the document text`);
  const hay = ` ${foldWords(text)} `;
  for (const name of identity.names) {
    const [family = '', ...rest] = name.split('^').map(foldWords);
    const forms = [[family, ...rest], [...rest, family]].map((parts) => parts.filter(Boolean).join(' '));
    if (forms.some((f) => f.length >= 2 && hay.includes(` ${f} `))) hits.push('name in the document text');
  }
  return hits;
}

/**
 * Adds an instance made by the gateway itself (e.g. the consult's minutes as an Encapsulated PDF, G-3.7) to a ready
 * pack: it must already carry the pack's pseudonym and one of the pack's studies; the leak gate (G-2.3) scans it
 * against the identity of the pack's source patient (from its source studies) and of the consult's patient record;
 * a hit quarantines it (recorded, never stored). A released member is served by the pack's root only and is
 * deleted with the pack.
 */
export async function addToPack(deps: { store: PackStore; archive: Archive; policy: PackAccessPolicy }, packId: string, bytes: Buffer, opts: AddToPackOptions): Promise<AddToPackResult> {
  const { store, archive } = deps;
  const pack = await store.get(packId);
  if (!pack) throw new HoiError('HOI_ERR_NOT_FOUND', `no pack ${packId}`);
  if (pack.state !== 'ready') throw new HoiError('HOI_ERR_PACK_NOT_READY', `pack ${pack.id} is ${pack.state}; add to it once it is ready`);
  const parsed = parseInstance(bytes);
  const f = parsed.fields;
  if (f.patientId !== pack.pseudonym) throw new HoiError('HOI_ERR_UNPROCESSABLE', `the instance's Patient ID is not the pack's pseudonym ${pack.pseudonym}`);
  const studies = await store.studies(pack.id);
  if (!studies.includes(f.studyInstanceUid)) throw new HoiError('HOI_ERR_UNPROCESSABLE', `the instance's study is not one of pack ${pack.id}'s studies`);

  const [first] = (await Promise.all(pack.sourceStudies.map((s) => archive.locate(s)))).flat();
  const sourceIdentity = first ? identityOf(readPart10(await archive.blobs.read(first.blobKey)).dataset) : { names: [], ids: [] };
  const identity = merge(sourceIdentity, (await deps.policy.patientOf?.(pack.consultId))?.identity ?? null);
  const ledger = store.ledger(pack.id, 'attachment');
  const hits = leakScan(bytes, identity).hits.map((h) => `${h.kind} in ${h.path ?? `byte ${h.offset}`}`);
  if (opts.text) hits.push(...textHits(identity, opts.text));
  if (hits.length) {
    const reasons: QuarantineReason[] = [{ code: 'leak', detail: `the leak gate found identity: ${[...new Set(hits)].join('; ')}` }];
    await ledger.settle([{ source: opts.source, state: 'quarantined', reasons }]);
    return { state: 'quarantined', reasons };
  }

  const previous = await store.db.selectFrom('pack_instances').select('sop_uid').where('pack_id', '=', pack.id).where('source', '=', opts.source).executeTakeFirst();
  await ledger.reserve([{ source: opts.source, studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, sopUid: f.sopInstanceUid }]);
  const [outcome] = await storeBytes(archive, [{ bytes, parsed }]);
  if (!outcome || outcome.status === 'failed') {
    await ledger.settle([{ source: opts.source, state: 'failed', reasons: [{ code: 'not-deidentifiable', detail: outcome?.status === 'failed' ? outcome.error.message : 'not stored' }] }]);
    throw new HoiError('HOI_ERR_STORAGE', `the instance could not be stored in pack ${pack.id}`);
  }
  await ledger.settle([{ source: opts.source, state: 'released' }]);
  if (previous?.sop_uid && previous.sop_uid !== f.sopInstanceUid) {
    try {
      await archive.delete('instance', previous.sop_uid);
    } catch (err) {
      if (!(err instanceof HoiError && err.code === 'HOI_ERR_NOT_FOUND')) throw err;
    }
  }
  return { state: 'released', studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, sopInstanceUid: f.sopInstanceUid };
}

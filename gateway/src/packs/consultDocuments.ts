import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HoiError } from '../errors.js';
import { consultDocument, encapsulatedPdf, type PdfAttendance, type Worklist } from '../worklist/index.js';
import type { Packs } from './index.js';

export interface ConsultDocumentsDeps {
  worklist: Worklist;
  packs: Packs;
  /** Who took part in the live room (the live module's `readAttendance`), for the participant record. */
  attendance: (consultId: string) => readonly PdfAttendance[];
}

export interface ConsultDocumentsResult {
  packId: string;
  documents: { kind: 'minutes' | 'participants'; state: 'released' | 'quarantined'; sopInstanceUid: string | null; reasons?: unknown[] }[];
}

/**
 * Issue 5 point 5: the minutes (G-3.7) and the participant record (G-2.7) as DICOM Encapsulated PDFs added to the
 * consult's current ready case pack, under its pseudonym and first study, through the pack's leak gate. A later
 * call replaces the earlier versions. Null when the consult has no ready pack; minutes only once they exist.
 */
export async function addConsultDocuments(deps: ConsultDocumentsDeps, consultId: string, actor: string | null, req?: FastifyRequest): Promise<ConsultDocumentsResult | null> {
  const { packs } = deps;
  const pack = await packs.store.currentReady(consultId);
  if (!pack) return null;
  const [studyUid] = await packs.store.studies(pack.id);
  if (!studyUid) throw new HoiError('HOI_ERR_CONFLICT', `pack ${pack.id} released no study to add documents to`);
  const consult = await deps.worklist.repo.load(consultId);
  const kinds = (consult?.minutes ? ['minutes', 'participants'] : ['participants']) as ('minutes' | 'participants')[];
  const out: ConsultDocumentsResult = { packId: pack.id, documents: [] };
  for (const kind of kinds) {
    const doc = await consultDocument(deps.worklist, consultId, kind, kind === 'participants' ? { attendance: deps.attendance(consultId) } : {});
    const dcm = encapsulatedPdf(doc.pdf, { studyUid, pseudonym: pack.pseudonym, title: doc.title, consultId });
    const r = await packs.addToPack(pack.id, dcm.bytes, { source: `document:${kind}`, text: doc.text });
    out.documents.push(r.state === 'released' ? { kind, state: r.state, sopInstanceUid: r.sopInstanceUid } : { kind, state: r.state, sopInstanceUid: null, reasons: r.reasons });
    await packs.audit.record({ action: 'pack.document', actor, packId: pack.id, consultId, outcome: r.state === 'released' ? 'ok' : 'failed', detail: { kind, state: r.state } }, req);
  }
  return out;
}

/**
 * `POST /api/consults/:id/pack/documents` (the requesting side, `casePack.write`): (re)adds the documents now; and the
 * hook that adds them when the minutes are signed (G-3.7). Register inside the authenticated /api context.
 */
export async function consultDocumentRoutes(app: FastifyInstance, deps: ConsultDocumentsDeps & { log: { warn(obj: object, msg: string): void } }): Promise<void> {
  deps.worklist.afterCommit.push(async ({ command, consult, actor }) => {
    if (command.type !== 'signMinutes') return;
    try {
      await addConsultDocuments(deps, consult.id, actor.userId);
    } catch (err) {
      deps.log.warn({ err, consultId: consult.id }, 'the signed minutes could not be added to the case pack');
    }
  });
  app.post<{ Params: { id: string } }>('/consults/:id/pack/documents', {
    schema: { tags: ['packs'], summary: "Add the minutes and the participant record (Encapsulated PDF) to the consult's ready case pack", params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } },
  }, async (req, reply) => {
    const user = req.user;
    if (!user) throw new HoiError('HOI_ERR_UNAUTHORIZED', 'log in first');
    if (!(await deps.packs.policy.mayBuild(user, req.params.id))) {
      await deps.packs.audit.record({ action: 'pack.document', actor: user.username, packId: '', consultId: req.params.id, outcome: 'denied' }, req);
      throw new HoiError('HOI_ERR_FORBIDDEN', `you may not add to the case pack of consult ${req.params.id}`);
    }
    const r = await addConsultDocuments(deps, req.params.id, user.username, req);
    if (!r) throw new HoiError('HOI_ERR_PACK_NOT_READY', `consult ${req.params.id} has no ready case pack`);
    return reply.code(201).send(r);
  });
}

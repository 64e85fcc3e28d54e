/**
 * The consult worklist inside the gateway (issue 5): persistence of `@hoichan/worklist`'s ports on the index,
 * the HTTP routes (gateway/src/api/*), the audit hooks, PDFs, and the functions other modules call.
 * Route contract: API.md beside this file.
 */
import { can, viewFor, type Action, type Actor, type Consult, type ConsultState, type Participant, type Schedule } from '@hoichan/worklist';
import type { Archive } from '../archive/Archive.js';
import type { User } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import { encapsulatedPdf, storeInstance, uuidUid } from './encapsulatedPdf.js';
import { minutesDocument, participantsDocument, type PdfAttendance, type PdfDocument, type PdfNames } from './pdf.js';
import type { Worklist } from './service.js';

export { Worklist, refusal, type ConsultAnswer, type CreateConsultBody } from './service.js';
export { dicomWebAccessHook, dimseAccessLogger } from './accessHooks.js';
export { verifyAuditLog } from './auditStore.js';
export { minutesPdf, participantsPdf, minutesDocument, participantsDocument, type PdfAttendance, type PdfDocument } from './pdf.js';
export { encapsulatedPdf, storeInstance, ENCAPSULATED_PDF_SOP_CLASS } from './encapsulatedPdf.js';

/** What the live room needs to admit someone (H6): the state and the approved participants (G-2.7, G-3.6). */
export interface ConsultForLive {
  readonly id: string;
  readonly state: ConsultState;
  readonly urgency: Consult['urgency'];
  readonly requestingFacilityId: string;
  readonly consultingFacilityId: string;
  readonly participants: readonly Participant[];
  /** Users on a list their facility's director approved (only these may join, G-2.7). */
  readonly approvedUserIds: readonly string[];
  readonly schedule: Schedule | null;
  readonly pseudonym: string;
}

/** The consult as the live room sees it, or null when unknown. `state === 'in_session'` means the meeting is on. */
export async function getConsultForLive(worklist: Worklist, consultId: string): Promise<ConsultForLive | null> {
  const c = await worklist.repo.load(consultId);
  if (!c) return null;
  const approved = new Set(c.approvals.flatMap((a) => a.userIds));
  return {
    id: c.id, state: c.state, urgency: c.urgency, requestingFacilityId: c.requestingFacilityId, consultingFacilityId: c.consultingFacilityId,
    participants: c.participants, approvedUserIds: [...approved], schedule: c.schedule, pseudonym: c.pseudonym,
  };
}

/** `canSeePack`'s answer: the actor (for the caller's audit entry) and the decision. */
export type PackDecision =
  | { readonly ok: true; readonly actor: Actor; readonly consult: Consult }
  | { readonly ok: false; readonly status: 403 | 404; readonly reason: string; readonly actor: Actor };

/**
 * May this logged-in user do `action` on consult `consultId`'s case packs / images (G-2.9)? For H7's pack
 * routes: experts only when invited, the requesting side, the planning office. Not audited here: the caller
 * records the access (`worklist.accessLog.record(auditAccess(...))`) with its own object (the pack).
 */
export async function canSeePack(worklist: Worklist, user: User, consultId: string, action: Extract<Action, 'casePack.read' | 'casePack.write' | 'image.read'>): Promise<PackDecision> {
  const actor = await worklist.directory.actorFor(user);
  const consult = await worklist.repo.load(consultId);
  if (!consult) return { ok: false, status: 404, reason: 'no such consult', actor };
  const d = can(actor, action, consult);
  return d.ok ? { ok: true, actor, consult } : { ok: false, status: 403, reason: d.reason, actor };
}

/** Facility and user display names for the PDFs. */
export async function pdfNames(worklist: Worklist): Promise<PdfNames> {
  const facilities = Object.fromEntries((await worklist.directory.facilities()).map((f) => [f.id, f.name]));
  const users = Object.fromEntries((await worklist.directory.users()).map((u) => [u.username, u.displayName ?? u.username]));
  return { facilities, users };
}

/** The study a consult's documents go to when no case pack study is given: stable per consult, pseudonymous. */
export const consultStudyUid = (consultId: string): string => uuidUid(`hoichan-consult:${consultId}`);

/**
 * G-3.7 / G-2.7: the minutes or the participant record (with `attendance`, who took part in the live room) as the
 * consulting side reads them: the pseudonym, never the identity (G-2.3). With the text drawn, for the leak gate.
 */
export async function consultDocument(worklist: Worklist, consultId: string, kind: 'minutes' | 'participants', opts: { attendance?: readonly PdfAttendance[] } = {}): Promise<PdfDocument & { title: string; pseudonym: string }> {
  const c = await worklist.repo.load(consultId);
  if (!c) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${consultId}`);
  const reader: Actor = { userId: 'system', facilityId: c.consultingFacilityId, roles: ['consulting_coordinator'] };
  const view = viewFor(reader, c);
  if (!view) throw new HoiError('HOI_ERR_CONFLICT', `consult ${consultId} is still a draft`);
  const names = await pdfNames(worklist);
  const doc = kind === 'minutes' ? await minutesDocument(view, names) : await participantsDocument(view, names, opts.attendance ?? []);
  if (!doc) throw new HoiError('HOI_ERR_CONFLICT', `consult ${consultId} has no minutes yet`);
  const title = kind === 'minutes' ? `Biên bản hội chẩn ${c.id}` : `Danh sách tham gia hội chẩn ${c.id}`;
  return { ...doc, title, pseudonym: c.pseudonym };
}

/**
 * The minutes or the participant record as a DICOM Encapsulated PDF stored in the archive under the consult's
 * pseudonymous study (`studyUid`, default `consultStudyUid(id)`), outside any case pack. For the consult's case
 * pack use the packs module (gateway/src/packs/consultDocuments.ts: added on signing, or on demand).
 */
export async function storeConsultPdf(worklist: Worklist, archive: Archive, consultId: string, kind: 'minutes' | 'participants', opts: { studyUid?: string; attendance?: readonly PdfAttendance[] } = {}): Promise<{ studyUid: string; seriesUid: string; sopInstanceUid: string }> {
  const doc = await consultDocument(worklist, consultId, kind, opts.attendance ? { attendance: opts.attendance } : {});
  const dcm = encapsulatedPdf(doc.pdf, { studyUid: opts.studyUid ?? consultStudyUid(consultId), pseudonym: doc.pseudonym, title: doc.title, consultId });
  return storeInstance(archive, dcm.bytes);
}

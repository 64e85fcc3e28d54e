import type { FastifyInstance } from 'fastify';
import { CONSULT_STATES, type Command, type ConsultState } from '@hoichan/worklist';
import { HoiError } from '../errors.js';
import { minutesPdf, participantsPdf, pdfNames, type CreateConsultBody, type PdfAttendance, type Worklist } from '../worklist/index.js';
import { commandSchema, createConsultSchema, listQuerySchema, patientIdsBodySchema } from '../worklist/schemas.js';
import { actorOf } from './worklistActor.js';
import { useStrictValidator } from './worklistAjv.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

/** If-Match: "<rev>" (or a bare number) → the rev the client last saw. */
function expectedRev(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h.trim());
  if (!m) throw new HoiError('HOI_ERR_BAD_REQUEST', 'If-Match must be the consult\'s rev, e.g. "3"');
  return Number(m[1]);
}

/** The consult routes of API.md: create, list, read, commands, PDFs. Every one goes through the worklist's policy. */
export async function consultsRoutes(app: FastifyInstance, opts: { worklist: Worklist; attendance?: (consultId: string) => readonly PdfAttendance[] }): Promise<void> {
  const { worklist } = opts;
  useStrictValidator(app);

  app.post<{ Body: CreateConsultBody }>('/consults', {
    schema: { tags: ['worklist'], summary: 'Register a draft consult (G-3.2)', body: createConsultSchema },
  }, async (req, reply) => {
    const answer = await worklist.create(await actorOf(worklist, req), req.body);
    return reply.code(201).header('etag', `"${answer.rev}"`).send(answer);
  });

  app.get<{ Querystring: { state?: string; urgency?: string; facility?: string; limit?: string } }>('/consults', {
    schema: { tags: ['worklist'], summary: 'Consults the actor may see, emergencies first', querystring: listQuerySchema },
  }, async (req) => {
    const q = req.query;
    const states = q.state?.split(',').filter((s): s is ConsultState => (CONSULT_STATES as readonly string[]).includes(s));
    return {
      consults: await worklist.list(await actorOf(worklist, req), {
        ...(states ? { states } : {}), ...(q.urgency ? { urgency: q.urgency } : {}), ...(q.facility ? { facilityId: q.facility } : {}),
        ...(q.limit ? { limit: Math.min(Number(q.limit), 1000) } : {}),
      }),
    };
  });

  app.get<{ Params: { id: string } }>('/consults/:id', {
    schema: { tags: ['worklist'], summary: "The actor's view of a consult (viewFor)", params: idParams },
  }, async (req, reply) => {
    const answer = await worklist.read(await actorOf(worklist, req), req.params.id);
    return reply.header('etag', `"${answer.rev}"`).send(answer);
  });

  app.post<{ Params: { id: string }; Body: Command }>('/consults/:id/commands', {
    schema: { tags: ['worklist'], summary: 'Send one command of the procedure (403/409/422 name the guard and rule)', params: idParams, body: commandSchema },
  }, async (req, reply) => {
    const answer = await worklist.command(await actorOf(worklist, req), req.params.id, req.body, expectedRev(req.headers['if-match']));
    return reply.header('etag', `"${answer.rev}"`).send(answer);
  });

  app.put<{ Params: { id: string }; Body: { patientIds: { id: string; issuer?: string }[] } }>('/patients/:id/pacs-ids', {
    schema: { tags: ['worklist'], summary: "Set a patient's PACS Patient IDs, which a case pack's studies must carry (requesting side, G-2.3)", params: idParams, body: patientIdsBodySchema },
  }, async (req) => worklist.setPatientIds(await actorOf(worklist, req), req.params.id, req.body.patientIds));

  app.get<{ Params: { id: string }; Querystring: { afterSeq?: string; limit?: string } }>('/consults/:id/audit', {
    schema: { tags: ['audit'], summary: "A consult's audit entries (admin; directors: their facility's)", params: idParams },
  }, async (req) => {
    const n = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
    const afterSeq = n(req.query.afterSeq);
    const limit = n(req.query.limit);
    const entries = await worklist.auditRead(await actorOf(worklist, req), {
      objectType: 'consult', objectId: req.params.id, ...(afterSeq !== undefined ? { afterSeq } : {}), ...(limit !== undefined ? { limit } : {}),
    });
    return { entries, last: entries.at(-1)?.seq ?? null };
  });

  const pdfRoute = (suffix: 'minutes.pdf' | 'participants.pdf') => app.get<{ Params: { id: string } }>(`/consults/:id/${suffix}`, {
    schema: { tags: ['worklist'], summary: suffix === 'minutes.pdf' ? 'The minutes as PDF (G-3.7)' : 'The participant record as PDF (G-2.7)', params: idParams },
  }, async (req, reply) => {
    const actor = await actorOf(worklist, req);
    const action = suffix === 'minutes.pdf' ? 'consult.minutesPdf' : 'consult.participantsPdf';
    const view = await worklist.read(actor, req.params.id, action);
    if (suffix === 'minutes.pdf' && !view.clinical) throw new HoiError('HOI_ERR_FORBIDDEN', 'the minutes are clinical content: your role may not read them', { reason: 'consult.readClinical refused', guard: 'roleAllowed', rule: 'G-2.9' });
    const names = await pdfNames(worklist);
    const pdf = suffix === 'minutes.pdf' ? await minutesPdf(view, names) : await participantsPdf(view, names, opts.attendance?.(view.id) ?? []);
    if (!pdf) {
      throw new HoiError('HOI_ERR_NOT_FOUND', 'this consult has no minutes yet');
    }
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${view.id}-${suffix}"`).send(Buffer.from(pdf));
  });
  pdfRoute('minutes.pdf');
  pdfRoute('participants.pdf');
}

import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Archive } from '../archive/Archive.js';
import type { User } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import type { JobQueue } from '../jobs/types.js';
import type { AnonymizerPool } from '../pipeline/anonymizerPool.js';
import type { AuditPort, PackAccessPolicy } from './access.js';
import { storeAttachment } from './attachments.js';
import { exportPackZip } from './exportZip.js';
import { parsePackOptions } from './options.js';
import { studyPatientMismatch } from './patientMatch.js';
import type { Pack, PackStore } from './PackStore.js';
import { PACK_BUILD_KIND } from './jobKind.js';
import { caseSummary } from './summary.js';

export interface PackRouteOptions {
  store: PackStore;
  archive: Archive;
  jobs: JobQueue;
  policy: PackAccessPolicy;
  audit: AuditPort;
  siteSecret: Uint8Array;
  pool: AnonymizerPool;
  /** Largest attachment accepted, bytes. */
  maxAttachmentBytes: number;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const PSEUDONYM = /^[\x20-\x7e]{1,64}$/;

function user(req: FastifyRequest): User {
  if (!req.user) throw new HoiError('HOI_ERR_UNAUTHORIZED', 'log in first');
  return req.user;
}

/** /api/consults/{id}/pack(s), /api/packs…: build, state and quarantine report, export, attachments. */
export async function packRoutes(app: FastifyInstance, o: PackRouteOptions): Promise<void> {
  const { store } = o;

  /** The pack if this user may see it; a pack they may not see does not exist for them (404, G-2.9). */
  const visible = async (req: FastifyRequest, id: string): Promise<Pack> => {
    const pack = /^pk[0-9a-f]{20}$/.test(id) ? await store.get(id) : null;
    if (!pack || !(await o.policy.mayView(user(req), pack))) {
      if (pack) await o.audit.record({ action: 'pack.view', actor: user(req).username, packId: pack.id, consultId: pack.consultId, outcome: 'denied' }, req);
      throw new HoiError('HOI_ERR_NOT_FOUND', `no pack ${id}`);
    }
    return pack;
  };

  const build = async (req: FastifyRequest, consultId: string, body: Record<string, unknown>) => {
    const u = user(req);
    if (!consultId || consultId.length > 128) throw new HoiError('HOI_ERR_BAD_REQUEST', 'consultId is required');
    if (!(await o.policy.mayBuild(u, consultId))) {
      await o.audit.record({ action: 'pack.build.requested', actor: u.username, packId: '', consultId, outcome: 'denied' }, req);
      throw new HoiError('HOI_ERR_FORBIDDEN', `you may not build a pack for consult ${consultId}`);
    }
    const studies = body.studies;
    if (!Array.isArray(studies) || !studies.length || studies.length > 100 || !studies.every((s) => typeof s === 'string' && UID.test(s) && s.length <= 64)) {
      throw new HoiError('HOI_ERR_BAD_REQUEST', 'studies must be a non-empty array (at most 100) of Study Instance UIDs');
    }
    const unique = [...new Set(studies as string[])];
    for (const s of unique) {
      const held = await store.db.selectFrom('pack_instances').select('pk').where('study_uid', '=', s).limit(1).executeTakeFirst();
      if (held) throw new HoiError('HOI_ERR_BAD_REQUEST', `study ${s} is case-pack content; choose source studies`);
      if (!(await o.archive.locate(s)).length) throw new HoiError('HOI_ERR_NOT_FOUND', `study ${s} is not in the archive`);
    }
    // The studies must be the consult's patient's (PatientID/issuer vs the requesting hospital's patient record).
    const patient = o.policy.patientOf ? await o.policy.patientOf(consultId) : null;
    if (o.policy.patientOf && !patient) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${consultId}`);
    if (patient) {
      const rows = await o.archive.db.selectFrom('studies').select(['study_uid', 'patient_id', 'issuer_of_patient_id']).where('study_uid', 'in', unique).execute();
      for (const r of rows) {
        const why = studyPatientMismatch(r, patient.ids);
        if (why) {
          await o.audit.record({ action: 'pack.build.requested', actor: u.username, packId: '', consultId, outcome: 'denied', detail: { study: r.study_uid, reason: why } }, req);
          throw new HoiError('HOI_ERR_UNPROCESSABLE', `study ${r.study_uid}: ${why}`, { study: r.study_uid, reason: why });
        }
      }
    }
    const options = parsePackOptions(body.options);
    if (body.pseudonym !== undefined && (typeof body.pseudonym !== 'string' || !PSEUDONYM.test(body.pseudonym) || /[\\^=]/.test(body.pseudonym))) {
      throw new HoiError('HOI_ERR_BAD_REQUEST', 'pseudonym must be 1-64 printable ASCII characters without \\ ^ =');
    }
    // The consult's own pseudonym wins (the consulting side knows the case by it); else the one given, else derived.
    const pseudonym = (await o.policy.pseudonymOf?.(consultId))
      ?? (typeof body.pseudonym === 'string' ? body.pseudonym
        : `HC-${crypto.createHmac('sha256', o.siteSecret).update(`hoichan-pseudonym\0${consultId}`).digest('hex').slice(0, 10).toUpperCase()}`);
    if (!PSEUDONYM.test(pseudonym) || /[\\^=]/.test(pseudonym)) throw new HoiError('HOI_ERR_UNPROCESSABLE', `consult ${consultId} has a pseudonym that cannot be written into DICOM (printable ASCII, no \\ ^ =)`);
    const pack = await store.create({ consultId, pseudonym, sourceStudies: unique, options, createdBy: u.username });
    const job = await o.jobs.enqueue(PACK_BUILD_KIND, { packId: pack.id }, { createdBy: u.username });
    await store.setJob(pack.id, job.id);
    await o.audit.record({ action: 'pack.build.requested', actor: u.username, packId: pack.id, consultId, outcome: 'ok', detail: { studies: unique.length, jobId: job.id } }, req);
    return { pack: await describe((await store.get(pack.id))!, true), job: { id: job.id, state: job.state } };
  };

  /** `requestingSide`: may build for the consult; only they see source UIDs in the quarantine report (UIDs link back to the patient's study). */
  const describe = async (pack: Pack, requestingSide: boolean) => {
    const job = pack.jobId ? await o.jobs.get(pack.jobId) : null;
    // A job cancelled (or failed) before its handler ran never updated the pack: follow the job.
    if (pack.state === 'building' && job && (job.state === 'cancelled' || job.state === 'failed')) {
      await store.setState(pack.id, job.state);
      pack = { ...pack, state: job.state };
    }
    return {
      id: pack.id, consultId: pack.consultId, pseudonym: pack.pseudonym, state: pack.state, createdBy: pack.createdBy,
      createdAt: pack.createdAt, updatedAt: pack.updatedAt, options: pack.options, counts: await store.counts(pack.id),
      report: pack.report,
      quarantine: (await store.quarantine(pack.id)).map((q, i) => (requestingSide ? q : { source: `#${i + 1}`, reasons: q.reasons })),
      job: job ? { id: job.id, state: job.state, progress: job.progress, attempts: job.attempts, error: job.error } : null,
      dicomweb: `/packs/${pack.id}/dicom-web`, export: `/api/packs/${pack.id}/export.zip`,
    };
  };

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/consults/:id/pack', async (req, reply) =>
    reply.code(202).send(await build(req, req.params.id, req.body ?? {})));
  app.post<{ Body: Record<string, unknown> }>('/packs', async (req, reply) => {
    const body = req.body ?? {};
    return reply.code(202).send(await build(req, typeof body.consultId === 'string' ? body.consultId : '', body));
  });

  app.get<{ Params: { id: string } }>('/consults/:id/packs', async (req) => {
    const u = user(req);
    const packs = [];
    const requestingSide = await o.policy.mayBuild(u, req.params.id);
    for (const p of await store.listForConsult(req.params.id)) if (await o.policy.mayView(u, p)) packs.push(await describe(p, requestingSide));
    return { packs };
  });

  app.get<{ Params: { id: string } }>('/packs/:id', async (req) => {
    const pack = await visible(req, req.params.id);
    return { ...(await describe(pack, await o.policy.mayBuild(user(req), pack.consultId))), summary: await caseSummary(store, o.archive, pack) };
  });

  app.get<{ Params: { id: string } }>('/packs/:id/export.zip', async (req, reply) => {
    const pack = await visible(req, req.params.id);
    if (pack.state !== 'ready') throw new HoiError('HOI_ERR_PACK_NOT_READY', `pack ${pack.id} is ${pack.state}; export once it is ready`);
    const stream = await exportPackZip(store, o.archive, pack);
    await o.audit.record({ action: 'pack.export', actor: user(req).username, packId: pack.id, consultId: pack.consultId, outcome: 'ok' }, req);
    return reply.type('application/zip').header('content-disposition', `attachment; filename="${pack.id}.zip"`).send(stream);
  });

  // Removes the pack's copies from the archive, then the pack (G-2.13: what was shared can be withdrawn).
  app.delete<{ Params: { id: string } }>('/packs/:id', async (req, reply) => {
    const pack = await visible(req, req.params.id);
    const u = user(req);
    if (!(await o.policy.mayBuild(u, pack.consultId))) throw new HoiError('HOI_ERR_FORBIDDEN', 'you may not delete this pack');
    if (pack.state === 'building') throw new HoiError('HOI_ERR_CONFLICT', `pack ${pack.id} is being built; cancel its job first`);
    const rows = await store.db.selectFrom('pack_instances').select('study_uid').distinct().where('pack_id', '=', pack.id).where('study_uid', 'is not', null).execute();
    let removed = 0;
    for (const r of rows) {
      try {
        removed += await o.archive.delete('study', r.study_uid!);
      } catch (err) {
        if (!(err instanceof HoiError && err.code === 'HOI_ERR_NOT_FOUND')) throw err;
      }
    }
    await store.remove(pack.id);
    await o.audit.record({ action: 'pack.delete', actor: u.username, packId: pack.id, consultId: pack.consultId, outcome: 'ok', detail: { instances: removed } }, req);
    return reply.code(204).send();
  });

  // Attachments: the raw file as the body (image/jpeg, image/png, application/pdf).
  for (const t of ['image/jpeg', 'image/png', 'application/pdf']) {
    if (!app.hasContentTypeParser(t)) app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit: o.maxAttachmentBytes }, (_req, body, done) => done(null, body));
  }
  app.post<{ Params: { id: string } }>('/packs/:id/attachments', { bodyLimit: o.maxAttachmentBytes }, async (req, reply) => {
    const pack = await visible(req, req.params.id);
    const u = user(req);
    if (!(await o.policy.mayBuild(u, pack.consultId))) throw new HoiError('HOI_ERR_FORBIDDEN', 'you may not add to this pack');
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!Buffer.isBuffer(req.body)) throw new HoiError('HOI_ERR_UNSUPPORTED_MEDIA', 'send the file as image/jpeg, image/png or application/pdf');
    if (pack.state !== 'ready') throw new HoiError('HOI_ERR_PACK_NOT_READY', `pack ${pack.id} is ${pack.state}; add attachments once it is ready`);
    const r = await storeAttachment({ store, archive: o.archive, siteSecret: o.siteSecret, pool: o.pool }, pack, req.body);
    await o.audit.record({ action: 'pack.attachment', actor: u.username, packId: pack.id, consultId: pack.consultId, outcome: r.state === 'released' ? 'ok' : 'failed', detail: { type, state: r.state } }, req);
    if (r.state !== 'released') throw new HoiError('HOI_ERR_UNPROCESSABLE', 'the attachment was quarantined: it is not released', { reasons: r.reasons });
    return reply.code(201).send(r);
  });
}

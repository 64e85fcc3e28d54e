import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HoiError } from '../errors.js';
import { jobKind, jobKinds } from './registry.js';
import { FINAL_STATES, type Job, type JobEvent, type JobFilter, type JobQueue, type JobState } from './types.js';

export interface JobsRoutesOptions {
  jobs: JobQueue;
  isAdmin: (req: FastifyRequest) => boolean;
}

const STATES: ReadonlySet<string> = new Set(['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled']);
/** SSE comment sent this often so proxies keep the stream open. */
const KEEPALIVE_MS = 15_000;

/** Admins see every job; other users the jobs they created. */
function visible(req: FastifyRequest, isAdmin: boolean, job: Job): boolean {
  return isAdmin || (!!req.user && job.createdBy === req.user.username);
}

/** May this user create a job of this kind (admin, or a role the kind allows)? */
export function mayCreate(req: FastifyRequest, isAdmin: boolean, kind: string): boolean {
  if (isAdmin) return true;
  const allow = jobKind(kind).allowRoles ?? [];
  return !!req.user && req.user.roles.some((r) => allow.includes(r));
}

function filterFrom(q: Record<string, string | undefined>): JobFilter {
  const f: JobFilter = {};
  if (q.state) {
    const states = q.state.split(',');
    for (const s of states) if (!STATES.has(s)) throw new HoiError('HOI_ERR_BAD_REQUEST', `state must be one of ${[...STATES].join(', ')}`);
    f.state = states as JobState[];
  }
  if (q.kind) f.kind = q.kind;
  if (q.createdBy) f.createdBy = q.createdBy;
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new HoiError('HOI_ERR_BAD_REQUEST', 'limit must be 1-1000');
    f.limit = n;
  }
  return f;
}

/** Open SSE responses per app: ended before the server closes (they would keep it open). */
const openStreams = new WeakMap<FastifyInstance, Set<import('node:http').ServerResponse>>();

/** Opens a text/event-stream on the raw response; returns a writer and registers cleanup. */
function openStream(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply, onClose: () => void): (e: JobEvent) => void {
  reply.hijack();
  const res = reply.raw;
  const streams = openStreams.get(app)!;
  streams.add(res);
  res.on('close', () => streams.delete(res));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': hoichan jobs\n\n');
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    onClose();
  };
  req.raw.on('close', close);
  res.on('close', close);
  return (e) => {
    if (!closed) res.write(`event: ${e.type}\nid: ${e.job.id}\ndata: ${JSON.stringify(e.job)}\n\n`);
  };
}

/**
 * /jobs (under /api): list with filters, get, create (any registered kind), cancel, retry, and live
 * events as Server-Sent Events (all visible jobs, or one job until it is final).
 */
export async function jobsRoutes(app: FastifyInstance, opts: JobsRoutesOptions): Promise<void> {
  const { jobs } = opts;
  openStreams.set(app, new Set());
  app.addHook('preClose', async () => {
    for (const res of openStreams.get(app) ?? []) res.end();
  });
  const getVisible = async (req: FastifyRequest, id: string): Promise<Job> => {
    const job = await jobs.get(id);
    if (!job || !visible(req, opts.isAdmin(req), job)) throw new HoiError('HOI_ERR_NOT_FOUND', `no job ${id}`);
    return job;
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/jobs', async (req) => {
    const f = filterFrom(req.query);
    if (!opts.isAdmin(req)) f.createdBy = req.user!.username;
    return { backend: jobs.backend, jobs: await jobs.list(f) };
  });

  app.get('/jobs/kinds', async () => ({ kinds: jobKinds() }));

  app.post<{ Body: { kind?: unknown; params?: unknown; maxAttempts?: unknown; backoffMs?: unknown } }>('/jobs', async (req, reply) => {
    const b = (req.body ?? {}) as { kind?: unknown; params?: unknown; maxAttempts?: unknown; backoffMs?: unknown };
    if (typeof b.kind !== 'string') throw new HoiError('HOI_ERR_BAD_REQUEST', 'body must be {"kind": "...", "params": {...}}');
    if (!mayCreate(req, opts.isAdmin(req), b.kind)) throw new HoiError('HOI_ERR_FORBIDDEN', `you may not start ${b.kind} jobs`);
    const int = (v: unknown, name: string, max: number): number | undefined => {
      if (v === undefined) return undefined;
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) throw new HoiError('HOI_ERR_BAD_REQUEST', `${name} must be an integer 0-${max}`);
      return v as number;
    };
    const job = await jobs.enqueue(b.kind, b.params ?? {}, { maxAttempts: int(b.maxAttempts, 'maxAttempts', 100), backoffMs: int(b.backoffMs, 'backoffMs', 3_600_000), createdBy: req.user?.username ?? null });
    return reply.code(201).header('location', `/api/jobs/${job.id}`).send(job);
  });

  app.get('/jobs/events', (req, reply) => {
    const admin = opts.isAdmin(req);
    const kind = (req.query as { kind?: string }).kind;
    let unsubscribe = () => {};
    const send = openStream(app, req, reply, () => unsubscribe());
    unsubscribe = jobs.subscribe((e) => {
      if (visible(req, admin, e.job) && (!kind || e.job.kind === kind)) send(e);
    });
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', async (req) => getVisible(req, req.params.id));

  app.get<{ Params: { id: string } }>('/jobs/:id/events', async (req, reply) => {
    const job = await getVisible(req, req.params.id);
    let unsubscribe = () => {};
    const send = openStream(app, req, reply, () => unsubscribe());
    const end = () => {
      unsubscribe();
      reply.raw.end();
    };
    unsubscribe = jobs.subscribe((e) => {
      if (e.job.id !== job.id) return;
      send(e);
      if (FINAL_STATES.has(e.job.state)) end();
    });
    // The current state first (it may already be final).
    const now = (await jobs.get(job.id)) ?? job;
    send({ type: FINAL_STATES.has(now.state) ? 'finished' : 'updated', job: now });
    if (FINAL_STATES.has(now.state)) end();
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/cancel', async (req) => {
    await getVisible(req, req.params.id);
    return jobs.cancel(req.params.id);
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/retry', async (req) => {
    await getVisible(req, req.params.id);
    return jobs.retry(req.params.id);
  });
}

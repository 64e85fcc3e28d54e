import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import type { Worklist } from '../worklist/index.js';

/**
 * GET /api/events: the logged-in user's notifications as Server-Sent Events (G-3.4: emergencies pushed at once;
 * no mail server). Token from the Authorization header, or `?access_token=` since EventSource sends no headers.
 */
export async function eventsRoutes(app: FastifyInstance, opts: { worklist: Worklist; accounts: Accounts; pingMs?: number }): Promise<void> {
  // Open streams end when the gateway closes (fastify waits for active connections otherwise).
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of [...open]) end();
  });
  app.get<{ Querystring: { access_token?: string } }>('/api/events', {
    schema: { tags: ['worklist'], summary: 'Live notifications (text/event-stream)', querystring: { type: 'object', properties: { access_token: { type: 'string' } } } },
  }, async (req, reply) => {
    const h = req.headers.authorization ?? '';
    const token = /^bearer /i.test(h) ? h.slice(7).trim() : req.query.access_token;
    const user = token ? await opts.accounts.userForToken(token) : null;
    if (!user) throw new HoiError('HOI_ERR_UNAUTHORIZED', 'log in first, then open /api/events with Authorization: Bearer <token> or ?access_token=<token>');
    const actor = await opts.worklist.directory.actorFor(user);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`: hello ${actor.userId}\n\n`);
    const off = opts.worklist.feed.subscribe(actor, (e) => {
      res.write(`event: notification\nid: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), opts.pingMs ?? 25_000);
    const stop = () => {
      clearInterval(ping);
      off();
      open.delete(end);
    };
    const end = () => {
      stop();
      res.end();
    };
    open.add(end);
    req.raw.on('close', stop);
    res.on('close', stop);
  });
}

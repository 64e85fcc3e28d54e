import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Accounts } from '../auth/Accounts.js';
import type { Archive } from '../archive/Archive.js';
import { HoiError } from '../errors.js';

/** /api/auth/me, /api/users (admin) and /api/changes (the archive's change feed). */
export async function adminRoutes(app: FastifyInstance, opts: { accounts: Accounts; archive: Archive; isAdmin: (r: FastifyRequest) => boolean }): Promise<void> {
  app.get('/auth/me', async (req) => ({ username: req.user!.username, roles: req.user!.roles, displayName: req.user!.displayName }));

  app.post('/auth/logout', async (req, reply) => {
    const token = req.headers.authorization?.split(' ')[1];
    if (token) await opts.accounts.revokeToken(token);
    return reply.code(204).send();
  });

  app.post<{ Body: { username: string; password: string; roles: string[]; displayName?: string } }>('/users', {
    schema: {
      body: {
        type: 'object', required: ['username', 'password', 'roles'], additionalProperties: false,
        properties: {
          username: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
          password: { type: 'string', minLength: 10, maxLength: 1024 },
          roles: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
          displayName: { type: 'string', maxLength: 200 },
        },
      },
    },
  }, async (req, reply) => {
    if (!opts.isAdmin(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin can create users');
    const exists = await opts.archive.db.selectFrom('users').select('id').where('username', '=', req.body.username).executeTakeFirst();
    if (exists) throw new HoiError('HOI_ERR_CONFLICT', `user ${req.body.username} exists`);
    const u = await opts.accounts.createUser(req.body.username, req.body.password, req.body.roles, req.body.displayName ?? null);
    return reply.code(201).send({ id: u.id, username: u.username, roles: u.roles });
  });

  app.get<{ Querystring: { since?: string; limit?: string } }>('/changes', async (req) => {
    const since = Number(req.query.since ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 100), 1000);
    const rows = await opts.archive.db.selectFrom('changes').selectAll().where('seq', '>', since).orderBy('seq').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { changes: page, last: page.length ? page[page.length - 1]!.seq : since, done: rows.length <= limit };
  });
}

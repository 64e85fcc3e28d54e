import type { FastifyInstance } from 'fastify';
import type { Facility } from '@hoichan/worklist';
import type { Accounts } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import type { Worklist } from '../worklist/index.js';
import { facilitySchema, newUserSchema, userFacilitySchema } from '../worklist/schemas.js';
import { actorOf } from './worklistActor.js';
import { useStrictValidator } from './worklistAjv.js';

/** GET /api/me, facilities and the users attached to them (admin writes). */
export async function facilitiesRoutes(app: FastifyInstance, opts: { worklist: Worklist; accounts: Accounts }): Promise<void> {
  const { worklist } = opts;
  const dir = worklist.directory;
  useStrictValidator(app);
  const requireAdmin = (roles: readonly string[]) => {
    if (!roles.includes('admin')) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin may do this', { guard: 'roleAllowed', rule: 'G-2.9' });
  };

  app.get('/me', { schema: { tags: ['worklist'], summary: 'The logged-in user, their facility and roles' } }, async (req) => {
    const actor = await actorOf(worklist, req);
    return {
      username: req.user!.username, displayName: req.user!.displayName,
      facility: actor.facilityId ? await dir.facility(actor.facilityId) : null,
      roles: req.user!.roles, worklistRoles: actor.roles,
    };
  });

  app.get('/facilities', { schema: { tags: ['worklist'], summary: 'Facilities' } }, async () => ({ facilities: await dir.facilities() }));

  app.post<{ Body: Facility }>('/facilities', { schema: { tags: ['worklist'], summary: 'Create a facility (admin)', body: facilitySchema } }, async (req, reply) => {
    requireAdmin(req.user!.roles);
    return reply.code(201).send(await dir.createFacility(req.body));
  });

  app.get<{ Querystring: { facility?: string; role?: string } }>('/users', {
    schema: { tags: ['worklist'], summary: 'Users with facility and roles (admin: all; others: their facility)', querystring: { type: 'object', additionalProperties: false, properties: { facility: { type: 'string' }, role: { type: 'string' } } } },
  }, async (req) => {
    const actor = await actorOf(worklist, req);
    const all = req.user!.roles.includes('admin');
    if (!all && !actor.facilityId) return { users: [] };
    const facilityId = all ? req.query.facility : actor.facilityId;
    return { users: await dir.users({ ...(facilityId !== undefined ? { facilityId } : {}), ...(req.query.role !== undefined ? { role: req.query.role } : {}) }) };
  });

  app.post<{ Params: { id: string }; Body: { username: string; password: string; roles: string[]; displayName?: string } }>('/facilities/:id/users', {
    schema: { tags: ['worklist'], summary: 'Create a user at a facility with worklist roles (admin)', body: newUserSchema },
  }, async (req, reply) => {
    requireAdmin(req.user!.roles);
    if (!(await dir.facility(req.params.id))) throw new HoiError('HOI_ERR_NOT_FOUND', `no facility ${req.params.id}`);
    if (await dir.user(req.body.username)) throw new HoiError('HOI_ERR_CONFLICT', `user ${req.body.username} exists`);
    await opts.accounts.createUser(req.body.username, req.body.password, req.body.roles, req.body.displayName ?? null);
    return reply.code(201).send(await dir.setUserFacility(req.body.username, req.params.id));
  });

  app.put<{ Params: { username: string }; Body: { facilityId: string | null; roles?: string[] } }>('/users/:username/facility', {
    schema: { tags: ['worklist'], summary: "Attach an existing account to a facility (and set its roles) (admin)", body: userFacilitySchema },
  }, async (req) => {
    requireAdmin(req.user!.roles);
    if (req.body.facilityId !== null && !(await dir.facility(req.body.facilityId))) throw new HoiError('HOI_ERR_NOT_FOUND', `no facility ${req.body.facilityId}`);
    return dir.setUserFacility(req.params.username, req.body.facilityId, req.body.roles);
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts, User } from './Accounts.js';
import type { LoginLimiter } from './loginLimiter.js';
import { HoiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

/**
 * Resolves the caller from `Authorization: Bearer <token>` (everywhere) or HTTP Basic (DICOMweb only, for
 * tools that cannot send a bearer token). Registered inside the protected contexts only.
 */
export function requireUser(accounts: Accounts, opts: { allowBasic: boolean; limiter: LoginLimiter }) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const h = req.headers.authorization ?? '';
    const [scheme, cred] = h.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && cred) {
      req.user = await accounts.userForToken(cred.trim());
    } else if (opts.allowBasic && scheme?.toLowerCase() === 'basic' && cred) {
      const text = Buffer.from(cred, 'base64').toString('utf8');
      const i = text.indexOf(':');
      const [u, p] = i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
      const wait = opts.limiter.retryAfter(u, req.ip);
      if (wait) {
        reply.header('retry-after', String(wait));
        throw new HoiError('HOI_ERR_RATE_LIMITED', `too many failed logins for ${u}; retry in ${wait} s`);
      }
      req.user = await accounts.userForBasic(u, p);
      if (req.user) opts.limiter.succeed(u, req.ip);
      else opts.limiter.fail(u, req.ip);
    }
    if (!req.user) {
      reply.header('www-authenticate', opts.allowBasic ? 'Bearer realm="hoichan", Basic realm="hoichan"' : 'Bearer realm="hoichan"');
      throw new HoiError('HOI_ERR_UNAUTHORIZED', 'log in first: POST /api/auth/login, then send Authorization: Bearer <token>');
    }
  };
}

/** POST /api/auth/login, /api/auth/logout and GET /api/auth/me. */
export async function authRoutes(app: FastifyInstance, opts: { accounts: Accounts; limiter: LoginLimiter }): Promise<void> {
  app.post<{ Body: { username?: unknown; password?: unknown } }>('/login', {
    schema: {
      body: {
        type: 'object', required: ['username', 'password'], additionalProperties: false,
        properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
    },
  }, async (req, reply) => {
    const username = String(req.body.username);
    const wait = opts.limiter.retryAfter(username, req.ip);
    if (wait) {
      reply.header('retry-after', String(wait));
      throw new HoiError('HOI_ERR_RATE_LIMITED', `too many failed logins; retry in ${wait} s`);
    }
    const user = await opts.accounts.check(username, String(req.body.password));
    if (!user) {
      opts.limiter.fail(username, req.ip);
      throw new HoiError('HOI_ERR_UNAUTHORIZED', 'wrong username or password');
    }
    opts.limiter.succeed(username, req.ip);
    const { token, expiresAt } = await opts.accounts.issueToken(user);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString(), user: { username: user.username, roles: user.roles, displayName: user.displayName } };
  });
}

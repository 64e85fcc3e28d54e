import type { FastifyRequest } from 'fastify';
import type { Actor } from '@hoichan/worklist';
import type { Worklist } from '../worklist/index.js';

const cache = new WeakMap<FastifyRequest, Actor>();

/** The worklist actor of the request's logged-in user (username, facility, worklist roles), once per request. */
export async function actorOf(worklist: Worklist, req: FastifyRequest): Promise<Actor> {
  const hit = cache.get(req);
  if (hit) return hit;
  const actor = await worklist.directory.actorFor(req.user!);
  cache.set(req, actor);
  return actor;
}

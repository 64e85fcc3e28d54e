import type { FastifyInstance } from 'fastify';

/** GET /api/docs: the OpenAPI document of every route (@fastify/swagger, registered first in app.ts). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/docs', { schema: { hide: true } }, async () => (app as FastifyInstance & { swagger(): unknown }).swagger());
}

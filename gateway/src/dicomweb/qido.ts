import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import { HoiError } from '../errors.js';
import type { Level } from './qido/attributes.js';
import { parseQuery } from './qido/parseQuery.js';
import { runQuery, type QidoScope } from './qido/runQuery.js';
import { baseUrlOf } from './http.js';
import { WHOLE_ARCHIVE, type DicomwebView } from './view.js';

type Q = Record<string, string | string[] | undefined>;

function checkAccept(req: FastifyRequest): void {
  const accept = req.headers.accept ?? '*/*';
  if (!/application\/(dicom\+)?json|\*\/\*|application\/\*/i.test(accept)) {
    throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', 'QIDO-RS answers application/dicom+json only');
  }
}

/** QIDO-RS (PS3.18 10.6): studies, series and instances, at every level of the resource tree. */
export async function qidoRoutes(app: FastifyInstance, opts: { db: Kysely<Database>; view?: DicomwebView }): Promise<void> {
  const view = opts.view ?? WHOLE_ARCHIVE;
  const search = (level: Level, scopeOf: (p: Record<string, string>) => QidoScope) =>
    async (req: FastifyRequest<{ Params: Record<string, string>; Querystring: Q }>, reply: import('fastify').FastifyReply) => {
      checkAccept(req);
      const q = parseQuery(req.query, level);
      const result = await runQuery(opts.db, level, q, { ...scopeOf(req.params), restrict: view.restrict(req, level) }, baseUrlOf(req, view.rootPath(req)));
      const warnings: string[] = [];
      if (q.ignored.length) warnings.push(`299 hoichan "The following query keys are not supported and were ignored: ${q.ignored.join(', ').replace(/"/g, '')}"`);
      if (result.more) warnings.push(`299 hoichan "There are additional results that can be requested (use offset)"`);
      if (warnings.length) reply.header('warning', warnings.join(', '));
      return reply.type('application/dicom+json').send(`[${result.items.join(',')}]`);
    };

  app.get('/studies', search('study', () => ({})));
  app.get('/series', search('series', () => ({})));
  app.get('/instances', search('instance', () => ({})));
  app.get('/studies/:study/series', search('series', (p) => ({ studyUid: p.study })));
  app.get('/studies/:study/instances', search('instance', (p) => ({ studyUid: p.study })));
  app.get('/studies/:study/series/:series/instances', search('instance', (p) => ({ studyUid: p.study, seriesUid: p.series })));
}

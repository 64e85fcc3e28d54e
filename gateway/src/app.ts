import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import path from 'node:path';
import type { Config } from './config/config.js';
import { openIndex, type IndexDb } from './archive/index/openIndex.js';
import { FsBlobStore } from './archive/blob/FsBlobStore.js';
import { Archive } from './archive/Archive.js';
import { Accounts } from './auth/Accounts.js';
import { LoginLimiter } from './auth/loginLimiter.js';
import { authRoutes, requireUser } from './auth/authPlugin.js';
import { stowRoutes } from './dicomweb/stow.js';
import { qidoRoutes } from './dicomweb/qido.js';
import { wadoRoutes } from './dicomweb/wado.js';
import { adminRoutes } from './api/admin.js';
import { viewerStatic, viewerDistDir } from './api/viewerStatic.js';
import { createDimse, peersRoutes, type Dimse } from './dimse/index.js';
import { parseInstance } from './dicom/index.js';
import { HoiError } from './errors.js';

/** Everything a running gateway holds; `close()` releases it all. */
export interface Gateway {
  app: FastifyInstance;
  config: Config;
  index: IndexDb;
  archive: Archive;
  accounts: Accounts;
  /** DICOM peers and SCP listener (`dimse.port` when listening). */
  dimse: Dimse;
  /** Set on first start when no HOICHAN_ADMIN_PASSWORD was given: print it once. */
  generatedAdminPassword: string | null;
  close(): Promise<void>;
}

/** Builds the gateway (index, blobs, accounts, HTTP routes) without listening. Tests call this and inject(). */
export async function build(config: Config): Promise<Gateway> {
  const index = await openIndex({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.databaseSchema });
  const blobs = new FsBlobStore(path.join(config.dataDir, 'blobs'), config.fsync);
  blobs.sweepTemps();
  const archive = new Archive(index, blobs, { overwrite: config.overwriteInstances, fsync: config.fsync, dataDir: config.dataDir });
  const recovered = await archive.recover();
  const dimse = await createDimse(config, { archive, blobs, parse: parseInstance });
  const accounts = new Accounts(index.db, config.tokenTtlSeconds);
  const admin = await accounts.ensureAdmin(config.adminPassword);
  const limiter = new LoginLimiter(config.loginMaxFailures, config.loginWindowSeconds * 1000);

  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: 10 * 1024 * 1024,
    // Large studies stream for a long time on slow district links.
    requestTimeout: 0,
    // Per-request lines only at debug: a busy modality would otherwise flood the log.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' }),
  });
  app.decorateRequest('user', null);
  if (recovered.journals) app.log.warn(recovered, 'recovered from an interrupted write');

  app.setErrorHandler((err: FastifyError | HoiError, req, reply) => {
    const e = err instanceof HoiError ? err
      : (err as FastifyError).validation ? new HoiError('HOI_ERR_BAD_REQUEST', err.message)
      : (err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500 ? Object.assign(new HoiError('HOI_ERR_BAD_REQUEST', err.message), { http: (err as FastifyError).statusCode! })
      : null;
    if (!e) {
      req.log.error({ err }, 'unhandled error');
      return reply.code(500).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Internal error', status: 500, detail: err.message }));
    }
    return reply.code(e.http).type('application/problem+json').send(JSON.stringify(e.toProblem(req.url)));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).type('application/problem+json').send(JSON.stringify(new HoiError('HOI_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toProblem())));

  let ready = false;
  app.get('/healthz', async (_req, reply) => (ready ? { status: 'ok', index: index.dialect } : reply.code(503).send({ status: 'starting' })));
  await app.register(authRoutes, { prefix: '/api/auth', accounts, limiter });

  const isAdmin = (req: import('fastify').FastifyRequest) => !!req.user?.roles.includes('admin');
  await app.register(async (api) => {
    api.addHook('onRequest', requireUser(accounts, { allowBasic: false, limiter }));
    await api.register(adminRoutes, { accounts, archive, isAdmin });
    await api.register(peersRoutes, { peers: dimse.peers, isAdmin, aeTitle: config.aeTitle, port: () => dimse.port });
  }, { prefix: '/api' });
  await app.register(async (dw) => {
    dw.addHook('onRequest', requireUser(accounts, { allowBasic: true, limiter }));
    await dw.register(stowRoutes, { archive, blobs, maxInstanceBytes: config.maxInstanceBytes });
    await dw.register(qidoRoutes, { db: index.db });
    await dw.register(wadoRoutes, { archive, isAdmin });
  }, { prefix: '/dicom-web' });
  const viewerDir = viewerDistDir();
  if (viewerDir) await app.register(viewerStatic, { dir: viewerDir });
  await app.ready();
  await dimse.listen();
  ready = true;

  return {
    app, config, index, archive, accounts, dimse, generatedAdminPassword: admin.generatedPassword,
    async close() {
      await dimse.close();
      await app.close();
      await index.close();
    },
  };
}

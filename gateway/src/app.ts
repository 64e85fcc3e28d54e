import { IdentityVault } from './worklist/identityVault.js';
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import path from 'node:path';
import type { Config } from './config/config.js';
import { parsePortRange } from './config/config.js';
import { openIndex, type IndexDb } from './archive/index/openIndex.js';
import { FsBlobStore } from './archive/blob/FsBlobStore.js';
import { Archive } from './archive/Archive.js';
import { Accounts } from './auth/Accounts.js';
import { LoginLimiter } from './auth/loginLimiter.js';
import { SecretBox } from './auth/secretBox.js';
import { authRoutes, requireUser } from './auth/authPlugin.js';
import { stowRoutes } from './dicomweb/stow.js';
import { qidoRoutes } from './dicomweb/qido.js';
import { wadoRoutes } from './dicomweb/wado.js';
import { wadoUriRoutes } from './dicomweb/wadoUri.js';
import { adminRoutes } from './api/admin.js';
import { viewerStatic, viewerDistDir } from './api/viewerStatic.js';
import { createDimse, peerSourcesRoutes, peersRoutes, type Dimse } from './dimse/index.js';
import { parseInstance } from './dicom/index.js';
import { HoiError } from './errors.js';
import { createJobQueue, jobsRoutes, mayCreate, type JobQueue } from './jobs/index.js';
import './jobs/kinds/index.js';
import { WebPeerRegistry } from './scu/webPeers.js';
import { scuRoutes } from './scu/routes.js';
import { auditScuJobs } from './scu/audit.js';
import swagger from '@fastify/swagger';
import { Worklist, dicomWebAccessHook, dimseAccessLogger } from './worklist/index.js';
import { consultsRoutes } from './api/consults.js';
import { facilitiesRoutes } from './api/facilities.js';
import { auditRoutes } from './api/audit.js';
import { eventsRoutes } from './api/events.js';
import { docsRoutes } from './api/docs.js';
import { systemRoutes } from './api/system.js';
import { httpsEnabled, loadServerTls, type ServerTls } from './tls/serverTls.js';
import { LiveService } from './live/LiveService.js';
import { liveRoutes, faceModelRoutes } from './live/liveRoutes.js';
import { worklistLivePorts } from './live/worklistPorts.js';
import { createPacks, type Packs } from './packs/index.js';
import { worklistPackAccess, worklistPackAudit } from './packs/worklistAccess.js';
import { consultDocumentRoutes } from './packs/consultDocuments.js';
import { readAttendance } from './live/ParticipationLog.js';

/** Everything a running gateway holds; `close()` releases it all. */
export interface Gateway {
  app: FastifyInstance;
  config: Config;
  index: IndexDb;
  archive: Archive;
  accounts: Accounts;
  /** DICOM peers and SCP listener (`dimse.port` when listening). */
  dimse: Dimse;
  /** Job queue (imports, forwards, …): bullmq when REDIS_URL is set, else embedded in the index (gateway/src/jobs). */
  jobs: JobQueue;
  /** The consult worklist (issue 5): repo, directory, live feed, audit (gateway/src/worklist/API.md). */
  worklist: Worklist;
  /** Case packs (gateway/src/packs): anonymized copies per consult, their DICOMweb roots and zip export. */
  packs: Packs;
  /** HTTPS certificate in use (null = plain HTTP); main prints its fingerprint for IT to trust. */
  tls: ServerTls | null;
  /** Live consult rooms (gateway/src/live); `live.ports` is the consult source and audit sink. */
  live: LiveService;
  /** Set on first start when no HOICHAN_ADMIN_PASSWORD was given: print it once. */
  generatedAdminPassword: string | null;
  close(): Promise<void>;
}

/** Builds the gateway (index, blobs, accounts, HTTP routes) without listening. Tests call this and inject(). */
export async function build(config: Config): Promise<Gateway> {
  const index = await openIndex({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.databaseSchema });
  const blobs = new FsBlobStore(path.join(config.dataDir, 'blobs'), config.fsync, { direct: config.directIo, burstSpares: config.spareFiles });
  blobs.sweepTemps();
  const archive = new Archive(index, blobs, { overwrite: config.overwriteInstances, fsync: config.fsync, dataDir: config.dataDir, minFreeBytes: config.minFreeMb * 1024 * 1024 });
  const recovered = await archive.recover();
  blobs.prepare();
  const worklist = new Worklist(index, IdentityVault.open(config.dataDir));
  const dimse = await createDimse(config, { archive, blobs, parse: parseInstance, onAccess: dimseAccessLogger(worklist) });
  const webPeers = new WebPeerRegistry(index.db, SecretBox.open(config.dataDir, 'peers'));
  await webPeers.sealLegacyRows();
  const jobs = createJobQueue(config, { config, index, archive, dimse, webPeers });
  const accounts = new Accounts(index.db, config.tokenTtlSeconds);
  const admin = await accounts.ensureAdmin(config.adminPassword);
  const limiter = new LoginLimiter(config.loginMaxFailures, config.loginWindowSeconds * 1000);

  // HTTPS (issue 7): browsers grant camera and microphone only to secure contexts; localhost-only may stay HTTP.
  const tls = httpsEnabled(config.https, config.host) ? await loadServerTls({ dataDir: config.dataDir, certFile: config.tlsCert, keyFile: config.tlsKey, hostnames: [config.host] }) : null;
  // Sockets and requests buffer up to 1 MB before they pause: at the default 16 KB every 64 KB socket read
  // paused and resumed the socket (two epoll_ctl calls per read, ~5 000 per 500-instance STOW).
  const highWaterMark = 1024 * 1024;
  const app = Fastify({
    ...(tls ? { https: { cert: tls.cert, key: tls.key, highWaterMark } } : { http: { highWaterMark } }),
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: 10 * 1024 * 1024,
    // Large studies stream for a long time on slow district links.
    requestTimeout: 0,
    // Per-request lines only at debug: a busy modality would otherwise flood the log.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' }),
  });
  // OpenAPI document of every route (GET /api/docs); registered first so it sees every route.
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'Hoichan gateway', version: '0.1.0', description: 'Consult worklist API (gateway/src/worklist/API.md), DICOMweb, admin.' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] } });
  app.decorateRequest('user', null);
  if (recovered.journals) app.log.warn(recovered, 'recovered from an interrupted write');
  const packs = createPacks({ archive, jobs, dataDir: config.dataDir, policy: worklistPackAccess(worklist), audit: worklistPackAudit(worklist) }, app.log);

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
    await api.register(systemRoutes, { config, archive, dimse, isAdmin });
    await api.register(peersRoutes, { peers: dimse.peers, isAdmin, aeTitle: config.aeTitle, port: () => dimse.port });
    await api.register(peerSourcesRoutes, { peers: dimse.peers, mayImport: (req) => mayCreate(req, isAdmin(req), 'dimse.import') });
    await api.register(jobsRoutes, { jobs, isAdmin });
    await api.register(scuRoutes, { peers: dimse.peers, webPeers, jobs, isAdmin, self: () => ({ aeTitle: config.aeTitle, maxPdu: config.dicomMaxPdu || 65536, timeoutMs: config.scuTimeoutSeconds * 1000 }) });
    await api.register(facilitiesRoutes, { worklist, accounts });
    await api.register(consultsRoutes, { worklist, attendance: (id) => readAttendance(config.dataDir, id) });
    await api.register(auditRoutes, { worklist });
    await api.register(async (p) => packs.apiRoutes(p));
    // The minutes and participant record into the consult's case pack (on signing, or on demand; issue 5 point 5).
    await api.register(consultDocumentRoutes, { worklist, packs, attendance: (id) => readAttendance(config.dataDir, id), log: app.log });
  }, { prefix: '/api' });
  await app.register(async (dw) => {
    dw.addHook('onRequest', requireUser(accounts, { allowBasic: true, limiter }));
    // G-2.11: every DICOMweb access (refusals too) goes to the audit log.
    dw.addHook('onResponse', dicomWebAccessHook(worklist));
    await dw.register(stowRoutes, { archive, blobs, maxInstanceBytes: config.maxInstanceBytes });
    await dw.register(qidoRoutes, { db: index.db, view: packs.mainView });
    await dw.register(wadoRoutes, { archive, isAdmin, view: packs.mainView });
    await dw.register(wadoUriRoutes, { archive, view: packs.mainView });
  }, { prefix: '/dicom-web' });
  // One DICOMweb root per case pack, only for those allowed to see it (gateway/src/packs/dicomwebRoot.ts).
  await app.register(async (pw) => {
    pw.addHook('onRequest', requireUser(accounts, { allowBasic: true, limiter }));
    pw.addHook('onResponse', dicomWebAccessHook(worklist));
    await packs.dicomwebRoutes(pw);
  }, { prefix: '/packs/:pack/dicom-web' });
  const live = new LiveService({
    dataDir: config.dataDir, iceServers: JSON.parse(config.liveIceServers) as unknown[], maxEndpoints: config.liveMaxEndpoints, log: app.log,
    // The connection test's WebRTC probe (issue 7): loopback is offered only when the gateway listens there.
    probes: { maxProbes: config.liveMaxProbes, idleMs: config.liveProbeIdleSeconds * 1000, extraHostAddresses: /^(127\.|localhost$)/.test(config.host) ? ['127.0.0.1'] : [], ...(config.liveProbePorts ? { portRange: parsePortRange(config.liveProbePorts)! } : {}) },
    stunPort: config.liveStunPort, stunHost: config.host,
  });
  await live.listen();
  live.ports = worklistLivePorts(worklist);
  await app.register(liveRoutes, { prefix: '/api/live', accounts, live, isAdmin });
  await app.register(faceModelRoutes, { prefix: '/live-assets/face-models' });
  await app.register(eventsRoutes, { worklist, accounts });
  await app.register(docsRoutes);
  const viewerDir = viewerDistDir();
  if (viewerDir) await app.register(viewerStatic, { dir: viewerDir, connectSrc: config.viewerConnectSrc.split(/\s+/).filter(Boolean) });
  await app.ready();
  await dimse.listen();
  // G-2.11: imports and forwards are logged when they finish.
  auditScuJobs(jobs, (e) => worklist.accessLog.record(e));
  await jobs.start();
  ready = true;

  return {
    app, config, index, archive, accounts, dimse, jobs, tls, live, worklist, packs, generatedAdminPassword: admin.generatedPassword,
    async close() {
      live.close();
      await jobs.close();
      await packs.close();
      await dimse.close();
      await app.close();
      await worklist.close();
      await index.close();
      await blobs.close();
    },
  };
}

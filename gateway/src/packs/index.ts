/**
 * Case packs (issue 4 point 7): the anonymized copies of the studies chosen for one consult, built by a job,
 * served over DICOMweb to those allowed to see the pack, exportable as a zip with a DICOMDIR.
 */
import type { FastifyInstance } from 'fastify';
import type { Archive } from '../archive/Archive.js';
import type { JobQueue } from '../jobs/types.js';
import { defaultPackAccess, logAudit, type AuditPort, type PackAccessPolicy } from './access.js';
import { packDicomwebRoutes } from './dicomwebRoot.js';
import { addToPack, type AddToPackOptions, type AddToPackResult } from './addToPack.js';
import { bindPackJob } from './jobKind.js';
import { loadSiteSecret } from './keys.js';
import { AnonymizerPool } from '../pipeline/anonymizerPool.js';
import { PackStore } from './PackStore.js';
import { packRoutes } from './routes.js';
import { mainView } from './views.js';

export { PackStore } from './PackStore.js';
export { PACK_BUILD_KIND } from './jobKind.js';
export type { PackAccessPolicy, AuditPort, AuditEntry, PackSubject, PackPatient } from './access.js';
export type { AddToPackOptions, AddToPackResult } from './addToPack.js';

export interface PacksOptions {
  archive: Archive;
  jobs: JobQueue;
  dataDir: string;
  policy?: PackAccessPolicy;
  audit?: AuditPort;
  maxAttachmentBytes?: number;
  /** Worker threads running the anonymizer (default 1: the main thread keeps the other core on this 2-core class of machine). */
  workers?: number;
}

export interface Packs {
  store: PackStore;
  /** The view of the main `/dicom-web` root (pack copies hidden): pass it to qidoRoutes/wadoRoutes there. */
  mainView: ReturnType<typeof mainView>;
  /** Adds an instance the gateway made (pack pseudonym and study, e.g. the consult's PDFs) to a ready pack, through the leak gate. */
  addToPack(packId: string, bytes: Buffer, opts: AddToPackOptions): Promise<AddToPackResult>;
  /** Records an entry in the pack audit (the worklist's log when wired). */
  audit: AuditPort;
  /** Who may build (and add to) or see a consult's packs. */
  policy: PackAccessPolicy;
  /** Registers /api/packs… (call inside the authenticated /api context). */
  apiRoutes(api: FastifyInstance): Promise<void>;
  /** Registers /packs/{id}/dicom-web (call inside an authenticated context; prefix '/packs/:pack/dicom-web'). */
  dicomwebRoutes(dw: FastifyInstance): Promise<void>;
  /** Ends the anonymizer workers. */
  close(): Promise<void>;
}

export function createPacks(o: PacksOptions, log: { info(obj: object, msg: string): void }): Packs {
  const store = new PackStore(o.archive.db);
  const siteSecret = loadSiteSecret(o.dataDir);
  const policy = o.policy ?? defaultPackAccess;
  const audit = o.audit ?? logAudit(log);
  const pool = new AnonymizerPool(o.workers ?? 1);
  bindPackJob(o.archive, { store, archive: o.archive, siteSecret, pool, audit });
  return {
    store,
    mainView: mainView(store),
    addToPack: (packId, bytes, opts) => addToPack({ store, archive: o.archive, policy }, packId, bytes, opts),
    audit,
    policy,
    apiRoutes: (api) => packRoutes(api, {
      store, archive: o.archive, jobs: o.jobs, policy, audit, siteSecret, pool,
      maxAttachmentBytes: o.maxAttachmentBytes ?? 50 * 1024 * 1024,
    }),
    dicomwebRoutes: (dw) => packDicomwebRoutes(dw, { store, archive: o.archive, policy, audit }),
    close: () => pool.close(),
  };
}

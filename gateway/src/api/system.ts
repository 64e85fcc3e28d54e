import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Archive } from '../archive/Archive.js';
import type { Config } from '../config/config.js';
import type { Dimse } from '../dimse/index.js';
import { HoiError } from '../errors.js';

/** What an IT person checks first: is it up, where does it listen, how full is the disk, what does it hold. */
export interface SystemStatus {
  name: 'Hoichan';
  version: string;
  node: string;
  uptimeSeconds: number;
  index: 'sqlite' | 'postgres';
  dicom: { aeTitle: string; port: number | null; tlsPort: number | null; durability: string; activeAssociations: number; acceptAny: boolean };
  archive: { patients: number; studies: number; series: number; instances: number; bytes: number };
  /** The volume holding the data directory (null where the platform cannot tell). */
  disk: { dataDir: string; totalBytes: number; freeBytes: number; reserveBytes: number; refusingNewObjects: boolean } | null;
}

const VERSION: string = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const started = Date.now();

/**
 * `GET /api/system` (admin): Orthanc's /system and /statistics in one answer. Counts come from the index (case
 * pack copies included: they take disk too); free space from statfs on the data directory.
 */
export async function systemRoutes(app: FastifyInstance, opts: { config: Config; archive: Archive; dimse: Dimse; isAdmin: (r: FastifyRequest) => boolean }): Promise<void> {
  const { config, archive, dimse } = opts;
  app.get('/system', { schema: { tags: ['admin'], summary: 'Version, listeners, archive counts and free disk space (admin)' } }, async (req): Promise<SystemStatus> => {
    if (!opts.isAdmin(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin can see the system status');
    const db = archive.db;
    const [studies, series, instances] = await Promise.all([
      db.selectFrom('studies').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('patient_id').distinct().as('patients')]).executeTakeFirstOrThrow(),
      db.selectFrom('series').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('instances').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number | null>('size').as('bytes')]).executeTakeFirstOrThrow(),
    ]);
    let disk: SystemStatus['disk'] = null;
    try {
      const s = fs.statfsSync(config.dataDir);
      // Below the reserve (HOICHAN_MIN_FREE_MB) new objects are refused: say so where IT looks first.
      disk = { dataDir: config.dataDir, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, reserveBytes: config.minFreeMb * 1024 * 1024, refusingNewObjects: archive.storeRefusal() !== null };
    } catch { /* no statfs here: leave it out rather than guess */ }
    return {
      name: 'Hoichan', version: VERSION, node: process.version, uptimeSeconds: Math.round((Date.now() - started) / 1000),
      index: archive.index.dialect,
      dicom: {
        aeTitle: config.aeTitle, port: dimse.port, tlsPort: dimse.tlsPort, durability: config.dimseDurability,
        activeAssociations: dimse.activeAssociations, acceptAny: dimse.peers.acceptAny,
      },
      // PostgreSQL answers counts and sums as strings (bigint): numbers here.
      archive: { patients: Number(studies.patients), studies: Number(studies.n), series: Number(series.n), instances: Number(instances.n), bytes: Number(instances.bytes ?? 0) },
      disk,
    };
  });
}

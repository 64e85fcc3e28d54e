// Opens a job queue of a given backend for tests (the suite and its crash child share this).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openIndex, dropPgSchema, type IndexDb } from '../../archive/index/openIndex.js';
import type { BullmqQueue } from '../bullmqQueue.js';
import type { JobQueue, JobServices } from '../types.js';

export type QueueBackend = 'sqlite' | 'postgres' | 'bullmq';
export const PG_URL = process.env.HOICHAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.HOICHAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where a queue keeps its state: enough to open another queue on the same store (a restart). */
export interface Store {
  backend: QueueBackend;
  dataDir: string;
  schema: string;
  prefix: string;
}

export function newStore(backend: QueueBackend): Store {
  const id = crypto.randomBytes(5).toString('hex');
  return { backend, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-jobs-')), schema: `j_${id}`, prefix: `hoichan-test-${id}` };
}

/** The test kinds use no gateway services. */
const NO_SERVICES = {} as JobServices;

export async function openQueue(s: Store, opts: { concurrency?: number; leaseMs?: number } = {}): Promise<{ queue: JobQueue; close(): Promise<void> }> {
  const concurrency = opts.concurrency ?? 2;
  const leaseMs = opts.leaseMs ?? 1000;
  if (s.backend === 'bullmq') {
    // Loaded on demand: the crash child starts faster with one backend's modules only.
    const { BullmqQueue } = await import('../bullmqQueue.js');
    const queue: BullmqQueue = new BullmqQueue({ services: NO_SERVICES, redisUrl: REDIS_URL, prefix: s.prefix, concurrency, leaseMs });
    return { queue, close: () => queue.close() };
  }
  const index: IndexDb = await openIndex({ dataDir: s.dataDir, databaseUrl: s.backend === 'postgres' ? PG_URL : null, schema: s.schema });
  const { EmbeddedQueue } = await import('../embeddedQueue.js');
  const queue = new EmbeddedQueue(index.db, { services: NO_SERVICES, concurrency, pollMs: 100, leaseMs });
  return { queue, close: async () => { await queue.close(); await index.close(); } };
}

export async function dropStore(s: Store): Promise<void> {
  if (s.backend === 'bullmq') {
    const { BullmqQueue } = await import('../bullmqQueue.js');
    const q = new BullmqQueue({ services: NO_SERVICES, redisUrl: REDIS_URL, prefix: s.prefix, concurrency: 1 });
    await q.obliterate().catch(() => undefined);
    await q.close();
  }
  if (s.backend === 'postgres') await dropPgSchema(PG_URL, s.schema);
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

import type { Config } from '../config/config.js';
import { BullmqQueue } from './bullmqQueue.js';
import { EmbeddedQueue } from './embeddedQueue.js';
import type { JobQueue, JobServices } from './types.js';

export * from './types.js';
export { registerJobKind, jobKind, jobKinds } from './registry.js';
export { jobsRoutes, mayCreate } from './routes.js';

/** bullmq when a Redis URL is configured, else the embedded queue in the index. Not started yet. */
export function createJobQueue(config: Config, services: JobServices): JobQueue {
  const leaseMs = Math.max(1, config.jobsLeaseSeconds) * 1000;
  if (config.redisUrl) return new BullmqQueue({ services, redisUrl: config.redisUrl, prefix: config.redisPrefix, concurrency: config.jobsConcurrency, leaseMs });
  return new EmbeddedQueue(services.index.db, { services, concurrency: config.jobsConcurrency, leaseMs });
}

// Child process of the crash test: enqueues a slow job, says when it is half done, then waits to be killed.
import { registerTestKinds } from './kinds.js';
import { openQueue, type Store } from './harness.js';

const store = JSON.parse(process.env.HOICHAN_TEST_STORE!) as Store;
registerTestKinds();
const { queue } = await openQueue(store, { concurrency: 1, leaseMs: 1000 });
queue.subscribe((e) => {
  if (e.job.progress.instancesDone >= 2) process.stdout.write(`PROGRESS ${e.job.id}\n`, () => undefined);
});
await queue.start();
const job = await queue.enqueue('test.steps', { steps: 8, stepMs: 150 });
process.stdout.on('error', () => undefined); // the parent stops reading before it kills us
process.stdout.write(`JOB ${job.id}\n`);
setInterval(() => undefined, 1000);

import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTestKinds } from './testkit/kinds.js';
import { dropStore, newStore, openQueue, type QueueBackend, type Store } from './testkit/harness.js';
import { FINAL_STATES, type Job, type JobEvent, type JobQueue } from './types.js';

registerTestKinds();

/** Resolves with the job once `pred` holds (events, with a poll as a safety net). */
function waitFor(queue: JobQueue, id: string, pred: (j: Job) => boolean, what = 'condition'): Promise<Job> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (j: Job) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(limit);
      off();
      resolve(j);
    };
    const off = queue.subscribe((e) => { if (e.job.id === id && pred(e.job)) finish(e.job); });
    // A poll still in flight when the test ends meets a closed store: its rejection is expected, not a failure.
    const poll = setInterval(() => void queue.get(id).then((j) => { if (j && pred(j)) finish(j); }, () => undefined), 100);
    const limit = setTimeout(() => {
      off();
      clearInterval(poll);
      void queue.get(id).then(
        (j) => reject(new Error(`job ${id}: no ${what}; last state ${JSON.stringify(j)}`)),
        (err: Error) => reject(new Error(`job ${id}: no ${what}; state unreadable: ${err.message}`)),
      );
    }, 30_000);
  });
}
const final = (q: JobQueue, id: string) => waitFor(q, id, (j) => FINAL_STATES.has(j.state), 'final state');

// The same suite on every implementation of JobQueue: embedded on SQLite and PostgreSQL, and bullmq on Redis.
describe.each<QueueBackend>(['sqlite', 'postgres', 'bullmq'])('job queue on %s', (backend) => {
  let store: Store;
  let q: JobQueue;
  let close: () => Promise<void>;

  beforeAll(async () => {
    store = newStore(backend);
    ({ queue: q, close } = await openQueue(store));
    await q.start();
  });
  afterAll(async () => {
    await close?.();
    await dropStore(store);
  });

  it('runs a job to the end with progress, events and a report', async () => {
    const events: JobEvent[] = [];
    const off = q.subscribe((e) => events.push(e));
    const created = await q.enqueue('test.steps', { steps: 5, stepMs: 60 }, { createdBy: 'alice' });
    expect(created.state).toBe('queued');
    const job = await final(q, created.id);
    off();
    expect(job.state).toBe('succeeded');
    expect(job.progress).toMatchObject({ instancesDone: 5, instancesTotal: 5, bytesDone: 500, bytesTotal: 500 });
    expect(job.report).toMatchObject({ summary: '5 steps', instances: { done: 5, total: 5 }, attempt: 1 });
    expect(job.attempts).toBe(1);
    expect(job.createdBy).toBe('alice');
    const mine = events.filter((e) => e.job.id === created.id);
    expect(mine.some((e) => e.type === 'progress' && e.job.progress.instancesDone > 0 && e.job.progress.instancesDone < 5)).toBe(true);
    expect(mine.at(-1)!.type).toBe('finished');
  });

  it('retries a transient failure with backoff, then succeeds', async () => {
    const j = await q.enqueue('test.steps', { steps: 3, stepMs: 5, failAt: 2, failUntilAttempt: 2 }, { maxAttempts: 4, backoffMs: 50 });
    const seen = await waitFor(q, j.id, (x) => x.state === 'retrying' || x.state === 'succeeded', 'retrying');
    expect(seen.state).toBe('retrying');
    expect(seen.error).toMatch(/flaked/);
    const done = await final(q, j.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(3);
    expect(done.report).toMatchObject({ attempt: 3 });
  });

  it('ends failed with the reason and a report when the failure is permanent, or retries run out', async () => {
    const perm = await q.enqueue('test.steps', { steps: 3, stepMs: 5, failAt: 2, permanent: true }, { maxAttempts: 5, backoffMs: 10 });
    const p = await final(q, perm.id);
    expect(p.state).toBe('failed');
    expect(p.attempts).toBe(1);
    expect(p.error).toMatch(/step 2 is broken/);
    expect(p.report).toMatchObject({ summary: 'broke at step 2', instances: { done: 1, failed: 1 } });

    const flaky = await q.enqueue('test.steps', { steps: 2, stepMs: 5, failAt: 1, failUntilAttempt: 99 }, { maxAttempts: 2, backoffMs: 10 });
    const f = await final(q, flaky.id);
    expect(f.state).toBe('failed');
    expect(f.attempts).toBe(2);
    expect(f.error).toMatch(/flaked/);
  });

  it('cancels a running job (it stops) and a queued one (it never runs); retry runs a cancelled job again', async () => {
    const running = await q.enqueue('test.steps', { steps: 50, stepMs: 100 });
    await waitFor(q, running.id, (j) => j.state === 'running' && j.progress.instancesDone >= 1, 'progress');
    await q.cancel(running.id);
    const c = await final(q, running.id);
    expect(c.state).toBe('cancelled');
    expect(c.progress.instancesDone).toBeLessThan(50);
    expect(c.report?.summary).toMatch(/cancel/);
    const stoppedAt = c.progress.instancesDone;
    await new Promise((r) => setTimeout(r, 300));
    expect((await q.get(running.id))!.progress.instancesDone).toBe(stoppedAt);

    // Two long jobs fill both slots, so the third waits in the queue and is cancelled there.
    const blockers = [await q.enqueue('test.steps', { steps: 100, stepMs: 50 }), await q.enqueue('test.steps', { steps: 100, stepMs: 50 })];
    const waiting = await q.enqueue('test.steps', { steps: 2, stepMs: 5 });
    await q.cancel(waiting.id);
    const w = await final(q, waiting.id);
    expect(w.state).toBe('cancelled');
    expect(w.progress.instancesDone).toBe(0);
    for (const b of blockers) await q.cancel(b.id);
    for (const b of blockers) expect((await final(q, b.id)).state).toBe('cancelled');

    await q.retry(waiting.id);
    const again = await final(q, waiting.id);
    expect(again.state).toBe('succeeded');
    expect(again.report).toMatchObject({ summary: '2 steps' });
  });

  it('lists jobs newest first with state and kind filters, refuses to retry a job that did not fail', async () => {
    const j = await q.enqueue('test.steps', { steps: 1, stepMs: 1 }, { createdBy: 'bob' });
    await final(q, j.id);
    const all = await q.list();
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.map((x) => x.createdAt)).toEqual([...all.map((x) => x.createdAt)].sort().reverse());
    const failed = await q.list({ state: 'failed' });
    expect(failed.length).toBe(2);
    expect(failed.every((x) => x.state === 'failed')).toBe(true);
    expect((await q.list({ state: ['cancelled', 'failed'] })).length).toBe(5);
    expect((await q.list({ kind: 'nope' })).length).toBe(0);
    expect((await q.list({ createdBy: 'bob' })).map((x) => x.id)).toEqual([j.id]);
    expect((await q.list({ limit: 2 })).length).toBe(2);
    await expect(q.retry(j.id)).rejects.toThrow(/only failed or cancelled/);
    expect(await q.get('no-such-job')).toBeNull();
    await expect(q.enqueue('no.such.kind', {})).rejects.toThrow(/unknown job kind/);
  });
});

// kill -9 of the process running a job: the next queue on the same store resumes it from its checkpoint.
// One child per backend, run side by side (starting a child process is the slow part).
describe.concurrent('a job whose process was killed mid-way', () => {
  it.for<QueueBackend>(['sqlite', 'postgres', 'bullmq'])('is resumed from its checkpoint (%s)', async (backend, { expect }) => {
    const store = newStore(backend);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testkit/crashChild.ts')], {
        env: { ...process.env, HOICHAN_TEST_STORE: JSON.stringify(store) }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const id = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /PROGRESS (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const { queue: q, close } = await openQueue(store);
      try {
        expect((await q.get(id))!.state).toBe('running');
        // This queue (the restarted process) takes the job over once the dead one's lease has lapsed.
        await q.start();
        const done = await final(q, id);
        expect(done.state).toBe('succeeded');
        expect(done.report).toMatchObject({ summary: '8 steps' });
        expect((done.report as unknown as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(2);
        expect(done.attempts).toBeGreaterThanOrEqual(2);
      } finally {
        await close();
      }
    } finally {
      await dropStore(store);
    }
  });
});

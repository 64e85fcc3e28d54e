// Job kinds used by the job-queue test suite and its crash child (not registered by the gateway).
import { setTimeout as sleep } from 'node:timers/promises';
import { registerJobKind } from '../registry.js';
import { JobError, type JobReport } from '../types.js';

export interface StepsParams {
  steps: number;
  stepMs: number;
  /** At this step (1-based) attempts up to `failUntilAttempt` throw a transient error. */
  failAt?: number;
  failUntilAttempt?: number;
  /** At `failAt`, fail for good instead. */
  permanent?: boolean;
}

declare module '../types.js' {
  interface JobKindMap {
    'test.steps': { params: StepsParams; report: JobReport & { attempt: number; resumedFrom: number } };
  }
}

let registered = false;

/** `test.steps`: N steps of `stepMs` each with progress (100 bytes a step) and a checkpoint after each. */
export function registerTestKinds(): void {
  if (registered) return;
  registered = true;
  registerJobKind({
    kind: 'test.steps',
    parse: (p) => {
      const o = p as StepsParams;
      if (!Number.isInteger(o?.steps) || o.steps < 1) throw new JobError('steps must be a positive integer', false);
      return { steps: o.steps, stepMs: o.stepMs ?? 10, failAt: o.failAt, failUntilAttempt: o.failUntilAttempt, permanent: o.permanent };
    },
    maxAttempts: 3,
    backoffMs: 50,
    async run(ctx) {
      const p = ctx.params;
      const from = (ctx.resumeFrom as { step?: number } | null)?.step ?? 0;
      ctx.progress({ instancesTotal: p.steps, bytesTotal: p.steps * 100 });
      for (let i = from; i < p.steps; i++) {
        if (p.failAt === i + 1 && (p.permanent || ctx.attempt <= (p.failUntilAttempt ?? 0))) {
          const report = { summary: `broke at step ${i + 1}`, instances: { done: i, failed: 1, total: p.steps } };
          throw new JobError(p.permanent ? `step ${i + 1} is broken` : `step ${i + 1} flaked`, !p.permanent, report);
        }
        await sleep(p.stepMs, undefined, { signal: ctx.signal });
        ctx.progress({ instancesDone: i + 1, bytesDone: (i + 1) * 100 });
        await ctx.checkpoint({ step: i + 1 });
      }
      return { summary: `${p.steps} steps`, instances: { done: p.steps, failed: 0, total: p.steps }, bytes: p.steps * 100, attempt: ctx.attempt, resumedFrom: from };
    },
  });
}

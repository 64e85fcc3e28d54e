import { IdentityVault } from './identityVault.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Consult } from '@hoichan/worklist';
import { ManualClock } from '@hoichan/worklist/testing';
import { openIndex, type IndexDb } from '../archive/index/openIndex.js';
import { Accounts } from '../auth/Accounts.js';
import { loadDemo } from './demo.js';
import { Worklist } from './service.js';

// Issue 5 point 8: the demo's consults are dated around the load time (a new user sees upcoming sessions, the
// meeting on now, an emergency now), and a given clock gives the same data set every time.
const NOW = new Date('2031-06-10T08:00:00.000Z');
const H = 3600_000;
const iso = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('demo data set', () => {
  const opened: { index: IndexDb; dir: string }[] = [];
  afterAll(async () => {
    for (const o of opened) {
      await o.index.close();
      fs.rmSync(o.dir, { recursive: true, force: true });
    }
  });

  async function load(opts: { now?: Date; clock?: Date } = {}): Promise<Map<string, Consult>> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-demo-'));
    const index = await openIndex({ dataDir: dir, databaseUrl: null, schema: 'unused' });
    opened.push({ index, dir });
    const worklist = new Worklist(index, IdentityVault.open(dir), new ManualClock(opts.clock ?? NOW));
    const r = await loadDemo(worklist, new Accounts(index.db, 3600), opts.now ? { now: opts.now } : {});
    expect(r.loaded).toBe(true);
    const rows = await worklist.db.selectFrom('consults').select('id').execute();
    const out = new Map<string, Consult>();
    for (const { id } of rows) out.set(id, (await worklist.repo.load(id))!);
    return out;
  }

  it("places each consult's story so that it ends at the load time (the worklist's clock)", async () => {
    const c = await load();
    expect(c.size).toBe(17);
    const last = (x: Consult) => x.history.at(-1)?.at ?? x.createdBy.at;
    for (const [id, x] of c) {
      expect(last(x), id).toBe(NOW.toISOString());
      for (const h of x.history) expect(h.at <= NOW.toISOString(), `${id} ${h.command}`).toBe(true);
    }
    // Before the meeting: scheduled 3 days after the draft, so still ahead.
    expect(c.get('hc-scheduled')!.schedule?.start).toBe(iso(3 * 24 * H - 3 * H));
    expect(c.get('hc-connection_tested')!.schedule?.start).toBe(iso(24 * H - 3 * H));
    // The meeting is on now; the emergency is scheduled now; later states are in the recent past.
    expect(c.get('hc-in_session')!.schedule?.start).toBe(iso(0));
    expect(c.get('hc-emergency')!.schedule?.start).toBe(iso(0));
    expect(c.get('hc-closed')!.schedule!.start < NOW.toISOString()).toBe(true);
    expect(c.get('hc-submitted')!.submittedAt).toBe(iso(0));
    expect(c.get('hc-submitted')!.requestedTime).toBe(iso(3 * 24 * H));
  });

  it('is deterministic for an injected time, whatever the clock says', async () => {
    const a = await load({ now: NOW, clock: new Date('2040-01-01T00:00:00.000Z') });
    const b = await load({ now: NOW, clock: new Date('2041-01-01T00:00:00.000Z') });
    expect([...a.values()]).toEqual([...b.values()]);
    expect(a.get('hc-in_session')!.schedule?.start).toBe(NOW.toISOString());
  });
});

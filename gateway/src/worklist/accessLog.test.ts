import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openIndex } from '../archive/index/openIndex.js';
import { AccessLog } from './accessLog.js';
import { readAudit, verifyAuditLog } from './auditStore.js';
import { worklistDb } from './tables.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const entry = (objectId: string) => ({
  at: new Date().toISOString(), userId: 'ae:MODALITY', facilityId: '', role: 'dicom_peer', action: 'dimse.c-store',
  objectType: 'instance', objectId, outcome: 'ok' as const,
});

describe('AccessLog (G-2.11 image accesses)', () => {
  it('gathers entries into one chained batch, committed without its own fsync (synchronous FULL again afterwards)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-accesslog-'));
    dirs.push(dir);
    const index = await openIndex({ dataDir: dir, databaseUrl: null, schema: 'unused' });
    try {
      const sqlite = index.sqlite!;
      const db = worklistDb(index.db);
      const errors: string[] = [];
      const log = new AccessLog(db, index.dialect, (e) => errors.push(e.message), sqlite);
      // What `synchronous` was last set to when each audit row is inserted (a trigger calls back into JS).
      let current = 'FULL';
      const prepare = sqlite.prepare.bind(sqlite);
      (sqlite as unknown as { prepare: (q: string) => unknown }).prepare = (q: string) => {
        const st = prepare(q);
        const m = /PRAGMA synchronous = (\w+)/.exec(q);
        if (!m) return st;
        const run = st.run.bind(st);
        return Object.assign(st, { run: (...a: unknown[]) => ((current = m[1]!), run(...a)) });
      };
      const seen: string[] = [];
      const level = () => sqlite.pragma('synchronous', { simple: true }) as number;
      sqlite.function('probe_sync', () => {
        seen.push(current);
        return 1;
      });
      await db.schema.createTable('probe').ifNotExists().addColumn('x', 'integer').execute();
      sqlite.exec("CREATE TRIGGER probe_audit AFTER INSERT ON audit_log BEGIN INSERT INTO probe VALUES (probe_sync()); END");

      const done = [log.record(entry('1.1')), log.record(entry('1.2')), log.record(entry('1.3'))];
      // Recorded within the gathering window: one batch, one commit.
      expect(done[1]).toBe(done[0]);
      expect(done[2]).toBe(done[0]);
      await Promise.all(done);
      expect(errors).toEqual([]);
      const rows = await readAudit(db, {});
      expect(rows.map((r) => r.objectId)).toEqual(['1.1', '1.2', '1.3']);
      // Inserted under NORMAL; FULL (2) again for everybody else on the connection.
      expect(seen).toEqual(['NORMAL', 'NORMAL', 'NORMAL']);
      expect(level()).toBe(2);
      expect((await verifyAuditLog(db)).ok).toBe(true);

      // flush() commits what is queued, gathering or not.
      void log.record(entry('1.4'));
      await log.flush();
      expect((await readAudit(db, {})).map((r) => r.objectId)).toContain('1.4');
    } finally {
      await index.close();
    }
  });
});

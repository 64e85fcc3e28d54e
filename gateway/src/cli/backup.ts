import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import * as tar from 'tar';
import type { Config } from '../config/config.js';
import { openIndex, type IndexDb } from '../archive/index/openIndex.js';

/** What a backup holds, written first into the archive as manifest.json. */
export interface BackupManifest {
  readonly format: 'hoichan-backup/1';
  readonly createdAt: string;
  readonly dialect: 'sqlite' | 'postgres';
  readonly schemaVersion: number;
  /** index.sqlite (VACUUM INTO) or index.jsonl (one {"t","r"} line per row, from one REPEATABLE READ snapshot). */
  readonly indexFile: 'index.sqlite' | 'index.jsonl';
  readonly rows: Readonly<Record<string, number>>;
  /** The audit chain's head at the snapshot (G-2.11): restore verifies the chain ends exactly here. */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly blobs: number;
  readonly blobBytes: number;
  /** Other files of the data dir (keys, certificates, live records), relative paths. */
  readonly files: readonly string[];
}

/** Left out of the file copy: the index itself (snapshotted), blobs (copied by reference), in-flight state. */
const SKIP_TOP = new Set(['index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm', 'blobs', 'journal']);

function otherFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dataDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && SKIP_TOP.has(e.name)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  if (fs.existsSync(dataDir)) walk('');
  return out.sort();
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

/** PostgreSQL: every table of the schema, row by row, from one consistent snapshot (REPEATABLE READ, READ ONLY). */
async function dumpPostgres(index: IndexDb, out: string, PAGE: number): Promise<{ rows: Record<string, number>; blobKeys: string[]; auditHead: BackupManifest['auditHead']; schemaVersion: number }> {
  const fd = fs.openSync(out, 'w');
  try {
    return await index.db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx).catch(() => undefined);
      const tables = (await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(trx)).rows.map((r) => r.table_name);
      const rows: Record<string, number> = {};
      for (const t of tables) {
        rows[t] = 0;
        // Keyset paging on ctid (stable inside one snapshot; a TID range scan, so no OFFSET re-reading).
        for (let after = '(0,0)'; ;) {
          const page = (await sql<Record<string, unknown>>`SELECT ctid::text AS "__ctid", * FROM ${sql.raw(q(t))} WHERE ctid > ${after}::tid ORDER BY ctid LIMIT ${PAGE}`.execute(trx)).rows;
          if (page.length === 0) break;
          after = String(page[page.length - 1]!.__ctid);
          fs.writeSync(fd, page.map(({ __ctid: _c, ...r }) => JSON.stringify({ t, r })).join('\n') + '\n');
          rows[t] += page.length;
          if (page.length < PAGE) break;
        }
      }
      const blobKeys = (await sql<{ blob_key: string }>`SELECT blob_key FROM instances`.execute(trx)).rows.map((r) => r.blob_key);
      const head = tables.includes('audit_log') ? (await sql<{ seq: number; hash: string }>`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`.execute(trx)).rows[0] : undefined;
      const v = (await sql<{ value: string }>`SELECT value FROM meta WHERE key = 'schema_version'`.execute(trx)).rows[0];
      return { rows, blobKeys, auditHead: head ? { seq: Number(head.seq), hash: head.hash } : null, schemaVersion: Number(v?.value ?? 0) };
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** SQLite: VACUUM INTO makes a consistent, compact copy while the gateway keeps writing (WAL). */
async function dumpSqlite(index: IndexDb, out: string): Promise<{ rows: Record<string, number>; blobKeys: string[]; auditHead: BackupManifest['auditHead']; schemaVersion: number }> {
  await sql.raw(`VACUUM INTO '${out.replace(/'/g, "''")}'`).execute(index.db);
  const snap = new BetterSqlite3(out, { readonly: true });
  try {
    const tables = (snap.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    const rows = Object.fromEntries(tables.map((t) => [t, (snap.prepare(`SELECT COUNT(*) AS n FROM ${q(t)}`).get() as { n: number }).n]));
    const blobKeys = (snap.prepare('SELECT blob_key FROM instances').all() as { blob_key: string }[]).map((r) => r.blob_key);
    const head = tables.includes('audit_log') ? (snap.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) : undefined;
    const v = snap.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    return { rows, blobKeys, auditHead: head ? { seq: head.seq, hash: head.hash } : null, schemaVersion: Number(v?.value ?? 0) };
  } finally {
    snap.close();
  }
}

/**
 * G-2.14: `hoichan backup --out FILE`, online. The index is snapshotted first (consistent by itself); then the
 * blobs it references are added (immutable once written: a key carries the content hash), then the data dir's
 * other files (keys, certificates). Output: a tar with manifest.json first.
 */
export async function backup(config: Config, outFile: string, index?: IndexDb, opts: { pageRows?: number } = {}): Promise<BackupManifest> {
  const own = index === undefined;
  const db = index ?? (await openIndex({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.databaseSchema }));
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-backup-'));
  try {
    const indexFile = db.dialect === 'sqlite' ? 'index.sqlite' : 'index.jsonl';
    const dump = db.dialect === 'sqlite' ? await dumpSqlite(db, path.join(staging, indexFile)) : await dumpPostgres(db, path.join(staging, indexFile), opts.pageRows ?? 2000);
    const blobsDir = path.join(config.dataDir, 'blobs');
    let blobBytes = 0;
    const missing: string[] = [];
    const blobPaths = [...new Set(dump.blobKeys)].map((k) => {
      const p = path.join(blobsDir, k);
      try {
        blobBytes += fs.statSync(p).size;
      } catch {
        missing.push(k);
      }
      return `blobs/${k}`;
    });
    if (missing.length > 0) throw new Error(`backup: ${missing.length} blob(s) the index references are missing (e.g. ${missing[0]}); run it again`);
    const files = otherFiles(config.dataDir);
    const manifest: BackupManifest = {
      format: 'hoichan-backup/1', createdAt: new Date().toISOString(), dialect: db.dialect, schemaVersion: dump.schemaVersion, indexFile,
      rows: dump.rows, auditHead: dump.auditHead, blobs: blobPaths.length, blobBytes, files,
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const tmpOut = `${outFile}.partial-${crypto.randomBytes(3).toString('hex')}`;
    await tar.c({ file: tmpOut, cwd: staging, portable: true }, ['manifest.json', indexFile]);
    const rest = [...blobPaths, ...files];
    for (let i = 0; i < rest.length; i += 1000) await tar.r({ file: tmpOut, cwd: config.dataDir, portable: true }, rest.slice(i, i + 1000));
    fs.renameSync(tmpOut, outFile);
    return manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    if (own) await db.close();
  }
}

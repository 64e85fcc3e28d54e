import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { sql } from 'kysely';
import pg from 'pg';
import * as tar from 'tar';
import type { ChainVerdict } from '@hoichan/worklist';
import type { Config } from '../config/config.js';
import { openIndex, type IndexDb } from '../archive/index/openIndex.js';
import { verifyAuditLog } from '../worklist/auditStore.js';
import { worklistDb } from '../worklist/tables.js';
import type { BackupManifest } from './backup.js';

/** What a restore found: the manifest, the audit verdict against the recorded head, and the blobs checked. */
export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly audit: ChainVerdict;
  readonly instances: number;
  readonly blobsChecked: number;
  readonly blobProblems: readonly string[];
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

async function assertFreshPostgres(config: Config): Promise<void> {
  const client = new pg.Client({ connectionString: config.databaseUrl! });
  await client.connect();
  try {
    const r = await client.query(`SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [config.databaseSchema]);
    if ((r.rows[0] as { n: number }).n > 0) throw new Error(`restore: schema ${config.databaseSchema} is not empty; restore into a fresh schema (HOICHAN_DATABASE_SCHEMA)`);
  } finally {
    await client.end();
  }
}

/** Tables in an order where every table comes after the ones its foreign keys point to. */
async function insertOrder(index: IndexDb): Promise<string[]> {
  const tables = (await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(index.db)).rows.map((r) => r.table_name);
  const fks = (await sql<{ child: string; parent: string }>`SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`.execute(index.db)).rows;
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, stack: Set<string>) => {
    if (seen.has(t) || stack.has(t)) return;
    stack.add(t);
    for (const f of fks) if (f.child === t && f.parent !== t) visit(f.parent, stack);
    seen.add(t);
    order.push(t);
  };
  for (const t of tables.sort()) visit(t, new Set());
  return order;
}

/** Loads index.jsonl into a migrated, empty PostgreSQL schema, then moves identity sequences past the restored ids. */
async function loadPostgres(index: IndexDb, jsonl: string): Promise<void> {
  const order = await insertOrder(index);
  const columns = new Map<string, Set<string>>();
  for (const r of (await sql<{ table_name: string; column_name: string }>`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`.execute(index.db)).rows) {
    if (!columns.has(r.table_name)) columns.set(r.table_name, new Set());
    columns.get(r.table_name)!.add(r.column_name);
  }
  // Group rows per table (the dump is already grouped; a table's rows are contiguous).
  const byTable = new Map<string, Record<string, unknown>[]>();
  const rl = readline.createInterface({ input: fs.createReadStream(jsonl), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const { t, r } = JSON.parse(line) as { t: string; r: Record<string, unknown> };
    if (!byTable.has(t)) byTable.set(t, []);
    byTable.get(t)!.push(r);
  }
  await index.db.transaction().execute(async (trx) => {
    for (const t of order) {
      const rows = byTable.get(t);
      const cols = columns.get(t);
      if (!rows || !cols) continue;
      // meta's schema_version is the migrated one; the rest of meta comes back.
      const keep = t === 'meta' ? rows.filter((r) => r.key !== 'schema_version') : rows;
      for (let i = 0; i < keep.length; i += 500) {
        const batch = keep.slice(i, i + 500).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => cols.has(k))));
        if (batch.length === 0) continue;
        const names = Object.keys(batch[0]!);
        const values = batch.map((r) => sql`(${sql.join(names.map((n) => sql`${r[n] ?? null}`))})`);
        await sql`INSERT INTO ${sql.raw(q(t))} (${sql.raw(names.map(q).join(', '))}) OVERRIDING SYSTEM VALUE VALUES ${sql.join(values)}`.execute(trx);
      }
    }
    const ids = (await sql<{ table_name: string; column_name: string }>`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'`.execute(trx)).rows;
    for (const c of ids) {
      await sql.raw(`SELECT setval(pg_get_serial_sequence('${q(c.table_name)}', '${c.column_name}'), COALESCE((SELECT MAX(${q(c.column_name)}) FROM ${q(c.table_name)}), 0) + 1, false)`).execute(trx);
    }
  });
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * G-2.14: `hoichan restore FILE` into a fresh data dir (and, for PostgreSQL, a fresh schema): files back in
 * place, the index loaded and migrated, then checked — the audit chain must verify and end at the head recorded
 * in the backup, and every instance's blob must be there with its SHA-256.
 */
export async function restore(config: Config, file: string): Promise<RestoreReport> {
  if (fs.existsSync(config.dataDir) && fs.readdirSync(config.dataDir).length > 0) throw new Error(`restore: ${config.dataDir} is not empty; restore into a fresh data dir (HOICHAN_DATA_DIR or --data-dir)`);
  if (config.databaseUrl) await assertFreshPostgres(config);
  fs.mkdirSync(config.dataDir, { recursive: true });
  await tar.x({ file, cwd: config.dataDir });
  const manifestPath = path.join(config.dataDir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as BackupManifest;
  if (manifest.format !== 'hoichan-backup/1') throw new Error(`restore: unknown backup format ${String(manifest.format)}`);
  fs.rmSync(manifestPath);
  const jsonl = path.join(config.dataDir, 'index.jsonl');
  if (manifest.indexFile === 'index.sqlite' && config.databaseUrl) throw new Error('restore: this backup is of a SQLite index; unset HOICHAN_DATABASE_URL to restore it');
  const index = await openIndex({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.databaseSchema });
  try {
    if (manifest.indexFile === 'index.jsonl') {
      if (index.dialect !== 'postgres') throw new Error('restore: this backup is of a PostgreSQL index; set HOICHAN_DATABASE_URL to restore it');
      await loadPostgres(index, jsonl);
      fs.rmSync(jsonl);
    }
    const audit = await verifyAuditLog(worklistDb(index.db), manifest.auditHead ? { expectedHead: manifest.auditHead } : {});
    const rows = await index.db.selectFrom('instances').select(['blob_key', 'sha256', 'size']).execute();
    const blobProblems: string[] = [];
    for (const r of rows) {
      const p = path.join(config.dataDir, 'blobs', r.blob_key);
      if (!fs.existsSync(p)) blobProblems.push(`${r.blob_key}: missing`);
      else if (fs.statSync(p).size !== Number(r.size) || (await sha256File(p)) !== r.sha256) blobProblems.push(`${r.blob_key}: content differs`);
    }
    return { manifest, audit, instances: rows.length, blobsChecked: rows.length, blobProblems };
  } finally {
    await index.close();
  }
}

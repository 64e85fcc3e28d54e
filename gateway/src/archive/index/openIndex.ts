import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrate, type Dialect } from './migrations.js';

/** An opened, migrated index: the Kysely handle plus what engine is behind it. */
export interface IndexDb {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * The SQLite handle behind `db` (null on PostgreSQL), for the archive's prepared-statement insert path.
   * Use it only inside `db.connection().execute(…)`, which holds Kysely's lock on this single connection.
   */
  readonly sqlite?: BetterSqlite3.Database | null;
  close(): Promise<void>;
}

export interface IndexOptions {
  dataDir: string;
  databaseUrl: string | null;
  schema: string;
}

// int8 (COUNT, BIGINT ids, sizes) comes back as string by default; every value we keep fits in 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** Opens SQLite under dataDir (default) or PostgreSQL when a URL is given, and migrates it. */
export async function openIndex(opts: IndexOptions): Promise<IndexDb> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, options: `-c search_path=${opts.schema}` });
    const boot = await pool.connect();
    try {
      await boot.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
    } finally {
      boot.release();
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrate(db, 'postgres');
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = new BetterSqlite3(path.join(opts.dataDir, 'index.sqlite'));
  // WAL + FULL: a commit is on disk when it returns, so an acknowledged store survives a crash.
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = FULL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: file }) });
  await migrate(db, 'sqlite');
  return { db, dialect: 'sqlite', sqlite: file, close: () => db.destroy() };
}

/** Drops a PostgreSQL schema (tests use one schema per run). */
export async function dropPgSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export { sql };

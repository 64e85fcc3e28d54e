import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { build, type Gateway } from '../../gateway/src/app.js';
import { loadConfig, type Config } from '../../gateway/src/config/config.js';
import { dropPgSchema } from '../../gateway/src/archive/index/openIndex.js';

export const PG_URL = process.env.HOICHAN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ADMIN_PASSWORD = 'test-admin-password-1';

export type Backend = 'sqlite' | 'postgres';

export interface TestGateway {
  gw: Gateway;
  token: string;
  auth: { authorization: string };
  dataDir: string;
  close(): Promise<void>;
}

/** A gateway on a fresh data dir (and a fresh PostgreSQL schema for the postgres backend), logged in as admin. */
export async function startGateway(backend: Backend, overrides: Partial<Config> = {}): Promise<TestGateway> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-test-'));
  const schema = `t_${crypto.randomBytes(5).toString('hex')}`;
  const config = loadConfig({}, {
    dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent',
    databaseUrl: backend === 'postgres' ? PG_URL : null, databaseSchema: schema, dicomPort: null,
    // The disk reserve is tested on its own (diskFull.test.ts): the suite must not depend on this machine's free space.
    minFreeMb: 0, ...overrides,
  });
  const gw = await build(config);
  const res = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
  const token = (res.json() as { token: string }).token;
  return {
    gw, token, auth: { authorization: `Bearer ${token}` }, dataDir,
    async close() {
      await gw.close();
      if (backend === 'postgres') await dropPgSchema(PG_URL, schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const SHARED = process.env.HOICHAN_SHARED ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../shared');
export const FIXTURES = path.join(SHARED, 'fixtures/real');

export function fixtureFiles(): string[] {
  return fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.dcm')).sort();
}

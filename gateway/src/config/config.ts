import path from 'node:path';

/** The gateway's whole configuration, read once from HOICHAN_* variables (README has the table). */
export interface Config {
  readonly host: string;
  readonly httpPort: number;
  readonly dataDir: string;
  /** postgres://… to put the index on PostgreSQL; null keeps it in SQLite under dataDir. */
  readonly databaseUrl: string | null;
  /** PostgreSQL schema to use (lets tests and several gateways share one database). */
  readonly databaseSchema: string;
  /** Password for the first `admin` account; null prints a generated one once. */
  readonly adminPassword: string | null;
  /** A different body under a SOP Instance UID already stored: refuse (default) or overwrite. */
  readonly overwriteInstances: boolean;
  /** Bearer token lifetime. */
  readonly tokenTtlSeconds: number;
  /** Failed logins allowed per username+address in the window before 429. */
  readonly loginMaxFailures: number;
  readonly loginWindowSeconds: number;
  /** fsync each stored object and its directory (turn off only for throwaway benchmarks). */
  readonly fsync: boolean;
  /** Largest single STOW part accepted, bytes. */
  readonly maxInstanceBytes: number;
  readonly logLevel: string;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** Builds the frozen Config from the environment; throws with the variable's name on a bad value. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const cfg: Config = {
    host: env.HOICHAN_HOST || '0.0.0.0',
    httpPort: int(env, 'HOICHAN_HTTP_PORT', 8080),
    dataDir: path.resolve(env.HOICHAN_DATA_DIR || './data'),
    databaseUrl: env.HOICHAN_DATABASE_URL || null,
    databaseSchema: env.HOICHAN_DATABASE_SCHEMA || 'hoichan',
    adminPassword: env.HOICHAN_ADMIN_PASSWORD || null,
    overwriteInstances: bool(env, 'HOICHAN_OVERWRITE_INSTANCES', false),
    tokenTtlSeconds: int(env, 'HOICHAN_TOKEN_TTL_SECONDS', 12 * 3600),
    loginMaxFailures: int(env, 'HOICHAN_LOGIN_MAX_FAILURES', 5),
    loginWindowSeconds: int(env, 'HOICHAN_LOGIN_WINDOW_SECONDS', 15 * 60),
    fsync: bool(env, 'HOICHAN_FSYNC', true),
    maxInstanceBytes: int(env, 'HOICHAN_MAX_INSTANCE_BYTES', 4 * 1024 * 1024 * 1024),
    logLevel: env.HOICHAN_LOG_LEVEL || 'info',
    ...overrides,
  };
  if (cfg.databaseUrl && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw new Error('HOICHAN_DATABASE_URL must start with postgres://');
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(cfg.databaseSchema)) throw new Error('HOICHAN_DATABASE_SCHEMA must be a plain identifier');
  return Object.freeze(cfg);
}

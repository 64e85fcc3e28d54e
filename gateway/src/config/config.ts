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
  /** Write received bodies with O_DIRECT where the filesystem allows it (archive/blob/directWrite.ts). */
  readonly directIo: boolean;
  /** Empty files made while idle, up to the largest burst of instances seen (archive/blob/FsBlobStore.ts). */
  readonly spareFiles: number;
  /** Largest single STOW part accepted, bytes. */
  readonly maxInstanceBytes: number;
  /** Free space kept in reserve on the data volume, MB: below it new objects are refused (0 = off). */
  readonly minFreeMb: number;
  readonly logLevel: string;
  /** DICOM (DIMSE) listener port; null = no listener (tests). 0 picks a free port. */
  readonly dicomPort: number | null;
  /** Our AE title: the called AE title associations must use. */
  readonly aeTitle: string;
  readonly dicomMaxAssociations: number;
  /** Largest PDU we receive (announced to peers). */
  readonly dicomMaxPdu: number;
  /** An association idle this long is aborted. */
  readonly dicomIdleSeconds: number;
  /** C-STORE durability: fsync + index per instance, or group commit across associations. */
  readonly dimseDurability: 'instance' | 'batch';
  /** Accept associations from calling AE titles that are not registered peers (admins can switch it at run time). */
  readonly dicomAcceptAny: boolean;
  /** JSON array of peers upserted at start. */
  readonly dicomPeersFile: string | null;
  /** Optional DICOM TLS listener: port plus PEM certificate/key (and CA to require client certificates). */
  readonly dicomTlsPort: number | null;
  readonly dicomTlsCert: string | null;
  readonly dicomTlsKey: string | null;
  readonly dicomTlsCa: string | null;
  /** Jobs on bullmq when set (REDIS_URL or HOICHAN_REDIS_URL); else the embedded queue in the index. */
  readonly redisUrl: string | null;
  /** Redis key prefix of the job queue (several gateways or test runs can share one Redis). */
  readonly redisPrefix: string;
  /** Jobs this process runs at once. */
  readonly jobsConcurrency: number;
  /** A running job whose process stopped renewing its lease this long ago is resumed by another. */
  readonly jobsLeaseSeconds: number;
  /** How long an SCU waits for a peer (connect, association, each response). */
  readonly scuTimeoutSeconds: number;
  /** HTTP listener security (gateway/src/tls): `auto` = HTTPS unless bound to loopback only (cameras need a secure context). */
  readonly https: 'auto' | 'on' | 'off';
  /** PEM certificate/key files for HTTPS; unset = self-signed, made on first start in `<dataDir>/tls`. */
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  /** Extra origins the viewer may fetch from (CSP connect-src), space-separated: another DICOMweb server it is pointed at. */
  readonly viewerConnectSrc: string;
  /** Live consult (gateway/src/live): JSON RTCIceServer[] handed to browsers (none needed on one LAN). */
  readonly liveIceServers: string;
  /** Endpoints allowed in one live room (peer-to-peer mesh). */
  readonly liveMaxEndpoints: number;
  /** Connection-test WebRTC probes to the gateway (gateway/src/live/ProbePeers.ts): open at once, idle timeout. */
  readonly liveMaxProbes: number;
  readonly liveProbeIdleSeconds: number;
  /** UDP port range `min-max` of the gateway's probe candidates (firewalls), or null for any port. */
  readonly liveProbePorts: string | null;
  /** UDP port of the gateway's STUN binding responder (browsers learn server-reflexive candidates), or null. */
  readonly liveStunPort: number | null;
}

type Env = Record<string, string | undefined>;

/** `40000-40099` → [40000, 40099]; null when malformed. */
export function parsePortRange(raw: string): [number, number] | null {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw.trim());
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : null;
}

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
    directIo: bool(env, 'HOICHAN_DIRECT_IO', true),
    spareFiles: int(env, 'HOICHAN_SPARE_FILES', 512),
    maxInstanceBytes: int(env, 'HOICHAN_MAX_INSTANCE_BYTES', 4 * 1024 * 1024 * 1024),
    minFreeMb: int(env, 'HOICHAN_MIN_FREE_MB', 512),
    logLevel: env.HOICHAN_LOG_LEVEL || 'info',
    dicomPort: /^(off|none|false)$/i.test(env.HOICHAN_DICOM_PORT ?? '') ? null : int(env, 'HOICHAN_DICOM_PORT', 11112),
    aeTitle: (env.HOICHAN_AE_TITLE || 'HOICHAN').trim(),
    dicomMaxAssociations: int(env, 'HOICHAN_DICOM_MAX_ASSOCIATIONS', 16),
    dicomMaxPdu: int(env, 'HOICHAN_DICOM_MAX_PDU', 16384),
    dicomIdleSeconds: int(env, 'HOICHAN_DICOM_IDLE_SECONDS', 60),
    dimseDurability: (env.HOICHAN_DIMSE_DURABILITY || 'instance') as Config['dimseDurability'],
    dicomAcceptAny: bool(env, 'HOICHAN_DICOM_ACCEPT_ANY', false),
    dicomPeersFile: env.HOICHAN_DICOM_PEERS_FILE || null,
    dicomTlsPort: env.HOICHAN_DICOM_TLS_PORT ? int(env, 'HOICHAN_DICOM_TLS_PORT', 0) : null,
    dicomTlsCert: env.HOICHAN_DICOM_TLS_CERT || null,
    dicomTlsKey: env.HOICHAN_DICOM_TLS_KEY || null,
    dicomTlsCa: env.HOICHAN_DICOM_TLS_CA || null,
    redisUrl: env.HOICHAN_REDIS_URL || env.REDIS_URL || null,
    redisPrefix: env.HOICHAN_REDIS_PREFIX || 'hoichan',
    jobsConcurrency: int(env, 'HOICHAN_JOBS_CONCURRENCY', 2),
    jobsLeaseSeconds: int(env, 'HOICHAN_JOBS_LEASE_SECONDS', 30),
    scuTimeoutSeconds: int(env, 'HOICHAN_SCU_TIMEOUT_SECONDS', 30),
    https: (env.HOICHAN_HTTPS || 'auto') as Config['https'],
    tlsCert: env.HOICHAN_TLS_CERT || null,
    tlsKey: env.HOICHAN_TLS_KEY || null,
    viewerConnectSrc: env.HOICHAN_VIEWER_CONNECT_SRC || '',
    liveIceServers: env.HOICHAN_LIVE_ICE_SERVERS || '[]',
    liveMaxEndpoints: int(env, 'HOICHAN_LIVE_MAX_ENDPOINTS', 8),
    liveMaxProbes: int(env, 'HOICHAN_LIVE_MAX_PROBES', 4),
    liveProbeIdleSeconds: int(env, 'HOICHAN_LIVE_PROBE_IDLE_SECONDS', 60),
    liveProbePorts: env.HOICHAN_LIVE_PROBE_PORTS || null,
    liveStunPort: env.HOICHAN_LIVE_STUN_PORT ? int(env, 'HOICHAN_LIVE_STUN_PORT', 3478) : null,
    ...overrides,
  };
  if (cfg.databaseUrl && !/^postgres(ql)?:\/\//.test(cfg.databaseUrl)) {
    throw new Error('HOICHAN_DATABASE_URL must start with postgres://');
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(cfg.databaseSchema)) throw new Error('HOICHAN_DATABASE_SCHEMA must be a plain identifier');
  if (cfg.dimseDurability !== 'instance' && cfg.dimseDurability !== 'batch') throw new Error('HOICHAN_DIMSE_DURABILITY must be instance or batch');
  if (!cfg.aeTitle || cfg.aeTitle.length > 16 || /[\\\x00-\x1f]/.test(cfg.aeTitle)) throw new Error('HOICHAN_AE_TITLE must be 1-16 characters without backslash');
  if (cfg.dicomMaxPdu !== 0 && (cfg.dicomMaxPdu < 4096 || cfg.dicomMaxPdu > 0x7fffffff)) throw new Error('HOICHAN_DICOM_MAX_PDU must be 0 (no limit) or at least 4096');
  if (cfg.dicomMaxAssociations < 1) throw new Error('HOICHAN_DICOM_MAX_ASSOCIATIONS must be at least 1');
  if (cfg.dicomTlsPort !== null && (!cfg.dicomTlsCert || !cfg.dicomTlsKey)) throw new Error('HOICHAN_DICOM_TLS_PORT needs HOICHAN_DICOM_TLS_CERT and HOICHAN_DICOM_TLS_KEY');
  if (cfg.redisUrl && !/^rediss?:\/\//.test(cfg.redisUrl)) throw new Error('REDIS_URL must start with redis:// or rediss://');
  if (cfg.jobsConcurrency < 1) throw new Error('HOICHAN_JOBS_CONCURRENCY must be at least 1');
  if (!['auto', 'on', 'off'].includes(cfg.https)) throw new Error('HOICHAN_HTTPS must be auto, on or off');
  if (!!cfg.tlsCert !== !!cfg.tlsKey) throw new Error('HOICHAN_TLS_CERT and HOICHAN_TLS_KEY go together');
  try {
    if (!Array.isArray(JSON.parse(cfg.liveIceServers))) throw new Error('not an array');
  } catch { throw new Error('HOICHAN_LIVE_ICE_SERVERS must be a JSON array of RTCIceServer objects'); }
  if (cfg.liveMaxEndpoints < 2) throw new Error('HOICHAN_LIVE_MAX_ENDPOINTS must be at least 2');
  if (cfg.liveMaxProbes < 0 || cfg.liveProbeIdleSeconds < 1) throw new Error('HOICHAN_LIVE_MAX_PROBES must be ≥ 0 and HOICHAN_LIVE_PROBE_IDLE_SECONDS ≥ 1');
  if (cfg.liveProbePorts !== null && !parsePortRange(cfg.liveProbePorts)) throw new Error('HOICHAN_LIVE_PROBE_PORTS must be min-max (UDP ports, min ≤ max)');
  return Object.freeze(cfg);
}

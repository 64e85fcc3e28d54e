import fs from 'node:fs';
import type { Generated, Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import { HoiError } from '../errors.js';

/** A remote AE we know, with what it may do. */
export interface Peer {
  aeTitle: string;
  host: string;
  port: number;
  /** May send us instances (C-STORE). */
  mayStore: boolean;
  /** May query and retrieve (C-FIND, C-MOVE, C-GET). */
  mayQuery: boolean;
  /** May be named as a C-MOVE destination. */
  mayMoveTo: boolean;
  description: string | null;
}

/** Row shape of the `peers` table (migration 2). Booleans are 0/1 integers on both engines. */
export interface PeerTable {
  pk: Generated<number>;
  ae_title: string;
  host: string;
  port: number;
  may_store: number;
  may_query: number;
  may_move_to: number;
  description: string | null;
  created_at: string;
  updated_at: string;
}

type Db = Kysely<Database & { peers: PeerTable }>;

const ACCEPT_ANY_KEY = 'dicom_accept_any';

/** AE titles: 1–16 characters of the default repertoire, no backslash or control characters (PS3.5 6.2). */
export function checkAeTitle(ae: unknown): string {
  const s = typeof ae === 'string' ? ae.trim() : '';
  if (!s || s.length > 16 || /[\\\x00-\x1f\x7f-\uffff]/.test(s)) throw new HoiError('HOI_ERR_BAD_REQUEST', `"${String(ae)}" is not an AE title (1-16 printable ASCII characters, no backslash)`);
  return s;
}

/** Validates a peer from JSON (API body or peers file). Missing permissions default to store only. */
export function peerFromJson(body: unknown, aeFromUrl?: string): Peer {
  if (!body || typeof body !== 'object') throw new HoiError('HOI_ERR_BAD_REQUEST', 'a peer is a JSON object {"aeTitle","host","port",...}');
  const b = body as Record<string, unknown>;
  const aeTitle = checkAeTitle(b.aeTitle ?? aeFromUrl);
  if (aeFromUrl !== undefined && aeTitle !== aeFromUrl) throw new HoiError('HOI_ERR_BAD_REQUEST', `aeTitle ${aeTitle} does not match the URL (${aeFromUrl})`);
  const host = typeof b.host === 'string' ? b.host.trim() : '';
  if (!host || host.length > 255 || /\s/.test(host)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'host must be a host name or address');
  const port = Number(b.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new HoiError('HOI_ERR_BAD_REQUEST', 'port must be 1-65535');
  const flag = (k: string, dflt: boolean): boolean => {
    if (b[k] === undefined) return dflt;
    if (typeof b[k] !== 'boolean') throw new HoiError('HOI_ERR_BAD_REQUEST', `${k} must be true or false`);
    return b[k] as boolean;
  };
  const description = typeof b.description === 'string' ? b.description.slice(0, 500) : null;
  return { aeTitle, host, port, mayStore: flag('mayStore', true), mayQuery: flag('mayQuery', false), mayMoveTo: flag('mayMoveTo', false), description };
}

const now = (): string => new Date().toISOString();

/**
 * Registered peers, cached in memory (an association checks its calling AE without a query), and the
 * accept-any switch (kept in the `meta` table so an admin's choice survives restarts).
 */
export class PeerRegistry {
  private readonly db: Db;
  private cache = new Map<string, Peer>();
  private acceptAnyValue: boolean;

  constructor(db: Kysely<Database>, acceptAnyDefault: boolean) {
    this.db = db.withTables<{ peers: PeerTable }>();
    this.acceptAnyValue = acceptAnyDefault;
  }

  async load(): Promise<void> {
    const rows = await this.db.selectFrom('peers').selectAll().execute();
    this.cache = new Map(rows.map((r) => [r.ae_title, toPeer(r)]));
    const s = await this.db.selectFrom('meta').select('value').where('key', '=', ACCEPT_ANY_KEY).executeTakeFirst();
    if (s) this.acceptAnyValue = s.value === 'true';
  }

  /** Upserts every peer of a JSON file (an array of peer objects). */
  async loadFile(file: string): Promise<number> {
    const list = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of peers`);
    const peers = list.map((p, i) => {
      try {
        return peerFromJson(p);
      } catch (err) {
        throw new Error(`${file}: peer ${i}: ${(err as Error).message}`);
      }
    });
    for (const p of peers) await this.upsert(p);
    return peers.length;
  }

  get(aeTitle: string): Peer | undefined {
    return this.cache.get(aeTitle);
  }

  list(): Peer[] {
    return [...this.cache.values()].sort((a, b) => a.aeTitle.localeCompare(b.aeTitle));
  }

  get acceptAny(): boolean {
    return this.acceptAnyValue;
  }

  async setAcceptAny(v: boolean): Promise<void> {
    await this.db.insertInto('meta').values({ key: ACCEPT_ANY_KEY, value: String(v) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(v) })).execute();
    this.acceptAnyValue = v;
  }

  async upsert(p: Peer): Promise<{ peer: Peer; created: boolean }> {
    const t = now();
    const cols = { host: p.host, port: p.port, may_store: +p.mayStore, may_query: +p.mayQuery, may_move_to: +p.mayMoveTo, description: p.description, updated_at: t };
    const existed = this.cache.has(p.aeTitle) || !!(await this.db.selectFrom('peers').select('pk').where('ae_title', '=', p.aeTitle).executeTakeFirst());
    await this.db.insertInto('peers').values({ ae_title: p.aeTitle, ...cols, created_at: t })
      .onConflict((oc) => oc.column('ae_title').doUpdateSet(cols)).execute();
    this.cache.set(p.aeTitle, p);
    return { peer: p, created: !existed };
  }

  async remove(aeTitle: string): Promise<boolean> {
    const r = await this.db.deleteFrom('peers').where('ae_title', '=', aeTitle).executeTakeFirst();
    this.cache.delete(aeTitle);
    return Number(r.numDeletedRows) > 0;
  }
}

function toPeer(r: { ae_title: string; host: string; port: number; may_store: number; may_query: number; may_move_to: number; description: string | null }): Peer {
  return { aeTitle: r.ae_title, host: r.host, port: Number(r.port), mayStore: !!r.may_store, mayQuery: !!r.may_query, mayMoveTo: !!r.may_move_to, description: r.description };
}

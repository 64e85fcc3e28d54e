import type { Generated, Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import { HoiError } from '../errors.js';
import { SecretBox } from '../auth/secretBox.js';

/** How we authenticate to a DICOMweb peer. */
export type WebAuth = { type: 'none' } | { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string };

/** A remote DICOMweb service (another Hoichan, a PACS, Orthanc's plugin): QIDO/WADO-RS/STOW-RS under baseUrl. */
export interface WebPeer {
  name: string;
  /** Service root, e.g. https://pacs.example/dicom-web (no trailing slash). */
  baseUrl: string;
  auth: WebAuth;
  description: string | null;
}

/** Row of `web_peers` (migration 3). `auth` is the JSON of WebAuth, sealed by the registry's SecretBox (older rows: clear JSON). */
export interface WebPeerTable {
  pk: Generated<number>;
  name: string;
  base_url: string;
  auth: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

type Db = Kysely<Database & { web_peers: WebPeerTable }>;

/** A peer as the API shows it: secrets are never returned. */
export function publicWebPeer(p: WebPeer): Record<string, unknown> {
  return { kind: 'dicomweb', name: p.name, baseUrl: p.baseUrl, auth: p.auth.type === 'basic' ? { type: 'basic', username: p.auth.username } : { type: p.auth.type }, description: p.description };
}

export function checkPeerName(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(s)) throw new HoiError('HOI_ERR_BAD_REQUEST', `"${String(v)}" is not a peer name (1-64 letters, digits, . _ -)`);
  return s;
}

/** Validates a DICOMweb peer from JSON. */
export function webPeerFromJson(body: unknown, nameFromUrl?: string): WebPeer {
  if (!body || typeof body !== 'object') throw new HoiError('HOI_ERR_BAD_REQUEST', 'a DICOMweb peer is a JSON object {"name","baseUrl","auth"}');
  const b = body as Record<string, unknown>;
  const name = checkPeerName(b.name ?? nameFromUrl);
  if (nameFromUrl !== undefined && name !== nameFromUrl) throw new HoiError('HOI_ERR_BAD_REQUEST', `name ${name} does not match the URL (${nameFromUrl})`);
  let url: URL;
  try {
    url = new URL(String(b.baseUrl ?? ''));
  } catch {
    throw new HoiError('HOI_ERR_BAD_REQUEST', 'baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HoiError('HOI_ERR_BAD_REQUEST', 'baseUrl must be http or https');
  if (url.username || url.password) throw new HoiError('HOI_ERR_BAD_REQUEST', 'put credentials in "auth", not in baseUrl');
  const a = (b.auth ?? { type: 'none' }) as Record<string, unknown>;
  let auth: WebAuth;
  if (a.type === 'none') auth = { type: 'none' };
  else if (a.type === 'bearer' && typeof a.token === 'string' && a.token) auth = { type: 'bearer', token: a.token };
  else if (a.type === 'basic' && typeof a.username === 'string' && a.username && typeof a.password === 'string') auth = { type: 'basic', username: a.username, password: a.password };
  else throw new HoiError('HOI_ERR_BAD_REQUEST', 'auth must be {"type":"none"}, {"type":"bearer","token"} or {"type":"basic","username","password"}');
  const description = typeof b.description === 'string' ? b.description.slice(0, 500) : null;
  return { name, baseUrl: url.toString().replace(/\/+$/, ''), auth, description };
}

/**
 * DICOMweb peers, in the index (`web_peers`). A peer's token or password is sealed at rest with the data dir's
 * `peers` key (the peer's name as additional data), so a database dump does not hand out access to the PACS.
 */
export class WebPeerRegistry {
  private readonly db: Db;
  constructor(db: Kysely<Database>, private readonly box: SecretBox) {
    this.db = db.withTables<{ web_peers: WebPeerTable }>();
  }

  /** Seals rows written in clear by an older version; returns how many. Called at start. */
  async sealLegacyRows(): Promise<number> {
    const rows = await this.db.selectFrom('web_peers').select(['name', 'auth']).execute();
    let n = 0;
    for (const r of rows) {
      if (SecretBox.isSealed(r.auth)) continue;
      await this.db.updateTable('web_peers').set({ auth: this.box.seal(authContext(r.name), r.auth) }).where('name', '=', r.name).execute();
      n++;
    }
    return n;
  }

  async get(name: string): Promise<WebPeer | null> {
    const r = await this.db.selectFrom('web_peers').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? this.toPeer(r) : null;
  }

  async list(): Promise<WebPeer[]> {
    return (await this.db.selectFrom('web_peers').selectAll().orderBy('name').execute()).map((r) => this.toPeer(r));
  }

  async upsert(p: WebPeer): Promise<{ peer: WebPeer; created: boolean }> {
    const t = new Date().toISOString();
    const existed = !!(await this.get(p.name));
    const cols = { base_url: p.baseUrl, auth: this.box.seal(authContext(p.name), JSON.stringify(p.auth)), description: p.description, updated_at: t };
    await this.db.insertInto('web_peers').values({ name: p.name, ...cols, created_at: t })
      .onConflict((oc) => oc.column('name').doUpdateSet(cols)).execute();
    return { peer: p, created: !existed };
  }

  async remove(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('web_peers').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private toPeer(r: { name: string; base_url: string; auth: string; description: string | null }): WebPeer {
    const json = SecretBox.isSealed(r.auth) ? this.box.unseal(authContext(r.name), r.auth) : r.auth;
    return { name: r.name, baseUrl: r.base_url, auth: JSON.parse(json) as WebAuth, description: r.description };
  }
}

const authContext = (name: string) => `web-peer ${name}`;

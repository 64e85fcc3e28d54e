// Shared set-up of the worklist suites (worklist*.test.ts): a gateway with the demo data set, a third facility
// for cross-facility attempts, and logins per user.
import { loadDemo } from '../../gateway/src/worklist/demo.js';
import type { Config } from '../../gateway/src/config/config.js';
import { startGateway, type Backend, type TestGateway } from '../helpers/gateway.js';

export const DEMO_PASSWORD = 'hoichan-demo-2025';
export const OTHER = { id: 'bv-tinh-bac-ninh', name: 'Bệnh viện tỉnh Bắc Ninh', canRequest: true, canConsult: true };
/** One user per role at the third facility (neither side of the demo consults). */
export const OTHER_USERS = [
  ['x.doctor', 'requesting_doctor'], ['x.coord', 'requesting_coordinator'], ['x.office', 'consulting_coordinator'],
  ['x.expert', 'consultant_expert'], ['x.it', 'it_technician'], ['x.director', 'facility_director'],
] as const;

export interface WorklistGateway extends TestGateway {
  login(username: string): Promise<Record<string, string>>;
  req(username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Record<string, unknown>; body: Buffer }>;
}

export async function startWorklistGateway(backend: Backend, overrides: Partial<Config> = {}): Promise<WorklistGateway> {
  // Plain HTTP: these suites use inject(); a self-signed certificate per gateway would only cost start-up time.
  const t = await startGateway(backend, { https: 'off', ...overrides });
  await loadDemo(t.gw.worklist, t.gw.accounts);
  const admin = t.auth;
  const post = (url: string, payload: object) => t.gw.app.inject({ method: 'POST', url, headers: admin, payload });
  if ((await post('/api/facilities', OTHER)).statusCode !== 201) throw new Error('could not create the third facility');
  // The first through the admin endpoint; the rest share its password hash (one KDF instead of six).
  const [[first, firstRole], ...rest] = OTHER_USERS;
  const r = await post(`/api/facilities/${OTHER.id}/users`, { username: first, password: DEMO_PASSWORD, roles: [firstRole], displayName: first });
  if (r.statusCode !== 201) throw new Error(`could not create ${first}: ${r.body}`);
  const wdb = t.gw.worklist.db;
  const { password_hash } = await wdb.selectFrom('users').select('password_hash').where('username', '=', first).executeTakeFirstOrThrow();
  for (const [username, role] of rest) {
    await wdb.insertInto('users').values({ username, password_hash, roles: JSON.stringify([role]), display_name: username, disabled: 0, created_at: new Date().toISOString(), facility_id: OTHER.id }).execute();
  }
  const tokens = new Map<string, Record<string, string>>([['admin', admin]]);
  const login = async (username: string) => {
    const hit = tokens.get(username);
    if (hit) return hit;
    // Tokens straight from Accounts (login over HTTP is covered elsewhere; a KDF per user would dominate the run).
    const row = await t.gw.index.db.selectFrom('users').select(['id', 'roles', 'display_name']).where('username', '=', username).executeTakeFirstOrThrow();
    const { token } = await t.gw.accounts.issueToken({ id: row.id, username, roles: JSON.parse(row.roles) as string[], displayName: row.display_name });
    const h = { authorization: `Bearer ${token}` };
    tokens.set(username, h);
    return h;
  };
  const req: WorklistGateway['req'] = async (username, method, url, payload, headers = {}) => {
    const r = await t.gw.app.inject({ method, url, headers: { ...(await login(username)), ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const isJson = String(r.headers['content-type'] ?? '').includes('json');
    return { status: r.statusCode, json: isJson && r.body ? JSON.parse(r.body) : null, headers: r.headers, body: r.rawPayload };
  };
  return { ...t, login, req };
}

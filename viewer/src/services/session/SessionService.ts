import type { Session, ViewerConfig } from '../../types';
import { Emitter } from '../Emitter';
import { SESSION_EVENTS, type SessionEventMap } from './events';

const STORAGE_KEY = 'hoichan.session';

/** Why a login failed, for the login screen's message. */
export class LoginError extends Error {
  constructor(readonly kind: 'credentials' | 'rateLimited' | 'server', readonly status: number, readonly retryAfter: number | null = null) {
    super(`login failed: ${kind} (${status})`);
  }
}

/**
 * Holds who is logged in. The token lives in sessionStorage (gone when the browser tab closes: hospital PCs
 * are shared) and goes to the gateway as `Authorization: Bearer`. With `auth: 'none'` nobody logs in.
 */
export class SessionService extends Emitter<SessionEventMap> {
  private session: Session | null = null;

  constructor(private readonly config: Pick<ViewerConfig, 'apiRoot' | 'auth'>) {
    super(SESSION_EVENTS);
    try {
      const raw = sessionStorage.getItem(STORAGE_KEY);
      if (raw) this.session = JSON.parse(raw) as Session;
    } catch { /* storage disabled or corrupt */ }
    if (this.session?.expiresAt && Date.parse(this.session.expiresAt) < Date.now()) this.clear();
  }

  /** True when requests may be sent: logged in, or no login needed. */
  get ready(): boolean {
    return this.config.auth === 'none' || !!this.session;
  }

  /** The current session, or null. */
  get current(): Session | null {
    return this.session;
  }

  /** Roles of the user (none when no login is used). */
  get roles(): string[] {
    return this.session?.user.roles ?? [];
  }

  /** POST {apiRoot}/auth/login; stores and returns the session, or throws {@link LoginError}. */
  async login(username: string, password: string, signal?: AbortSignal): Promise<Session> {
    const res = await fetch(`${this.config.apiRoot}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }), signal,
    });
    if (res.status === 401 || res.status === 400) throw new LoginError('credentials', res.status);
    if (res.status === 429) throw new LoginError('rateLimited', 429, Number(res.headers.get('retry-after')) || null);
    if (!res.ok) throw new LoginError('server', res.status);
    const body = (await res.json()) as { token: string; expiresAt?: string; user: Session['user'] };
    this.session = { token: body.token, expiresAt: body.expiresAt ?? null, user: body.user };
    try { sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.session)); } catch { /* storage disabled */ }
    this.emit(SESSION_EVENTS.LOGGED_IN, { username: body.user.username });
    return this.session;
  }

  /** Forgets the session (logout, or the server said 401). */
  clear(reason: 'logout' | 'expired' = 'logout'): void {
    const had = !!this.session;
    this.session = null;
    try { sessionStorage.removeItem(STORAGE_KEY); } catch { /* storage disabled */ }
    if (had) this.emit(SESSION_EVENTS.LOGGED_OUT, { reason });
  }

  /** Headers that authenticate a request to the DICOMweb source. */
  authHeaders(): Record<string, string> {
    if (this.config.auth === 'none' || !this.session) return {};
    return { Authorization: `Bearer ${this.session.token}` };
  }

  /**
   * Whether this user may see identifying data (name, patient ID). Consultants never do (G-2.3); without
   * a login (open archive on loopback, benchmarks) identity stays hidden too.
   */
  canSeeIdentity(): boolean {
    return this.roles.some((r) => r === 'admin' || r === 'requesting_doctor' || r === 'requesting_coordinator');
  }
}

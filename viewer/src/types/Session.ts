/** The logged-in user, as returned by POST /api/auth/login. */
export interface Session {
  token: string;
  expiresAt: string | null;
  user: { username: string; roles: string[]; displayName?: string | null };
}

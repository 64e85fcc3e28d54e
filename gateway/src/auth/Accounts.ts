import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';

/** Roles known to the gateway; the worklist adds the consult roles. */
export const ROLES = ['admin'] as const;
export type Role = (typeof ROLES)[number] | string;

export interface User {
  id: number;
  username: string;
  roles: Role[];
  displayName: string | null;
}

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** Users, password checks and bearer tokens (stored only as SHA-256, so a stolen index holds no live token). */
export class Accounts {
  /** Successful Basic credentials, cached briefly so DICOMweb tools don't pay a KDF per request. */
  private basicCache = new Map<string, { user: User; until: number }>();

  constructor(private readonly db: Kysely<Database>, private readonly tokenTtlSeconds: number) {}

  /** Creates `admin` on first start; returns the generated password when none was configured (print it once). */
  async ensureAdmin(configured: string | null): Promise<{ created: boolean; generatedPassword: string | null }> {
    const any = await this.db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirst();
    if (any) return { created: false, generatedPassword: null };
    const pw = configured ?? generatePassword();
    await this.createUser('admin', pw, ['admin'], 'Administrator');
    return { created: true, generatedPassword: configured ? null : pw };
  }

  async createUser(username: string, password: string, roles: Role[], displayName: string | null = null): Promise<User> {
    const row = await this.db.insertInto('users').values({
      username, password_hash: await hashPassword(password), roles: JSON.stringify(roles), display_name: displayName, disabled: 0, created_at: new Date().toISOString(),
    }).returning(['id']).executeTakeFirstOrThrow();
    return { id: row.id, username, roles, displayName };
  }

  /** The user when the password matches an enabled account, else null (same cost either way). */
  async check(username: string, password: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    // Verify against a dummy hash for unknown users, so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || row.disabled) return null;
    return { id: row.id, username: row.username, roles: JSON.parse(row.roles) as Role[], displayName: row.display_name };
  }

  async issueToken(user: User): Promise<{ token: string; expiresAt: number }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = Math.floor(Date.now() / 1000) + this.tokenTtlSeconds;
    await this.db.insertInto('tokens').values({ token_hash: sha256(token), user_id: user.id, expires_at: expiresAt, created_at: new Date().toISOString() }).execute();
    return { token, expiresAt };
  }

  async revokeToken(token: string): Promise<void> {
    await this.db.deleteFrom('tokens').where('token_hash', '=', sha256(token)).execute();
  }

  async userForToken(token: string): Promise<User | null> {
    const row = await this.db.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['users.id', 'users.username', 'users.roles', 'users.display_name', 'users.disabled', 'tokens.expires_at'])
      .where('tokens.token_hash', '=', sha256(token)).executeTakeFirst();
    if (!row || row.disabled || row.expires_at < Date.now() / 1000) return null;
    return { id: row.id, username: row.username, roles: JSON.parse(row.roles) as Role[], displayName: row.display_name };
  }

  async userForBasic(username: string, password: string): Promise<User | null> {
    const k = sha256(`${username}\u0000${password}`);
    const hit = this.basicCache.get(k);
    if (hit && hit.until > Date.now()) return hit.user;
    const user = await this.check(username, password);
    if (user) this.basicCache.set(k, { user, until: Date.now() + 60_000 });
    return user;
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

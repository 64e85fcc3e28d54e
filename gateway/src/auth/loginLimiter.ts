/**
 * Counts failed logins per (username, address) in a sliding window; past the limit, attempts are refused
 * with a retry time until the window expires. In memory: a restart forgives, which is acceptable for a
 * single gateway (the limit only has to make online guessing impractical).
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();
  constructor(private readonly max: number, private readonly windowMs: number, private readonly clock: () => number = Date.now) {}

  private key(user: string, addr: string): string {
    return `${user.toLowerCase()}\u0000${addr}`;
  }

  private recent(k: string): number[] {
    const cutoff = this.clock() - this.windowMs;
    const list = (this.failures.get(k) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(k, list);
    else this.failures.delete(k);
    return list;
  }

  /** Seconds to wait, or 0 when an attempt is allowed. */
  retryAfter(user: string, addr: string): number {
    const list = this.recent(this.key(user, addr));
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.clock()) / 1000));
  }

  fail(user: string, addr: string): void {
    const k = this.key(user, addr);
    this.failures.set(k, [...this.recent(k), this.clock()]);
  }

  succeed(user: string, addr: string): void {
    this.failures.delete(this.key(user, addr));
  }
}

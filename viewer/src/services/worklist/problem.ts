/**
 * A refusal from the gateway (RFC 9457 problem+json): status, title, detail, and for worklist commands the
 * machine-readable `reason`, the failed `guard` and the guideline `rule` (G-x.y) that the UI shows as is.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | null,
    readonly extra: { code?: string; reason?: string; guard?: string; rule?: string } = {},
  ) {
    super(`${status} ${title}${detail ? `: ${detail}` : ''}`);
  }

  /** The server's own words, most specific first. */
  get explanation(): string {
    return this.extra.reason ?? this.detail ?? this.title;
  }
}

/** Reads a failed response as an {@link ApiProblem} (problem+json, plain JSON or text). */
export async function problemFrom(res: Response): Promise<ApiProblem> {
  const text = await res.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch { /* not JSON */ }
  const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  return new ApiProblem(res.status, str('title') ?? (res.statusText || `HTTP ${res.status}`), str('detail') ?? (text && !str('title') ? text.slice(0, 300) : null), {
    code: str('code'),
    reason: str('reason'),
    guard: str('guard'),
    rule: str('rule') ?? str('ruleId'),
  });
}

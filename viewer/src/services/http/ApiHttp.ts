import { createParser } from 'eventsource-parser';
import { ApiProblem, problemFrom } from '../worklist/problem';

export interface ApiHttpOptions {
  /** The gateway API root, e.g. `/api`. */
  apiRoot: string;
  headers: () => Record<string, string>;
  /** Called on a 401 (the token expired or was revoked). */
  onUnauthorized?: () => void;
}

/** One server-sent event as received. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * JSON over fetch to the gateway's API with the bearer token; every failure becomes an {@link ApiProblem}
 * (problem+json), a lost connection one with status 0. Shared by the worklist, packs and jobs clients.
 */
export class ApiHttp {
  constructor(readonly opts: ApiHttpOptions) {}

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<T> {
    const raw = body instanceof Blob;
    let res: Response;
    try {
      res = await fetch(`${this.opts.apiRoot}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': raw ? body.type || 'application/octet-stream' : 'application/json' } : {}),
          ...extraHeaders,
          ...this.opts.headers(),
        },
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiProblem(0, 'network', err instanceof Error ? err.message : String(err));
    }
    if (res.status === 401) this.opts.onUnauthorized?.();
    if (!res.ok) throw await problemFrom(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  async blob(path: string): Promise<Blob> {
    const res = await fetch(`${this.opts.apiRoot}${path}`, { headers: this.opts.headers() });
    if (res.status === 401) this.opts.onUnauthorized?.();
    if (!res.ok) throw await problemFrom(res);
    return res.blob();
  }

  /**
   * Reads a text/event-stream once, until it ends or `signal` aborts. fetch, not EventSource: EventSource
   * cannot send the bearer token. Resolves when the server closes the stream.
   */
  async streamOnce(path: string, onMessage: (m: SseMessage) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const res = await fetch(`${this.opts.apiRoot}${path}`, { headers: { accept: 'text/event-stream', ...this.opts.headers() }, signal });
    if (res.status === 401) this.opts.onUnauthorized?.();
    if (!res.ok || !res.body) throw await problemFrom(res);
    onOpen?.();
    const parser = createParser({ onEvent: (m) => onMessage({ event: m.event, data: m.data }) });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  }
}

/** `?a=1&b=x` from the defined, non-empty values of `q` ('' when none). */
export function query(q: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if ((typeof v === 'string' && v) || typeof v === 'number') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

import * as Multipasta from 'multipasta';
import { JobError } from '../jobs/types.js';
import type { WebPeer } from './webPeers.js';

/** Accept header for a WADO-RS instance retrieve: the instance as stored, whatever its transfer syntax. */
export const DICOM_ANY = 'multipart/related; type="application/dicom"; transfer-syntax=*';

/** Failures of a peer call, classified: the network and 5xx/429 may pass; 4xx will not. */
export class WebError extends JobError {
  constructor(message: string, transient: boolean, readonly status: number | null) {
    super(message, transient);
  }
}

/**
 * A small DICOMweb client over fetch (dicomweb-client needs XMLHttpRequest): QIDO-RS, WADO-RS instance
 * retrieve, STOW-RS. Auth is added from the peer; errors say which peer and why.
 */
export class WebClient {
  constructor(readonly peer: WebPeer, private readonly timeoutMs: number) {}

  private authHeader(): Record<string, string> {
    const a = this.peer.auth;
    if (a.type === 'bearer') return { authorization: `Bearer ${a.token}` };
    if (a.type === 'basic') return { authorization: `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}` };
    return {};
  }

  /** One request; the timeout covers the whole exchange including the body (read by `read`). */
  async call<T>(method: string, path: string, headers: Record<string, string>, body: Buffer | null, signal: AbortSignal, read: (r: Response) => Promise<T>): Promise<{ status: number; value: T }> {
    const url = `${this.peer.baseUrl}${path}`;
    const sig = AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(url, { method, headers: { ...this.authHeader(), ...headers }, body, signal: sig });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? (err as Error).name;
      // A certificate we cannot verify will not fix itself: fail for good and say so.
      const tlsTrust = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
      const hint = tlsTrust ? ' (the peer\'s TLS certificate is not trusted: give Node its CA with NODE_EXTRA_CA_CERTS)' : '';
      throw new WebError(`cannot reach DICOMweb peer ${this.peer.name} (${url}): ${code}${hint}`, code !== 'ENOTFOUND' && !tlsTrust, null);
    }
    if (res.status >= 400) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      let detail = text;
      try {
        const j = JSON.parse(text) as { detail?: string; title?: string };
        detail = j.detail ?? j.title ?? text;
      } catch { /* not JSON */ }
      const transient = res.status >= 500 || res.status === 429 || res.status === 408;
      const hint = res.status === 401 || res.status === 403 ? ' (check the peer\'s credentials)' : '';
      throw new WebError(`${this.peer.name} answered ${method} ${path.split('?')[0]} with HTTP ${res.status}${hint}${detail ? `: ${detail}` : ''}`, transient, res.status);
    }
    try {
      return { status: res.status, value: await read(res) };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new WebError(`${this.peer.name}: ${method} ${path.split('?')[0]} broke off: ${(err as Error).message}`, true, res.status);
    }
  }

  /** QIDO-RS search (path like `/studies` or `/studies/{uid}/instances`); DICOM JSON objects. */
  async qido(path: string, query: Record<string, string>, signal: AbortSignal): Promise<Record<string, unknown>[]> {
    const qs = new URLSearchParams(query).toString();
    const { value } = await this.call('GET', `${path}${qs ? `?${qs}` : ''}`, { accept: 'application/dicom+json' }, null, signal,
      async (r) => (r.status === 204 ? [] : ((await r.json()) as Record<string, unknown>[])));
    if (!Array.isArray(value)) throw new WebError(`${this.peer.name}: QIDO answer is not a JSON array`, false, null);
    return value;
  }

  /** WADO-RS retrieve of one instance as stored (Part 10 bytes). */
  async instance(study: string, series: string, sop: string, signal: AbortSignal): Promise<Buffer> {
    const { value } = await this.call('GET', `/studies/${study}/series/${series}/instances/${sop}`, { accept: DICOM_ANY }, null, signal, async (r) => {
      const ct = r.headers.get('content-type') ?? '';
      const body = Buffer.from(await r.arrayBuffer());
      if (/^application\/dicom\b/i.test(ct)) return body;
      const parts = parseMultipart(ct, body);
      if (!parts.length) throw new Error('no part in the multipart answer');
      return parts[0]!;
    });
    return value;
  }

  /** STOW-RS of Part 10 instances in one multipart request; the DICOM JSON response (may be empty). */
  async stow(instances: Buffer[], signal: AbortSignal): Promise<{ status: number; body: Record<string, unknown> | null }> {
    const boundary = `hoichan-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const chunks: Buffer[] = [];
    for (const b of instances) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), b, Buffer.from('\r\n'));
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    const { status, value } = await this.call('POST', '/studies', {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json',
    }, Buffer.concat(chunks), signal, async (r) => {
      const text = await r.text();
      return text ? (JSON.parse(text) as Record<string, unknown>) : null;
    });
    return { status, body: value };
  }
}

/** Splits a multipart/related body into its parts' bytes. */
export function parseMultipart(contentType: string, body: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let current: Buffer[] | null = null;
  let error: string | null = null;
  const p = Multipasta.make({
    headers: { 'content-type': contentType },
    isFile: () => true,
    onField: () => undefined,
    onFile: () => {
      current = [];
      return (chunk) => {
        if (chunk === null) {
          parts.push(Buffer.concat(current!));
          current = null;
        } else current!.push(Buffer.from(chunk));
      };
    },
    onError: (e) => { error = e._tag; },
    onDone: () => undefined,
  });
  p.write(body);
  p.end();
  if (error) throw new Error(`bad multipart answer (${error})`);
  return parts;
}

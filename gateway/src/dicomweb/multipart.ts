import crypto from 'node:crypto';
import { Readable } from 'node:stream';

export interface Part {
  contentType: string;
  location?: string;
  /** The part's bytes; a Readable for bodies too large to hold. */
  body: () => Buffer | Readable | Promise<Buffer | Readable>;
}

/** A fresh boundary per response (never guessable from content). */
export function newBoundary(): string {
  return `hoichan-${crypto.randomBytes(12).toString('hex')}`;
}

const CRLF = Buffer.from('\r\n');

/**
 * Streams parts as multipart/related, fetching each body only when the consumer wants more, so a study of
 * any size goes out with about one instance in memory. A Buffer body goes out as one push with its part
 * header (far cheaper than many small chunks); a Readable body is relayed with backpressure.
 */
export function multipartStream(boundary: string, parts: Part[]): Readable {
  let next = 0;
  let pumping = false;
  let ended = false;
  let wake: (() => void) | null = null;

  const out = new Readable({
    highWaterMark: 4 * 1024 * 1024,
    read() {
      if (wake) {
        const w = wake;
        wake = null;
        w();
        return;
      }
      if (pumping || ended) return;
      pumping = true;
      pump().then(() => { pumping = false; }, (err: Error) => out.destroy(err));
    },
  });
  const room = (): Promise<void> => new Promise((res) => { wake = res; });

  async function pump(): Promise<void> {
    while (next < parts.length) {
      const p = parts[next++]!;
      let head = `--${boundary}\r\nContent-Type: ${p.contentType}\r\n`;
      if (p.location) head += `Content-Location: ${p.location}\r\n`;
      head += '\r\n';
      const body = await p.body();
      if (Buffer.isBuffer(body)) {
        if (!out.push(Buffer.concat([Buffer.from(head), body, CRLF]))) return;
        continue;
      }
      out.push(Buffer.from(head));
      for await (const chunk of body) if (!out.push(chunk as Buffer)) await room();
      if (!out.push(CRLF)) return;
    }
    ended = true;
    out.push(Buffer.from(`--${boundary}--\r\n`));
    out.push(null);
  }
  return out;
}

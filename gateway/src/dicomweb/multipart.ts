import crypto from 'node:crypto';
import { Readable } from 'node:stream';

export interface Part {
  contentType: string;
  location?: string;
  body: () => Promise<Buffer | Readable>;
}

/** A fresh boundary per response (never guessable from content). */
export function newBoundary(): string {
  return `hoichan-${crypto.randomBytes(12).toString('hex')}`;
}

/**
 * Streams parts as multipart/related, fetching each body only when the previous one has been
 * consumed, so a study of any size goes out with one instance in memory at a time.
 */
export function multipartStream(boundary: string, parts: AsyncIterable<Part> | Iterable<Part>): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for await (const p of parts) {
      let head = `--${boundary}\r\nContent-Type: ${p.contentType}\r\n`;
      if (p.location) head += `Content-Location: ${p.location}\r\n`;
      yield Buffer.from(head + '\r\n');
      const body = await p.body();
      if (Buffer.isBuffer(body)) yield body;
      else for await (const chunk of body) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  return Readable.from(gen(), { objectMode: false });
}

import type { FastifyReply } from 'fastify';
import { SlotPool, type Slot } from './slotPool.js';

/** A stored body the sender reads itself, into a buffer it reuses once the socket has taken the bytes. */
export interface StoredPart {
  contentType: string;
  location?: string;
  /** Exact byte count (the index's); the response's Content-Length is their sum. */
  size: number;
  /** Fills `into` (exactly `size` bytes) synchronously: page-cache reads cost less than a thread-pool hop. */
  readInto: (into: Buffer) => void;
}

const CRLF = Buffer.from('\r\n');

/**
 * Read buffers shared by all retrieves (`SlotPool`). A fresh 0.5 MB buffer per instance is page-faulted in on
 * first touch (~as costly as the copy itself on these VMs) and then left to the GC; reused ones are paged in
 * already. Bodies past the largest slot get a buffer of their own.
 */
const slots = new SlotPool(16 * 1024 * 1024);

/** How many bodies may be on their way to the socket at once (each holds one buffer until written). */
const IN_FLIGHT = 3;

/**
 * Sends stored bodies as multipart/related straight to the socket (fastify's send is bypassed, its hooks
 * still run on finish): Content-Length up front instead of chunked framing, each part as one corked write
 * (header, body, CRLF), no concatenation, read buffers reused. A read that fails once the head is out can
 * only cut the response short: the socket is destroyed, so the client sees a truncated body, never a wrong one.
 */
export async function sendStoredMultipart(reply: FastifyReply, mediaType: string, boundary: string, parts: StoredPart[]): Promise<void> {
  const heads = parts.map((p) => Buffer.from(`--${boundary}\r\nContent-Type: ${p.contentType}\r\n${p.location ? `Content-Location: ${p.location}\r\n` : ''}\r\n`, 'latin1'));
  const closing = Buffer.from(`--${boundary}--\r\n`, 'latin1');
  const length = parts.reduce((n, p, i) => n + heads[i]!.length + p.size + CRLF.length, closing.length);
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  res.writeHead(200, { 'content-type': mediaType, 'content-length': String(length) });
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  const writing: Promise<Slot | null>[] = [];
  const giveBack = (slot: Slot | null): void => { if (slot) slots.put(slot); };
  try {
    for (let i = 0; i < parts.length; i++) {
      if (res.destroyed) break;
      const p = parts[i]!;
      if (writing.length >= IN_FLIGHT) giveBack(await writing.shift()!);
      const slot = slots.get(p.size);
      const body = (slot?.buf ?? Buffer.allocUnsafeSlow(p.size)).subarray(0, p.size);
      p.readInto(body);
      let ok = true;
      res.cork();
      res.write(heads[i]);
      // The slot is free again once the socket has taken the body (or the response died: the write errors out).
      writing.push(new Promise<Slot | null>((resolve) => { ok = res.write(body, () => resolve(slot)); }));
      res.write(CRLF);
      res.uncork();
      if (!ok) await Promise.race([new Promise<void>((resolve) => res.once('drain', () => resolve())), closed]);
    }
    if (res.destroyed) return;
    res.end(closing);
    // Buffers of a response that died stay with the GC: a cancelled write may not be done with them yet.
    for (const w of writing) {
      const slot = await Promise.race([w, closed.then(() => null)]);
      if (!res.destroyed) giveBack(slot);
    }
  } catch (err) {
    reply.log.warn({ err }, 'multipart retrieve cut short');
    // Without an error: that would be emitted on the response, where nobody listens any more.
    res.destroy();
  }
}

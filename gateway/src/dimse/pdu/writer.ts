import { PDU, PDV_COMMAND, PDV_LAST } from './types.js';

function simplePdu(type: number, b2: number, b3: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = type;
  b.writeUInt32BE(4, 2);
  b[8] = b2;
  b[9] = b3;
  return b;
}

export const encodeReleaseRq = (): Buffer => simplePdu(PDU.releaseRq, 0, 0);
export const encodeReleaseRp = (): Buffer => simplePdu(PDU.releaseRp, 0, 0);
export const encodeAbort = (source: number, reason: number): Buffer => simplePdu(PDU.abort, source, reason);

export function encodeAssociateRj(result: number, source: number, reason: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = PDU.associateRj;
  b.writeUInt32BE(4, 2);
  b[7] = result;
  b[8] = source;
  b[9] = reason;
  return b;
}

/**
 * A message (command or dataset) as P-DATA-TF PDUs of one PDV each, no PDU larger than `maxPdu` (the
 * peer's limit; 0 = none), as [header, value, header, value, …]: the values are views of `data` (no copy),
 * the 12-byte headers slices of one small buffer. Written corked, they leave in one writev.
 */
export function pDataParts(pcId: number, command: boolean, data: Buffer, maxPdu: number): Buffer[] {
  const fragment = maxPdu > 12 ? maxPdu - 6 : 256 * 1024;
  const count = Math.max(1, Math.ceil(data.length / fragment));
  const headers = Buffer.allocUnsafe(12 * count);
  const ctl = command ? PDV_COMMAND : 0;
  const parts: Buffer[] = [];
  for (let i = 0, off = 0; i < count; i++) {
    const n = Math.min(fragment, data.length - off);
    const h = headers.subarray(12 * i, 12 * i + 12);
    h[0] = PDU.pData;
    h[1] = 0;
    h.writeUInt32BE(n + 6, 2);
    h.writeUInt32BE(n + 2, 6);
    h[10] = pcId;
    h[11] = ctl | (i === count - 1 ? PDV_LAST : 0);
    parts.push(h);
    if (n) parts.push(data.subarray(off, off + n));
    off += n;
  }
  return parts;
}

/**
 * A whole message (command or dataset) as P-DATA-TF PDUs of one PDV each, no PDU larger than `maxPdu`
 * (the peer's receive limit; 0 = none). Returns buffers that each hold whole PDUs, at most ~`batchBytes`
 * each, so that a write never splits a PDU and large datasets are not duplicated in memory at once.
 */
export function* pDataPdus(pcId: number, command: boolean, data: Buffer, maxPdu: number, batchBytes = 4 << 20): Generator<Buffer> {
  // A PDV needs 6 bytes of its own inside the PDU's maximum length.
  const fragment = maxPdu > 12 ? maxPdu - 6 : 256 * 1024;
  const ctl = command ? PDV_COMMAND : 0;
  let off = 0;
  do {
    let end = off;
    let bytes = 0;
    do {
      const n = Math.min(fragment, data.length - end);
      bytes += n + 12;
      end += n;
    } while (end < data.length && bytes + Math.min(fragment, data.length - end) + 12 <= batchBytes);
    const out = Buffer.allocUnsafe(bytes);
    let w = 0;
    while (w < bytes) {
      const n = Math.min(fragment, end - off);
      out[w] = PDU.pData;
      out[w + 1] = 0;
      out.writeUInt32BE(n + 6, w + 2);
      out.writeUInt32BE(n + 2, w + 6);
      out[w + 10] = pcId;
      out[w + 11] = ctl | (off + n >= data.length ? PDV_LAST : 0);
      data.copy(out, w + 12, off, off + n);
      w += 12 + n;
      off += n;
    }
    yield out;
  } while (off < data.length);
}

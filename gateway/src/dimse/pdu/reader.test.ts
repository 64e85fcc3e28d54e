import { describe, expect, it } from 'vitest';
import { PduReader } from './reader.js';
import { encodeAbort, encodeReleaseRq, pDataParts, pDataPdus } from './writer.js';
import { encodeAssociateRq, parseAssociateRq } from './associate.js';
import { PDU, PduError } from './types.js';

interface Event { kind: string; type?: number; pcId?: number; control?: number; bytes?: string; end?: boolean }

/** Runs the stream through a reader in the given pieces; PDV pieces of one PDV are joined for comparison. */
function run(stream: Buffer, cuts: number[]): Event[] {
  const events: Event[] = [];
  let pdvAcc: Buffer[] = [];
  const r = new PduReader({
    pdu: (type, body) => events.push({ kind: 'pdu', type, bytes: Buffer.from(body).toString('hex') }),
    pdv: (pcId, control, data, end) => {
      pdvAcc.push(Buffer.from(data));
      if (end) {
        events.push({ kind: 'pdv', pcId, control, bytes: Buffer.concat(pdvAcc).toString('hex') });
        pdvAcc = [];
      }
    },
  });
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    r.push(stream.subarray(at, c));
    at = c;
  }
  return events;
}

const rq = encodeAssociateRq({
  calledAe: 'HOICHAN', callingAe: 'MODALITY',
  applicationContext: '1.2.840.10008.3.1.1.1',
  contexts: [{ id: 1, abstractSyntax: '1.2.840.10008.5.1.4.1.1.2', transferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'] }],
  user: { maxPduLength: 16384, implementationClassUid: '1.2.3.4', implementationVersion: 'TEST', roles: [{ sopClass: '1.2.840.10008.5.1.4.1.1.2', scu: false, scp: true }], asyncOps: null },
});

describe('PduReader', () => {
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
  const stream = Buffer.concat([
    rq,
    ...pDataPdus(1, true, Buffer.from('command-set-bytes!'), 64),
    ...pDataPdus(1, false, data, 100),
    ...pDataPdus(3, false, Buffer.alloc(0), 100),
    encodeReleaseRq(),
    encodeAbort(2, 1),
  ]);
  const whole = run(stream, []);

  it('parses a stream of every PDU kind', () => {
    expect(whole.map((e) => `${e.kind}:${e.type ?? e.pcId}`)).toEqual([
      'pdu:1', 'pdv:1', 'pdv:1', 'pdv:1', 'pdv:1', 'pdv:1', 'pdv:3', 'pdu:5', 'pdu:7',
    ]);
    const pdvs = whole.filter((e) => e.kind === 'pdv' && e.pcId === 1 && !(e.control! & 1));
    expect(Buffer.from(pdvs.map((e) => e.bytes).join(''), 'hex')).toEqual(data);
    expect(pdvs[pdvs.length - 1]!.control).toBe(2);
    const parsed = parseAssociateRq(Buffer.from(whole[0]!.bytes!, 'hex'));
    expect(parsed.calledAe).toBe('HOICHAN');
    expect(parsed.callingAe).toBe('MODALITY');
    expect(parsed.contexts[0]!.transferSyntaxes).toEqual(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);
    expect(parsed.user.roles).toEqual([{ sopClass: '1.2.840.10008.5.1.4.1.1.2', scu: false, scp: true }]);
    expect(parsed.user.maxPduLength).toBe(16384);
  });

  it('gives the same events whatever the chunk boundaries (every split point, and 1-byte chunks)', () => {
    for (let cut = 1; cut < stream.length; cut++) expect(run(stream, [cut])).toEqual(whole);
    for (let cut = 1; cut + 7 < stream.length; cut += 3) expect(run(stream, [cut, cut + 7])).toEqual(whole);
    expect(run(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('hands on PDV data without copying when a PDV lies within one chunk', () => {
    const chunk = Buffer.concat([...pDataPdus(5, false, Buffer.alloc(1000, 7), 16384)]);
    let view: Buffer | null = null;
    new PduReader({ pdu: () => undefined, pdv: (_p, _c, d) => (view = d) }).push(chunk);
    expect(view!.buffer).toBe(chunk.buffer);
    expect(view!.byteOffset).toBe(chunk.byteOffset + 12);
  });

  it('rejects garbage and inconsistent lengths', () => {
    const reader = () => new PduReader({ pdu: () => undefined, pdv: () => undefined });
    expect(() => reader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toThrow(PduError);
    // P-DATA whose PDV claims more than the PDU holds
    const bad = Buffer.from([PDU.pData, 0, 0, 0, 0, 8, 0, 0, 0, 50, 1, 0, 1, 2]);
    expect(() => reader().push(bad)).toThrow(/does not fit/);
    // even presentation context id
    const even = Buffer.from([PDU.pData, 0, 0, 0, 0, 8, 0, 0, 0, 4, 2, 0, 1, 2]);
    expect(() => reader().push(even)).toThrow(PduError);
    // an associate PDU larger than the limit
    expect(() => new PduReader({ pdu: () => undefined, pdv: () => undefined }, 100).push(Buffer.from([1, 0, 0, 0, 1, 0]))).toThrow(PduError);
  });
});

describe('pDataPdus', () => {
  it('never exceeds the peer maximum and marks only the last fragment', () => {
    const data = Buffer.alloc(10_000, 1);
    const out = Buffer.concat([...pDataPdus(1, false, data, 1000, 3000)]);
    let off = 0;
    let lasts = 0;
    let total = 0;
    while (off < out.length) {
      const len = out.readUInt32BE(off + 2);
      expect(len).toBeLessThanOrEqual(1000);
      const pdvLen = out.readUInt32BE(off + 6);
      expect(pdvLen).toBe(len - 4);
      total += pdvLen - 2;
      if (out[off + 11]! & 2) lasts++;
      off += 6 + len;
    }
    expect(total).toBe(10_000);
    expect(lasts).toBe(1);
  });

  it('batches whole PDUs into buffers of about batchBytes', () => {
    const bufs = [...pDataPdus(1, false, Buffer.alloc(100_000), 16384, 40_000)];
    expect(bufs.length).toBe(3);
    expect(bufs.reduce((n, b) => n + b.length, 0)).toBe(100_000 + 7 * 12);
  });
});

describe('pDataParts', () => {
  it('frames the same bytes as pDataPdus without copying the values', () => {
    const data = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
    for (const max of [16384, 1000, 0]) {
      const parts = pDataParts(3, false, data, max);
      expect(Buffer.concat(parts)).toEqual(Buffer.concat([...pDataPdus(3, false, data, max)]));
      expect(parts[1]!.buffer).toBe(data.buffer);
    }
    expect(Buffer.concat(pDataParts(1, true, Buffer.alloc(0), 16384))).toEqual(Buffer.concat([...pDataPdus(1, true, Buffer.alloc(0), 16384)]));
  });
});

import { describe, expect, it } from 'vitest';
import { CMD, CommandError, decodeCommand, encodeCommand, responseFor, type Command } from './command.js';

describe('command codec', () => {
  it('round-trips a C-STORE-RQ with group length and even padding', () => {
    const rq: Command = {
      commandField: CMD.cStoreRq, messageId: 7, affectedSopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      affectedSopInstanceUid: '1.2.3.45', priority: 0, hasDataset: true, moveOriginatorAe: 'MOVER', moveOriginatorMessageId: 3,
    };
    const b = encodeCommand(rq);
    expect(b.readUInt32LE(8)).toBe(b.length - 12);
    expect(decodeCommand(b)).toEqual(rq);
    // odd-length UID padded with NUL, AE with a space
    expect(b.includes(Buffer.from('1.2.3.45'))).toBe(true);
    expect(b.includes(Buffer.from('1.2.840.10008.5.1.4.1.1.2\0'))).toBe(true);
    expect(b.includes(Buffer.from('MOVER '))).toBe(true);
  });

  it('writes CommandDataSetType 0x0101 without a dataset and decodes it as such', () => {
    const rsp = responseFor({ commandField: CMD.cEchoRq, messageId: 9, affectedSopClassUid: '1.2.840.10008.1.1', hasDataset: false }, CMD.cEchoRsp, 0);
    const b = encodeCommand(rsp);
    const d = decodeCommand(b);
    expect(d).toMatchObject({ commandField: CMD.cEchoRsp, messageIdBeingRespondedTo: 9, status: 0, hasDataset: false });
    // find (0000,0800) US 0x0101
    const i = b.indexOf(Buffer.from([0, 0, 0, 8, 2, 0, 0, 0, 1, 1]));
    expect(i).toBeGreaterThan(0);
  });

  it('carries sub-operation counts, error comment and offending elements', () => {
    const c: Command = { commandField: CMD.cMoveRsp, messageIdBeingRespondedTo: 1, hasDataset: false, status: 0xff00, remaining: 500, completed: 2, failed: 1, warning: 0, errorComment: 'x', offendingElements: [0x00100010] };
    expect(decodeCommand(encodeCommand(c))).toEqual({ ...c, errorComment: 'x' });
  });

  it('decodes a command set written by DCMTK (C-ECHO-RQ bytes) and ignores unknown elements', () => {
    // As DCMTK writes it: group length, then (0000,0002), (0000,0100), (0000,0110), (0000,0800); plus a private-ish unknown element.
    const uid = Buffer.from('1.2.840.10008.1.1\0');
    const parts = [
      Buffer.from([0, 0, 0x02, 0, uid.length, 0, 0, 0]), uid,
      Buffer.from([0, 0, 0, 1, 2, 0, 0, 0, 0x30, 0]),
      Buffer.from([0, 0, 0x10, 1, 2, 0, 0, 0, 1, 0]),
      Buffer.from([0, 0, 0, 8, 2, 0, 0, 0, 1, 1]),
      Buffer.from([0, 0, 0x99, 0x99, 4, 0, 0, 0, 1, 2, 3, 4]),
    ];
    const body = Buffer.concat(parts);
    const gl = Buffer.from([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    gl.writeUInt32LE(body.length, 8);
    const b = Buffer.concat([gl, body]);
    expect(decodeCommand(b)).toEqual({ commandField: CMD.cEchoRq, messageId: 1, affectedSopClassUid: '1.2.840.10008.1.1', hasDataset: false });
  });

  it('rejects truncated command sets', () => {
    const b = encodeCommand({ commandField: CMD.cEchoRq, messageId: 1, hasDataset: false });
    expect(() => decodeCommand(b.subarray(0, b.length - 1))).toThrow(CommandError);
    expect(() => decodeCommand(Buffer.alloc(12))).toThrow(CommandError);
  });
});

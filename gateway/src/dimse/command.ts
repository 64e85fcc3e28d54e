/**
 * DIMSE command sets (PS3.7 E.1): small group-0000 datasets, always Implicit VR Little Endian.
 * Encoded and decoded by hand; they sit on the C-STORE hot path.
 */

export const CMD = {
  cStoreRq: 0x0001, cStoreRsp: 0x8001,
  cGetRq: 0x0010, cGetRsp: 0x8010,
  cFindRq: 0x0020, cFindRsp: 0x8020,
  cMoveRq: 0x0021, cMoveRsp: 0x8021,
  cEchoRq: 0x0030, cEchoRsp: 0x8030,
  cCancelRq: 0x0fff,
} as const;

export const STATUS = {
  success: 0x0000,
  pending: 0xff00,
  pendingWarning: 0xff01,
  cancel: 0xfe00,
  notAuthorized: 0x0124,
  duplicateDifferent: 0x0111,
  outOfResources: 0xa700,
  outOfResourcesMatches: 0xa701,
  outOfResourcesSubOps: 0xa702,
  moveDestinationUnknown: 0xa801,
  datasetMismatch: 0xa900,
  identifierMismatch: 0xa900,
  cannotUnderstand: 0xc000,
  subOpsFailed: 0xb000,
  /** C-STORE warning: coercion of data elements. */
  coercion: 0xb000,
  unrecognizedOperation: 0x0211,
  sopClassNotSupported: 0x0122,
  processingFailure: 0x0110,
} as const;

/** No dataset follows the command (CommandDataSetType). */
const NO_DATASET = 0x0101;

export interface Command {
  commandField: number;
  messageId?: number;
  messageIdBeingRespondedTo?: number;
  affectedSopClassUid?: string;
  requestedSopClassUid?: string;
  affectedSopInstanceUid?: string;
  requestedSopInstanceUid?: string;
  moveDestination?: string;
  priority?: number;
  hasDataset: boolean;
  status?: number;
  offendingElements?: number[];
  errorComment?: string;
  remaining?: number;
  completed?: number;
  failed?: number;
  warning?: number;
  moveOriginatorAe?: string;
  moveOriginatorMessageId?: number;
}

type Kind = 'UI' | 'AE' | 'LO' | 'US' | 'UL' | 'AT';
type Key = Exclude<keyof Command, 'hasDataset'>;

/** Elements in tag order: (tag, field, VR). */
const FIELDS: [number, Key | 'dataSetType', Kind][] = [
  [0x00000002, 'affectedSopClassUid', 'UI'],
  [0x00000003, 'requestedSopClassUid', 'UI'],
  [0x00000100, 'commandField', 'US'],
  [0x00000110, 'messageId', 'US'],
  [0x00000120, 'messageIdBeingRespondedTo', 'US'],
  [0x00000600, 'moveDestination', 'AE'],
  [0x00000700, 'priority', 'US'],
  [0x00000800, 'dataSetType', 'US'],
  [0x00000900, 'status', 'US'],
  [0x00000901, 'offendingElements', 'AT'],
  [0x00000902, 'errorComment', 'LO'],
  [0x00001000, 'affectedSopInstanceUid', 'UI'],
  [0x00001001, 'requestedSopInstanceUid', 'UI'],
  [0x00001020, 'remaining', 'US'],
  [0x00001021, 'completed', 'US'],
  [0x00001022, 'failed', 'US'],
  [0x00001023, 'warning', 'US'],
  [0x00001030, 'moveOriginatorAe', 'AE'],
  [0x00001031, 'moveOriginatorMessageId', 'US'],
];
const BY_TAG = new Map(FIELDS.map((f) => [f[0], f]));

/** Thrown on a command set we cannot read; answered with an A-ABORT. */
export class CommandError extends Error {}

export function decodeCommand(buf: Buffer): Command {
  const cmd: Record<string, unknown> = { hasDataset: false };
  let dataSetType = NO_DATASET;
  let off = 0;
  while (off + 8 <= buf.length) {
    const tag = ((buf.readUInt16LE(off) << 16) | buf.readUInt16LE(off + 2)) >>> 0;
    const len = buf.readUInt32LE(off + 4);
    off += 8;
    if (len > buf.length - off) throw new CommandError(`command element (${tag.toString(16)}) runs past the command set`);
    const f = BY_TAG.get(tag);
    if (f) {
      const v = buf.subarray(off, off + len);
      const [, key, kind] = f;
      let value: string | number | number[];
      switch (kind) {
        case 'US': value = len >= 2 ? v.readUInt16LE(0) : 0; break;
        case 'UL': value = len >= 4 ? v.readUInt32LE(0) : 0; break;
        case 'AT': {
          const tags: number[] = [];
          for (let i = 0; i + 4 <= len; i += 4) tags.push(((v.readUInt16LE(i) << 16) | v.readUInt16LE(i + 2)) >>> 0);
          value = tags;
          break;
        }
        case 'UI': value = v.toString('latin1').replace(/[\0 ]+$/, ''); break;
        default: value = v.toString('latin1').trim();
      }
      if (key === 'dataSetType') dataSetType = value as number;
      else cmd[key] = value;
    }
    off += len;
  }
  if (off !== buf.length) throw new CommandError('command set ends inside an element header');
  if (cmd.commandField === undefined) throw new CommandError('command set without CommandField');
  cmd.hasDataset = dataSetType !== NO_DATASET;
  return cmd as unknown as Command;
}

function valueBytes(kind: Kind, value: string | number | number[]): Buffer {
  switch (kind) {
    case 'US': {
      const b = Buffer.alloc(2);
      b.writeUInt16LE((value as number) & 0xffff);
      return b;
    }
    case 'UL': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE((value as number) >>> 0);
      return b;
    }
    case 'AT': {
      const tags = value as number[];
      const b = Buffer.alloc(tags.length * 4);
      tags.forEach((t, i) => {
        b.writeUInt16LE(t >>> 16, i * 4);
        b.writeUInt16LE(t & 0xffff, i * 4 + 2);
      });
      return b;
    }
    default: {
      const s = String(value);
      const pad = s.length % 2 ? (kind === 'UI' ? '\0' : ' ') : '';
      return Buffer.from(s + pad, 'latin1');
    }
  }
}

export function encodeCommand(cmd: Command): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (const [tag, key, kind] of FIELDS) {
    const value = key === 'dataSetType' ? (cmd.hasDataset ? 0x0001 : NO_DATASET) : (cmd[key] as string | number | number[] | undefined);
    if (value === undefined) continue;
    const v = valueBytes(kind, value);
    const h = Buffer.allocUnsafe(8);
    h.writeUInt16LE(tag >>> 16, 0);
    h.writeUInt16LE(tag & 0xffff, 2);
    h.writeUInt32LE(v.length, 4);
    parts.push(h, v);
    total += 8 + v.length;
  }
  const gl = Buffer.alloc(12);
  gl.writeUInt32LE(4, 4);
  gl.writeUInt32LE(total, 8);
  return Buffer.concat([gl, ...parts], 12 + total);
}

/** Response command for a request: same SOP class, message id answered, the given status and extras. */
export function responseFor(rq: Command, rspField: number, status: number, extra: Partial<Command> = {}): Command {
  return {
    commandField: rspField,
    messageIdBeingRespondedTo: rq.messageId ?? 0,
    affectedSopClassUid: rq.affectedSopClassUid,
    hasDataset: false,
    status,
    ...extra,
  };
}

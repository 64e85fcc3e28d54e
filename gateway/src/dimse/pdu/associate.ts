import { ABORT, PDU, PduError } from './types.js';

/** A presentation context as the requestor proposes it. */
export interface ProposedContext {
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

/** The acceptor's answer for one context: result 0 accepted, 1 user-rejection, 2 no reason, 3 abstract syntax, 4 transfer syntaxes. */
export interface ContextResult {
  id: number;
  result: number;
  /** The accepted transfer syntax (ignored when rejected, but still sent). */
  transferSyntax: string;
}

/** SCP/SCU role selection sub-item (PS3.7 D.3.3.4): the roles the requestor takes (RQ) or that are granted (AC). */
export interface RoleSelection {
  sopClass: string;
  scu: boolean;
  scp: boolean;
}

export interface UserInformation {
  /** Largest P-DATA-TF PDU the sender of this item can receive; 0 means no limit. */
  maxPduLength: number;
  implementationClassUid: string;
  implementationVersion: string | null;
  roles: RoleSelection[];
  /** Asynchronous operations window, when proposed. */
  asyncOps: { invoked: number; performed: number } | null;
}

export interface AssociateRq {
  protocolVersion: number;
  calledAe: string;
  callingAe: string;
  applicationContext: string;
  contexts: ProposedContext[];
  user: UserInformation;
}

export interface AssociateAc {
  calledAe: string;
  callingAe: string;
  applicationContext: string;
  contexts: ContextResult[];
  user: UserInformation;
}

const bad = (msg: string): PduError => new PduError(ABORT.reasonInvalidParameter, msg);

/** UIDs in items may carry a trailing NUL or space; AE titles are space padded. */
const uidText = (b: Buffer): string => b.toString('latin1').replace(/[\0 ]+$/, '');
const aeText = (b: Buffer): string => b.toString('latin1').replace(/\0/g, ' ').trim();

interface Item { type: number; body: Buffer }

function items(buf: Buffer, what: string): Item[] {
  const out: Item[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 4 > buf.length) throw bad(`truncated item in ${what}`);
    const type = buf[off]!;
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > buf.length) throw bad(`item 0x${type.toString(16)} runs past ${what}`);
    out.push({ type, body: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  return out;
}

function parseUser(body: Buffer): UserInformation {
  const user: UserInformation = { maxPduLength: 0, implementationClassUid: '', implementationVersion: null, roles: [], asyncOps: null };
  for (const sub of items(body, 'user information')) {
    const b = sub.body;
    switch (sub.type) {
      case 0x51:
        if (b.length < 4) throw bad('short maximum length item');
        user.maxPduLength = b.readUInt32BE(0);
        break;
      case 0x52: user.implementationClassUid = uidText(b); break;
      case 0x55: user.implementationVersion = aeText(b); break;
      case 0x53:
        if (b.length >= 4) user.asyncOps = { invoked: b.readUInt16BE(0), performed: b.readUInt16BE(2) };
        break;
      case 0x54: {
        if (b.length < 2) throw bad('short role selection item');
        const n = b.readUInt16BE(0);
        if (b.length < 2 + n + 2) throw bad('short role selection item');
        user.roles.push({ sopClass: uidText(b.subarray(2, 2 + n)), scu: b[2 + n] === 1, scp: b[3 + n] === 1 });
        break;
      }
      default: break; // extended negotiation, user identity: not used
    }
  }
  return user;
}

function parseHeader(body: Buffer, what: string): { protocolVersion: number; calledAe: string; callingAe: string; rest: Item[] } {
  if (body.length < 68) throw bad(`${what} shorter than its fixed fields`);
  return {
    protocolVersion: body.readUInt16BE(0),
    calledAe: aeText(body.subarray(4, 20)),
    callingAe: aeText(body.subarray(20, 36)),
    rest: items(body.subarray(68), what),
  };
}

/** Parses an A-ASSOCIATE-RQ body (after the PDU header). */
export function parseAssociateRq(body: Buffer): AssociateRq {
  const h = parseHeader(body, 'A-ASSOCIATE-RQ');
  const rq: AssociateRq = { protocolVersion: h.protocolVersion, calledAe: h.calledAe, callingAe: h.callingAe, applicationContext: '', contexts: [], user: parseUser(Buffer.alloc(0)) };
  for (const it of h.rest) {
    if (it.type === 0x10) rq.applicationContext = uidText(it.body);
    else if (it.type === 0x20) {
      if (it.body.length < 4) throw bad('short presentation context item');
      const pc: ProposedContext = { id: it.body[0]!, abstractSyntax: '', transferSyntaxes: [] };
      for (const sub of items(it.body.subarray(4), 'presentation context')) {
        if (sub.type === 0x30) pc.abstractSyntax = uidText(sub.body);
        else if (sub.type === 0x40) pc.transferSyntaxes.push(uidText(sub.body));
      }
      rq.contexts.push(pc);
    } else if (it.type === 0x50) rq.user = parseUser(it.body);
  }
  return rq;
}

/** Parses an A-ASSOCIATE-AC body. */
export function parseAssociateAc(body: Buffer): AssociateAc {
  const h = parseHeader(body, 'A-ASSOCIATE-AC');
  const ac: AssociateAc = { calledAe: h.calledAe, callingAe: h.callingAe, applicationContext: '', contexts: [], user: parseUser(Buffer.alloc(0)) };
  for (const it of h.rest) {
    if (it.type === 0x10) ac.applicationContext = uidText(it.body);
    else if (it.type === 0x21) {
      if (it.body.length < 4) throw bad('short presentation context item');
      let ts = '';
      for (const sub of items(it.body.subarray(4), 'presentation context')) if (sub.type === 0x40) ts = uidText(sub.body);
      ac.contexts.push({ id: it.body[0]!, result: it.body[2]!, transferSyntax: ts });
    } else if (it.type === 0x50) ac.user = parseUser(it.body);
  }
  return ac;
}

/** Parses an A-ASSOCIATE-RJ body. */
export function parseAssociateRj(body: Buffer): { result: number; source: number; reason: number } {
  if (body.length < 4) throw bad('short A-ASSOCIATE-RJ');
  return { result: body[1]!, source: body[2]!, reason: body[3]! };
}

// ---- encoding ----

function item(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

function aeField(ae: string): Buffer {
  const b = Buffer.alloc(16, 0x20);
  b.write(ae.slice(0, 16), 'latin1');
  return b;
}

function userItem(u: UserInformation): Buffer {
  const max = Buffer.alloc(4);
  max.writeUInt32BE(u.maxPduLength >>> 0);
  const subs = [item(0x51, max), item(0x52, ascii(u.implementationClassUid))];
  if (u.asyncOps) {
    const a = Buffer.alloc(4);
    a.writeUInt16BE(u.asyncOps.invoked, 0);
    a.writeUInt16BE(u.asyncOps.performed, 2);
    subs.push(item(0x53, a));
  }
  for (const r of u.roles) {
    const uid = ascii(r.sopClass);
    const b = Buffer.alloc(2 + uid.length + 2);
    b.writeUInt16BE(uid.length, 0);
    uid.copy(b, 2);
    b[2 + uid.length] = r.scu ? 1 : 0;
    b[3 + uid.length] = r.scp ? 1 : 0;
    subs.push(item(0x54, b));
  }
  if (u.implementationVersion) subs.push(item(0x55, ascii(u.implementationVersion.slice(0, 16))));
  return item(0x50, Buffer.concat(subs));
}

function associatePdu(type: number, calledAe: string, callingAe: string, variable: Buffer[]): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0);
  aeField(calledAe).copy(fixed, 4);
  aeField(callingAe).copy(fixed, 20);
  const body = Buffer.concat([fixed, ...variable]);
  const h = Buffer.alloc(6);
  h[0] = type;
  h.writeUInt32BE(body.length, 2);
  return Buffer.concat([h, body]);
}

export function encodeAssociateRq(rq: Omit<AssociateRq, 'protocolVersion'>): Buffer {
  const pcs = rq.contexts.map((pc) => {
    const head = Buffer.from([pc.id, 0, 0, 0]);
    return item(0x20, Buffer.concat([head, item(0x30, ascii(pc.abstractSyntax)), ...pc.transferSyntaxes.map((t) => item(0x40, ascii(t)))]));
  });
  return associatePdu(PDU.associateRq, rq.calledAe, rq.callingAe, [item(0x10, ascii(rq.applicationContext)), ...pcs, userItem(rq.user)]);
}

export function encodeAssociateAc(ac: AssociateAc): Buffer {
  const pcs = ac.contexts.map((pc) => item(0x21, Buffer.concat([Buffer.from([pc.id, 0, pc.result, 0]), item(0x40, ascii(pc.transferSyntax))])));
  return associatePdu(PDU.associateAc, ac.calledAe, ac.callingAe, [item(0x10, ascii(ac.applicationContext)), ...pcs, userItem(ac.user)]);
}

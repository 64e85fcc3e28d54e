import type { Socket } from 'node:net';
import type { Archive } from '../archive/Archive.js';
import { Link, type LinkHandler } from './link.js';
import { parseAssociateRq, encodeAssociateAc, type AssociateRq } from './pdu/associate.js';
import { encodeAssociateRj, encodeReleaseRp } from './pdu/writer.js';
import { ABORT, PDU, PduError, REJECT } from './pdu/types.js';
import { CMD, STATUS, responseFor, type Command } from './command.js';
import { negotiate, type AcceptedContext } from './negotiation.js';
import { StoreReceiver, type StoreDeps } from './store.js';
import { readDataset, textOf, writeDataset, type Element } from './dataset.js';
import { APPLICATION_CONTEXT, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION, TS } from './uids.js';
import type { Peer, PeerRegistry } from './peers.js';

/** What an acceptor association needs from the server. */
export interface ScpContext {
  aeTitle: string;
  /** Largest PDU we receive (announced in the A-ASSOCIATE-AC). */
  maxPdu: number;
  idleMs: number;
  /** ARTIM: how long we wait for the A-ASSOCIATE-RQ, and for the peer to close after a release. */
  artimMs: number;
  peers: PeerRegistry;
  archive: Archive;
  store: StoreDeps;
  /** Takes an association slot; false when the limit is reached. */
  admit(): boolean;
  /** Services for C-FIND / C-MOVE / C-GET (an operation runs until it resolves). */
  services: Record<'find' | 'move' | 'get', (op: Operation) => Promise<void>>;
  closed(a: ScpAssociation): void;
  /** G-2.11: told of each C-STORE/FIND/MOVE/GET (the worklist's audit log; gateway/src/worklist/accessHooks.ts). */
  onAccess?: (e: DimseAccessEvent) => void;
}

/** One DIMSE operation for the audit log: who (calling AE), what, on which object, and whether it succeeded. */
export interface DimseAccessEvent {
  callingAe: string;
  operation: 'c-store' | 'c-find' | 'c-move' | 'c-get';
  objectType: 'instance' | 'study' | 'query';
  objectId: string;
  ok: boolean;
  status?: number;
}

/** A C-FIND/MOVE/GET in progress. */
export interface Operation {
  assoc: ScpAssociation;
  pc: AcceptedContext;
  rq: Command;
  identifier: Element[];
  /** Set by a C-CANCEL-RQ for this message. */
  cancelled: boolean;
}

/** Permissions of the calling AE: its peer entry, or what accept-any grants an unknown AE. */
export interface Caller {
  aeTitle: string;
  peer: Peer | null;
  mayStore: boolean;
  mayQuery: boolean;
}

type Pending = { kind: 'store'; receiver: StoreReceiver; rq: Command } | { kind: 'collect'; parts: Buffer[]; rq: Command };

const enum State { AwaitRq, Open, Releasing, Closed }

/**
 * The acceptor side of one association: negotiation, then each message dispatched to its service.
 * C-STORE datasets stream into a StoreReceiver as they arrive; the answer waits for the durable commit.
 */
export class ScpAssociation implements LinkHandler {
  readonly link: Link;
  private state = State.AwaitRq;
  private admitted = false;
  caller: Caller | null = null;
  private contexts = new Map<number, AcceptedContext>();
  private readonly pending = new Map<number, Pending>();
  private readonly ops = new Map<number, Operation>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly storeWaiters = new Map<number, (rsp: Command) => void>();
  private nextMessageId = 1;
  private timer: NodeJS.Timeout | null = null;

  constructor(socket: Socket, private readonly ctx: ScpContext) {
    this.link = new Link(socket, this);
    this.arm(ctx.artimMs);
  }

  /** One timer for both ARTIM and idle: re-armed on each message, ignored while an operation runs. */
  private arm(ms: number): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.timeout(), ms);
  }

  private timeout(): void {
    this.timer = null;
    if (this.state === State.Closed) return;
    if (this.state === State.Open && this.inFlight > 0) return this.arm(this.ctx.idleMs);
    this.abort();
  }

  get contextsInUse(): ReadonlyMap<number, AcceptedContext> {
    return this.contexts;
  }

  abort(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.link.abort(ABORT.sourceProvider, ABORT.reasonNotSpecified);
  }

  // ---- LinkHandler ----

  pdu(type: number, body: Buffer): void {
    switch (this.state) {
      case State.AwaitRq:
        if (type !== PDU.associateRq) return this.protocolAbort(ABORT.reasonUnexpectedPdu);
        return this.associate(parseAssociateRq(body));
      case State.Open:
        if (type === PDU.releaseRq) return void this.release();
        if (type === PDU.abort) return this.peerAborted();
        return this.protocolAbort(type === PDU.associateRq || type === PDU.associateAc || type === PDU.associateRj ? ABORT.reasonUnexpectedPdu : ABORT.reasonUnrecognizedPdu);
      case State.Releasing:
        if (type === PDU.abort) return this.peerAborted();
        return;
      default:
        return;
    }
  }

  command(pcId: number, cmd: Command): void {
    if (this.state !== State.Open) {
      if (this.state === State.AwaitRq) this.protocolAbort(ABORT.reasonUnexpectedPdu);
      return;
    }
    const pc = this.contexts.get(pcId);
    if (!pc) throw new PduError(ABORT.reasonInvalidParameter, `message on presentation context ${pcId}, which was not accepted`);
    this.arm(this.ctx.idleMs);
    switch (cmd.commandField) {
      case CMD.cStoreRq: return this.storeRq(pc, cmd);
      case CMD.cEchoRq:
        this.link.sendCommand(pcId, responseFor(cmd, CMD.cEchoRsp, STATUS.success));
        if (cmd.hasDataset) this.pending.set(pcId, { kind: 'collect', parts: [], rq: cmd });
        return;
      case CMD.cFindRq:
      case CMD.cMoveRq:
      case CMD.cGetRq:
        if (!cmd.hasDataset) return this.runOp(pc, cmd, Buffer.alloc(0));
        this.pending.set(pcId, { kind: 'collect', parts: [], rq: cmd });
        return;
      case CMD.cCancelRq: {
        const op = this.ops.get(cmd.messageIdBeingRespondedTo ?? -1);
        if (op) op.cancelled = true;
        return;
      }
      case CMD.cStoreRsp: {
        const w = this.storeWaiters.get(cmd.messageIdBeingRespondedTo ?? -1);
        if (w) {
          this.storeWaiters.delete(cmd.messageIdBeingRespondedTo!);
          w(cmd);
        }
        return;
      }
      default:
        if (cmd.commandField & 0x8000) return; // a response we did not ask for
        if (cmd.hasDataset) this.pending.set(pcId, { kind: 'collect', parts: [], rq: cmd });
        this.link.sendCommand(pcId, responseFor(cmd, cmd.commandField | 0x8000, STATUS.unrecognizedOperation));
    }
  }

  dataset(pcId: number, piece: Buffer, last: boolean): void {
    const p = this.pending.get(pcId);
    if (!p) return;
    if (p.kind === 'store') p.receiver.write(piece);
    else p.parts.push(piece);
    if (!last) return;
    this.pending.delete(pcId);
    this.arm(this.ctx.idleMs);
    if (p.kind === 'store') return void this.storeDone(pcId, p.receiver, p.rq);
    const pc = this.contexts.get(pcId);
    if (pc && (p.rq.commandField === CMD.cFindRq || p.rq.commandField === CMD.cMoveRq || p.rq.commandField === CMD.cGetRq)) this.runOp(pc, p.rq, Buffer.concat(p.parts));
  }

  closed(): void {
    this.state = State.Closed;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pending.values()) if (p.kind === 'store') p.receiver.discard();
    this.pending.clear();
    for (const op of this.ops.values()) op.cancelled = true;
    for (const w of this.storeWaiters.values()) w({ commandField: CMD.cStoreRsp, hasDataset: false, status: STATUS.outOfResources });
    this.storeWaiters.clear();
    this.ctx.closed(this);
  }

  get admittedSlot(): boolean {
    return this.admitted;
  }

  // ---- association establishment and release ----

  private associate(rq: AssociateRq): void {
    const reject = (result: number, source: number, reason: number): void => {
      this.state = State.Closed;
      this.link.write(encodeAssociateRj(result, source, reason));
      this.link.end();
    };
    if (rq.calledAe !== this.ctx.aeTitle) return reject(REJECT.permanent, REJECT.sourceUser, REJECT.reasonCalledAe);
    const peer = this.ctx.peers.get(rq.callingAe) ?? null;
    if (!peer && !this.ctx.peers.acceptAny) return reject(REJECT.permanent, REJECT.sourceUser, REJECT.reasonCallingAe);
    if (rq.applicationContext !== APPLICATION_CONTEXT) return reject(REJECT.permanent, REJECT.sourceUser, REJECT.reasonAppContext);
    if (!(rq.protocolVersion & 1)) return reject(REJECT.permanent, REJECT.sourceAcse, REJECT.reasonProtocolVersion);
    if (!this.ctx.admit()) return reject(REJECT.transient, REJECT.sourcePresentation, REJECT.reasonLocalLimit);
    this.admitted = true;
    // An unknown AE let in by accept-any may store and query; moves still go to registered destinations only.
    this.caller = { aeTitle: rq.callingAe, peer, mayStore: peer ? peer.mayStore : true, mayQuery: peer ? peer.mayQuery : true };
    const n = negotiate(rq);
    this.contexts = n.accepted;
    this.link.peerMaxPdu = rq.user.maxPduLength;
    this.state = State.Open;
    this.link.write(encodeAssociateAc({
      calledAe: rq.calledAe, callingAe: rq.callingAe, applicationContext: APPLICATION_CONTEXT, contexts: n.results,
      user: { maxPduLength: this.ctx.maxPdu, implementationClassUid: IMPLEMENTATION_CLASS_UID, implementationVersion: IMPLEMENTATION_VERSION, roles: n.roles, asyncOps: null },
    }));
    this.arm(this.ctx.idleMs);
  }

  private async release(): Promise<void> {
    this.state = State.Releasing;
    // Answers still being committed go out before the A-RELEASE-RP.
    while (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (this.link.closed) return;
    this.link.write(encodeReleaseRp());
    this.state = State.Closed;
    this.link.end();
  }

  private peerAborted(): void {
    this.state = State.Closed;
    this.link.destroy();
  }

  private protocolAbort(reason: number): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.link.abort(ABORT.sourceProvider, reason);
  }

  private begin(): void {
    this.inFlight++;
  }

  private done(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  // ---- C-STORE ----

  private storeRq(pc: AcceptedContext, cmd: Command): void {
    const caller = this.caller!;
    const full = caller.mayStore && pc.service === 'storage' ? this.ctx.archive.storeRefusal() : null;
    const refusal = !caller.mayStore ? { status: STATUS.notAuthorized, comment: `${caller.aeTitle} may not store here` }
      : pc.service !== 'storage' ? { status: STATUS.sopClassNotSupported, comment: 'not a storage presentation context' }
      // Disk below its reserve: refused before a byte is written (0xA700, out of resources).
      : full ? { status: full.dimse, comment: 'archive disk full: free space below the reserve' }
      : null;
    const receiver = new StoreReceiver(this.ctx.store, this, cmd.affectedSopClassUid ?? '', cmd.affectedSopInstanceUid ?? '', pc.transferSyntax, caller.aeTitle, refusal);
    if (cmd.hasDataset) this.pending.set(pc.id, { kind: 'store', receiver, rq: cmd });
    else void this.storeDone(pc.id, receiver, cmd);
  }

  private async storeDone(pcId: number, receiver: StoreReceiver, rq: Command): Promise<void> {
    this.begin();
    try {
      const r = await receiver.end();
      this.ctx.onAccess?.({ callingAe: this.caller?.aeTitle ?? '', operation: 'c-store', objectType: 'instance', objectId: rq.affectedSopInstanceUid ?? '', ok: r.status === STATUS.success || (r.status & 0xf000) === 0xb000, status: r.status });
      if (this.state === State.Closed && this.link.closed) return;
      this.link.sendCommand(pcId, responseFor(rq, CMD.cStoreRsp, r.status, {
        affectedSopInstanceUid: rq.affectedSopInstanceUid, ...(r.comment && r.status !== STATUS.success ? { errorComment: r.comment } : {}),
      }));
    } finally {
      this.done();
    }
  }

  // ---- C-FIND / C-MOVE / C-GET ----

  private runOp(pc: AcceptedContext, rq: Command, identifierBytes: Buffer): void {
    const rspField = rq.commandField | 0x8000;
    const service = rq.commandField === CMD.cFindRq ? 'find' : rq.commandField === CMD.cMoveRq ? 'move' : 'get';
    if (pc.service !== service) {
      this.link.sendCommand(pc.id, responseFor(rq, rspField, STATUS.sopClassNotSupported, { errorComment: `${service} on a ${pc.service} context` }));
      return;
    }
    if (!this.caller!.mayQuery) {
      this.link.sendCommand(pc.id, responseFor(rq, rspField, STATUS.notAuthorized, { errorComment: `${this.caller!.aeTitle} may not query or retrieve here` }));
      return;
    }
    let identifier: Element[];
    try {
      identifier = readDataset(identifierBytes, pc.transferSyntax !== TS.implicitLE);
    } catch (err) {
      this.link.sendCommand(pc.id, responseFor(rq, rspField, STATUS.cannotUnderstand, { errorComment: (err as Error).message.slice(0, 64) }));
      return;
    }
    const study = textOf(identifier.find((e) => e.tag === 0x0020000d), false);
    this.ctx.onAccess?.({ callingAe: this.caller!.aeTitle, operation: `c-${service}`, objectType: study ? 'study' : 'query', objectId: study || textOf(identifier.find((e) => e.tag === 0x00080052), false), ok: true });
    const op: Operation = { assoc: this, pc, rq, identifier, cancelled: false };
    const id = rq.messageId ?? 0;
    this.ops.set(id, op);
    this.begin();
    this.ctx.services[service](op)
      .catch((err: Error) => {
        if (!this.link.closed) this.link.sendCommand(pc.id, responseFor(rq, rspField, STATUS.processingFailure, { errorComment: err.message.slice(0, 64) }));
      })
      .finally(() => {
        this.ops.delete(id);
        this.done();
      });
  }

  /** Sends a response (with an optional identifier encoded in the context's transfer syntax). */
  async respond(pc: AcceptedContext, cmd: Command, identifier?: Element[]): Promise<void> {
    if (this.link.closed) return;
    const ds = identifier ? writeDataset(identifier, pc.transferSyntax !== TS.implicitLE) : undefined;
    await this.link.sendMessage(pc.id, cmd, ds);
  }

  /** Accepted contexts on which we may send C-STORE for this SOP class (C-GET), by transfer syntax. */
  storeContextFor(sopClassUid: string, transferSyntax: string): AcceptedContext | null {
    for (const pc of this.contexts.values()) if (pc.storeToPeer && pc.abstractSyntax === sopClassUid && pc.transferSyntax === transferSyntax) return pc;
    return null;
  }

  /** A C-STORE sub-operation over this association (C-GET); resolves with the peer's status. */
  async storeToPeer(pc: AcceptedContext, sopClassUid: string, sopInstanceUid: string, dataset: Buffer): Promise<number> {
    if (this.link.closed) return STATUS.outOfResources;
    const messageId = this.nextMessageId++ & 0xffff;
    const answered = new Promise<Command>((r) => this.storeWaiters.set(messageId, r));
    await this.link.sendMessage(pc.id, { commandField: CMD.cStoreRq, messageId, affectedSopClassUid: sopClassUid, affectedSopInstanceUid: sopInstanceUid, priority: 0, hasDataset: true }, dataset);
    const rsp = await answered;
    return rsp.status ?? STATUS.outOfResources;
  }
}

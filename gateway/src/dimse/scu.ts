import net from 'node:net';
import { Link, type LinkHandler } from './link.js';
import { encodeAssociateRq, parseAssociateAc, parseAssociateRj, type ProposedContext, type RoleSelection } from './pdu/associate.js';
import { encodeReleaseRq } from './pdu/writer.js';
import { ABORT, PDU } from './pdu/types.js';
import { CMD, STATUS, type Command } from './command.js';
import { APPLICATION_CONTEXT, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from './uids.js';

export interface ScuOptions {
  host: string;
  port: number;
  callingAe: string;
  calledAe: string;
  contexts: ProposedContext[];
  roles?: RoleSelection[];
  maxPdu: number;
  /** Connect, association and response timeout. */
  timeoutMs: number;
  /** Answers C-STORE requests the peer sends us (C-GET sub-operations); without it they are refused. */
  onStore?: (cmd: Command, dataset: Buffer, pcId: number) => number | Promise<number>;
}

export class AssociationRejected extends Error {
  constructor(readonly result: number, readonly source: number, readonly reason: number) {
    super(`association rejected (result ${result}, source ${source}, reason ${reason})`);
  }
}

/** One accepted context of an SCU association. */
export interface ScuContext {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
}

/**
 * The requestor side: opens an association, sends requests one at a time and waits for their final
 * response (used for C-MOVE sub-operations, and by tests).
 */
export class ScuAssociation implements LinkHandler {
  private link!: Link;
  readonly accepted = new Map<number, ScuContext>();
  private state: 'connecting' | 'open' | 'releasing' | 'closed' = 'connecting';
  private messageId = 1;
  private waiting: { id: number; onRsp: (c: Command, ds: Buffer | null) => boolean; reject: (e: Error) => void } | null = null;
  private rspCommand: Command | null = null;
  private rspParts: Buffer[] = [];
  private rspPc = 0;
  private opened!: { resolve: () => void; reject: (e: Error) => void };
  private releasedResolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly opts: ScuOptions) {}

  static open(opts: ScuOptions): Promise<ScuAssociation> {
    let rq: Buffer;
    try {
      rq = encodeAssociateRq({
        calledAe: opts.calledAe, callingAe: opts.callingAe, applicationContext: APPLICATION_CONTEXT, contexts: opts.contexts,
        user: { maxPduLength: opts.maxPdu, implementationClassUid: IMPLEMENTATION_CLASS_UID, implementationVersion: IMPLEMENTATION_VERSION, roles: opts.roles ?? [], asyncOps: null },
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const a = new ScuAssociation(opts);
    return new Promise<ScuAssociation>((resolve, reject) => {
      a.opened = { resolve: () => resolve(a), reject };
      const socket = net.connect({ host: opts.host, port: opts.port });
      a.link = new Link(socket, a);
      a.watch();
      socket.once('connect', () => a.link.write(rq));
    });
  }

  /** A timer for whatever we wait on (connection, AC, a response, the release). */
  private watch(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.fail(new Error(`no answer from ${this.opts.calledAe} within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
  }

  private fail(err: Error): void {
    this.timer = null;
    if (this.state === 'closed') return;
    if (this.state === 'open' && !this.waiting) return this.watch();
    this.link.abort(ABORT.sourceUser, ABORT.reasonNotSpecified);
    this.closed(err);
  }

  /** Restarts the response timer: the caller sees the peer working elsewhere (C-MOVE sub-operations arriving at our SCP). */
  touch(): void {
    if (this.state === 'open' && this.timer) this.watch();
  }

  /** Context accepted for a SOP class with exactly this transfer syntax. */
  contextFor(abstractSyntax: string, transferSyntax?: string): ScuContext | null {
    for (const c of this.accepted.values()) if (c.abstractSyntax === abstractSyntax && (!transferSyntax || c.transferSyntax === transferSyntax)) return c;
    return null;
  }

  pdu(type: number, body: Buffer): void {
    this.watch();
    if (this.state === 'connecting') {
      if (type === PDU.associateAc) {
        const ac = parseAssociateAc(body);
        for (const r of ac.contexts) {
          const pc = this.opts.contexts.find((p) => p.id === r.id);
          if (r.result === 0 && pc) this.accepted.set(r.id, { id: r.id, abstractSyntax: pc.abstractSyntax, transferSyntax: r.transferSyntax });
        }
        this.link.peerMaxPdu = ac.user.maxPduLength;
        this.state = 'open';
        this.opened.resolve();
        return;
      }
      if (type === PDU.associateRj) {
        const rj = parseAssociateRj(body);
        this.state = 'closed';
        this.link.destroy();
        this.opened.reject(new AssociationRejected(rj.result, rj.source, rj.reason));
        return;
      }
    }
    if (type === PDU.releaseRp && this.state === 'releasing') {
      this.state = 'closed';
      this.link.destroy();
      this.releasedResolve?.();
      return;
    }
    if (type === PDU.abort) return this.closed(new Error('association aborted by the peer'));
    if (type === PDU.releaseRq) {
      // Peer-initiated release: answer it.
      this.link.write(Buffer.from([PDU.releaseRp, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
      return this.closed(new Error('association released by the peer'));
    }
  }

  command(pcId: number, cmd: Command): void {
    this.watch();
    this.rspCommand = cmd;
    this.rspPc = pcId;
    this.rspParts = [];
    if (!cmd.hasDataset) this.deliver(null);
  }

  dataset(_pcId: number, piece: Buffer, last: boolean): void {
    this.watch();
    this.rspParts.push(Buffer.from(piece));
    if (last) this.deliver(Buffer.concat(this.rspParts));
  }

  private deliver(ds: Buffer | null): void {
    const cmd = this.rspCommand!;
    this.rspCommand = null;
    if (cmd.commandField === CMD.cStoreRq) return void this.answerStore(this.rspPc, cmd, ds ?? Buffer.alloc(0));
    const w = this.waiting;
    if (!w || cmd.messageIdBeingRespondedTo !== w.id) return;
    if (w.onRsp(cmd, ds)) this.waiting = null;
  }

  closed(err: Error | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const was = this.state;
    this.state = 'closed';
    const e = err ?? new Error('connection closed');
    if (was === 'connecting') this.opened?.reject(e);
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(e);
    }
    if (was === 'releasing') this.releasedResolve?.();
    this.link?.destroy();
  }

  /**
   * Sends a request and collects responses until a final one (not pending). `onPending` sees each
   * pending response with its identifier.
   */
  request(pcId: number, cmd: Omit<Command, 'messageId'>, dataset?: Buffer, onPending?: (c: Command, ds: Buffer | null) => void): Promise<{ rsp: Command; dataset: Buffer | null }> {
    if (this.state !== 'open') return Promise.reject(new Error('association is not open'));
    const id = this.messageId++ & 0xffff;
    return new Promise((resolve, reject) => {
      this.waiting = {
        id, reject,
        onRsp: (c, ds) => {
          if (c.status === STATUS.pending || c.status === STATUS.pendingWarning) {
            onPending?.(c, ds);
            return false;
          }
          resolve({ rsp: c, dataset: ds });
          return true;
        },
      };
      this.watch();
      this.link.sendMessage(pcId, { ...cmd, messageId: id } as Command, dataset).catch(reject);
    });
  }

  /** C-STORE of a dataset as stored (the transfer syntax of `pc` must be the dataset's). */
  async store(pc: ScuContext, sopClassUid: string, sopInstanceUid: string, dataset: Buffer, originator?: { aeTitle: string; messageId: number }): Promise<number> {
    const { rsp } = await this.request(pc.id, {
      commandField: CMD.cStoreRq, affectedSopClassUid: sopClassUid, affectedSopInstanceUid: sopInstanceUid, priority: 0, hasDataset: true,
      ...(originator ? { moveOriginatorAe: originator.aeTitle, moveOriginatorMessageId: originator.messageId } : {}),
    }, dataset);
    return rsp.status ?? STATUS.processingFailure;
  }

  private async answerStore(pcId: number, cmd: Command, ds: Buffer): Promise<void> {
    let status: number = STATUS.sopClassNotSupported;
    try {
      if (this.opts.onStore) status = await this.opts.onStore(cmd, ds, pcId);
    } catch {
      status = STATUS.processingFailure;
    }
    await this.link.sendMessage(pcId, { commandField: CMD.cStoreRsp, messageIdBeingRespondedTo: cmd.messageId ?? 0, affectedSopClassUid: cmd.affectedSopClassUid, affectedSopInstanceUid: cmd.affectedSopInstanceUid, hasDataset: false, status });
  }

  /** Sends C-CANCEL-RQ for the request in progress. */
  cancel(pcId: number): void {
    if (!this.waiting) return;
    void this.link.sendMessage(pcId, { commandField: CMD.cCancelRq, messageIdBeingRespondedTo: this.waiting.id, hasDataset: false });
  }

  release(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    this.state = 'releasing';
    this.watch();
    return new Promise((resolve) => {
      this.releasedResolve = resolve;
      this.link.write(encodeReleaseRq());
    });
  }

  abort(): void {
    if (this.state === 'closed') return;
    this.link.abort(ABORT.sourceUser, ABORT.reasonNotSpecified);
    this.closed(new Error('aborted'));
  }
}

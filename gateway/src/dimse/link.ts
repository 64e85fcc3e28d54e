import type { Socket } from 'node:net';
import { PduReader } from './pdu/reader.js';
import { encodeAbort, pDataParts, pDataPdus } from './pdu/writer.js';
import { ABORT, PDU, PDV_COMMAND, PDV_LAST, PduError } from './pdu/types.js';
import { decodeCommand, encodeCommand, CommandError, type Command } from './command.js';

/** What a link reports to the association that owns it. */
export interface LinkHandler {
  /** A non-data PDU (associate, release, abort). */
  pdu(type: number, body: Buffer): void;
  /** A whole command set. If it announces a dataset, `dataset` calls follow. */
  command(pcId: number, cmd: Command): void;
  /** A piece of the dataset after the last command on `pcId`; `last` ends the message. */
  dataset(pcId: number, piece: Buffer, last: boolean): void;
  /** The socket is gone (after close, error or abort). */
  closed(err: Error | null): void;
}

/**
 * One DICOM upper-layer connection: PDU parsing, message (command + dataset) assembly and sending.
 * Shared by the acceptor (SCP) and requestor (SCU) sides.
 */
export class Link {
  /** Largest PDU the peer receives (from its A-ASSOCIATE user information); 0 = no limit. */
  peerMaxPdu = 16384;
  private readonly reader: PduReader;
  private readonly commandParts = new Map<number, Buffer[]>();
  /** Contexts whose last command announced a dataset that has not fully arrived. */
  private readonly datasetOpen = new Set<number>();
  private closedAlready = false;
  private drainWaiters: (() => void)[] = [];

  constructor(readonly socket: Socket, private readonly handler: LinkHandler) {
    this.reader = new PduReader({
      pdu: (type, body) => this.handler.pdu(type, body),
      pdv: (pcId, control, data, end) => this.pdv(pcId, control, data, end),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
      } catch (err) {
        this.protocolError(err as Error);
      }
    });
    socket.on('drain', () => {
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
    });
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish(null));
  }

  get closed(): boolean {
    return this.closedAlready;
  }

  private finish(err: Error | null): void {
    if (this.closedAlready) return;
    this.closedAlready = true;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
    this.handler.closed(err);
  }

  private pdv(pcId: number, control: number, data: Buffer, end: boolean): void {
    if (control & PDV_COMMAND) {
      let parts = this.commandParts.get(pcId);
      if (!parts) this.commandParts.set(pcId, (parts = []));
      parts.push(data);
      if (!(end && control & PDV_LAST)) return;
      this.commandParts.delete(pcId);
      const cmd = decodeCommand(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      if (cmd.hasDataset) this.datasetOpen.add(pcId);
      this.handler.command(pcId, cmd);
      return;
    }
    if (!this.datasetOpen.has(pcId)) throw new PduError(ABORT.reasonUnexpectedPdu, `dataset PDV on context ${pcId} without a command announcing it`);
    const last = end && (control & PDV_LAST) !== 0;
    if (last) this.datasetOpen.delete(pcId);
    this.handler.dataset(pcId, data, last);
  }

  /** Malformed PDU stream or command set: A-ABORT (service provider) and close. */
  private protocolError(err: Error): void {
    const reason = err instanceof PduError ? err.reason : err instanceof CommandError ? ABORT.reasonInvalidParameter : ABORT.reasonNotSpecified;
    this.abort(ABORT.sourceProvider, reason);
  }

  /** Writes raw PDU bytes (whole PDUs only). */
  write(buf: Buffer): boolean {
    if (this.closedAlready || this.socket.destroyed) return false;
    return this.socket.write(buf);
  }

  /**
   * Sends a command and, if given, its dataset, fragmented to the peer's maximum PDU size. The PDUs are
   * written corked: one writev for the whole message, no copy of the dataset, no small packets. When this
   * returns, the bytes are with the kernel as far as it takes them (callers may then do synchronous work,
   * e.g. read the next file); the promise waits for the socket to drain.
   */
  sendMessage(pcId: number, cmd: Command, dataset?: Buffer): Promise<void> {
    if (this.closedAlready || this.socket.destroyed) return Promise.resolve();
    const c = encodeCommand({ ...cmd, hasDataset: dataset !== undefined });
    this.socket.cork();
    let ok = true;
    for (const p of pDataParts(pcId, true, c, this.peerMaxPdu)) ok = this.socket.write(p);
    if (dataset) for (const p of pDataParts(pcId, false, dataset, this.peerMaxPdu)) ok = this.socket.write(p);
    this.socket.uncork();
    if (ok || this.closedAlready) return Promise.resolve();
    return new Promise<void>((r) => this.drainWaiters.push(r));
  }

  /** Sends a command without a dataset and does not wait for the socket to drain (hot path responses). */
  sendCommand(pcId: number, cmd: Command): void {
    const c = encodeCommand({ ...cmd, hasDataset: false });
    for (const b of pDataPdus(pcId, true, c, this.peerMaxPdu)) this.write(b);
  }

  /** Sends an A-ABORT and closes the connection once it is written. */
  abort(source: number, reason: number): void {
    if (this.closedAlready) return;
    if (!this.socket.destroyed) this.socket.end(encodeAbort(source, reason));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Closes after what is queued has been written. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export { PDU };

import { ABORT, PDU, PduError } from './types.js';

/** Where parsed PDUs go. `pdv` gets PDV values in pieces that are views into the socket chunks (no copy). */
export interface PduSink {
  /** Any PDU other than P-DATA-TF, with its whole body (after the 6-byte header). */
  pdu(type: number, body: Buffer): void;
  /** A piece of one PDV value; `end` marks the PDV's last piece. `control` is the message control header. */
  pdv(pcId: number, control: number, data: Buffer, end: boolean): void;
}

const enum State { PduHeader, PdvHeader, PdvData, Body }

/**
 * Incremental PDU parser. Socket chunks are kept as they are: P-DATA values are handed on as subarrays,
 * and bytes are only copied when a 6-byte PDU/PDV header, or a (small) non-data PDU body, straddles chunks.
 */
export class PduReader {
  private state = State.PduHeader;
  private readonly head = Buffer.alloc(6);
  private headFill = 0;
  /** Bytes left in the current P-DATA-TF PDU (after its header). */
  private pduLeft = 0;
  private pdvLeft = 0;
  private pcId = 0;
  private control = 0;
  private bodyType = 0;
  private body: Buffer | null = null;
  private bodyFill = 0;
  private failed = false;

  /** `maxBody` bounds non-data PDUs (associate, release, abort), which are kept whole in memory. */
  constructor(private readonly sink: PduSink, private readonly maxBody = 1 << 20) {}

  /** Feeds one socket chunk. Throws PduError on a malformed stream; the reader is unusable afterwards. */
  push(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      switch (this.state) {
        case State.PduHeader: {
          let h: Buffer;
          let at: number;
          if (this.headFill === 0 && len - off >= 6) {
            h = chunk;
            at = off;
            off += 6;
          } else {
            const n = Math.min(6 - this.headFill, len - off);
            chunk.copy(this.head, this.headFill, off, off + n);
            this.headFill += n;
            off += n;
            if (this.headFill < 6) return;
            this.headFill = 0;
            h = this.head;
            at = 0;
          }
          const type = h[at]!;
          const length = h.readUInt32BE(at + 2);
          if (type < PDU.associateRq || type > PDU.abort) throw new PduError(ABORT.reasonUnrecognizedPdu, `unknown PDU type 0x${type.toString(16)}`);
          if (type === PDU.pData) {
            if (length < 6) throw new PduError(ABORT.reasonInvalidParameter, `P-DATA-TF of ${length} bytes`);
            this.pduLeft = length;
            this.state = State.PdvHeader;
          } else {
            if (length > this.maxBody) throw new PduError(ABORT.reasonInvalidParameter, `PDU type ${type} of ${length} bytes`);
            this.bodyType = type;
            if (length === 0) {
              this.sink.pdu(type, Buffer.alloc(0));
            } else if (len - off >= length) {
              const body = chunk.subarray(off, off + length);
              off += length;
              this.sink.pdu(type, body);
            } else {
              this.body = Buffer.allocUnsafe(length);
              this.bodyFill = 0;
              this.state = State.Body;
            }
          }
          break;
        }
        case State.Body: {
          const body = this.body!;
          const n = Math.min(body.length - this.bodyFill, len - off);
          chunk.copy(body, this.bodyFill, off, off + n);
          this.bodyFill += n;
          off += n;
          if (this.bodyFill === body.length) {
            this.body = null;
            this.state = State.PduHeader;
            this.sink.pdu(this.bodyType, body);
          }
          break;
        }
        case State.PdvHeader: {
          if (this.pduLeft < 6) throw new PduError(ABORT.reasonInvalidParameter, 'PDV header runs past its P-DATA-TF');
          let h: Buffer;
          let at: number;
          if (this.headFill === 0 && len - off >= 6) {
            h = chunk;
            at = off;
            off += 6;
          } else {
            const n = Math.min(6 - this.headFill, len - off);
            chunk.copy(this.head, this.headFill, off, off + n);
            this.headFill += n;
            off += n;
            if (this.headFill < 6) return;
            this.headFill = 0;
            h = this.head;
            at = 0;
          }
          const pdvLength = h.readUInt32BE(at);
          this.pcId = h[at + 4]!;
          this.control = h[at + 5]!;
          this.pduLeft -= 6;
          if (pdvLength < 2 || pdvLength - 2 > this.pduLeft) throw new PduError(ABORT.reasonInvalidParameter, `PDV length ${pdvLength} does not fit its P-DATA-TF`);
          if (this.pcId % 2 === 0 || this.control > 3) throw new PduError(ABORT.reasonInvalidParameter, `bad PDV header (context ${this.pcId}, control ${this.control})`);
          this.pdvLeft = pdvLength - 2;
          if (this.pdvLeft === 0) {
            this.afterPdv();
            this.sink.pdv(this.pcId, this.control, Buffer.alloc(0), true);
          } else {
            this.state = State.PdvData;
          }
          break;
        }
        case State.PdvData: {
          const n = Math.min(this.pdvLeft, len - off);
          const piece = chunk.subarray(off, off + n);
          off += n;
          this.pdvLeft -= n;
          this.pduLeft -= n;
          const end = this.pdvLeft === 0;
          if (end) this.afterPdv();
          this.sink.pdv(this.pcId, this.control, piece, end);
          break;
        }
      }
    }
  }

  private afterPdv(): void {
    this.state = this.pduLeft > 0 ? State.PdvHeader : State.PduHeader;
  }
}

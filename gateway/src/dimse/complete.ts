import { TS } from './uids.js';

const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;
const LONG_VR = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/** Where the walker is: a list of elements (the dataset or an undefined-length item), or the items of an undefined-length sequence. */
interface Level {
  kind: 'elements' | 'items';
  explicit: boolean;
  /** Elements of an undefined-length item end with an item delimiter; the dataset itself ends with the data. */
  inItem: boolean;
}

/**
 * Checks, as the pieces of a dataset stream by, that it is structurally whole: its elements (values skipped
 * by length; undefined-length sequences and encapsulated pixel data followed item by item) end exactly at
 * its last byte. A dataset cut anywhere but between two top-level elements fails. Only headers are read,
 * so the cost is nil whatever the size. Deflated datasets cannot be walked and count as whole.
 */
export class DatasetWalker {
  private readonly le: boolean;
  private readonly skipAll: boolean;
  private readonly stack: Level[];
  private readonly hdr = Buffer.alloc(12);
  private have = 0;
  private skip = 0;
  private bad = false;

  constructor(transferSyntax: string) {
    this.skipAll = transferSyntax === TS.deflatedLE;
    this.le = transferSyntax !== TS.explicitBE;
    this.stack = [{ kind: 'elements', explicit: transferSyntax !== TS.implicitLE, inItem: false }];
  }

  /** True once the bytes seen so far end exactly after a top-level element. */
  get complete(): boolean {
    return this.skipAll || (!this.bad && this.stack.length === 1 && this.have === 0 && this.skip === 0);
  }

  push(piece: Buffer): void {
    if (this.skipAll || this.bad) return;
    let off = 0;
    while (off < piece.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, piece.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      const level = this.stack[this.stack.length - 1]!;
      const need = this.headerSize(level);
      const n = Math.min(need - this.have, piece.length - off);
      piece.copy(this.hdr, this.have, off, off + n);
      this.have += n;
      off += n;
      if (this.have < need) continue;
      // A long explicit VR needs 12 bytes: headerSize() now says so if it was 8.
      if (this.headerSize(level) > this.have) continue;
      this.have = 0;
      this.header(level);
      if (this.bad) return;
    }
  }

  /** Header bytes needed at this point (8, or 12 for an explicit long VR once its VR is known). */
  private headerSize(level: Level): number {
    if (level.kind === 'items' || !level.explicit || this.have < 6) return 8;
    if (this.tag() >>> 16 === 0xfffe) return 8;
    return LONG_VR.has(this.hdr.toString('latin1', 4, 6)) ? 12 : 8;
  }

  private tag(): number {
    const h = this.hdr;
    return this.le ? ((h.readUInt16LE(0) << 16) | h.readUInt16LE(2)) >>> 0 : ((h.readUInt16BE(0) << 16) | h.readUInt16BE(2)) >>> 0;
  }

  private u32(o: number): number {
    return this.le ? this.hdr.readUInt32LE(o) : this.hdr.readUInt32BE(o);
  }

  private header(level: Level): void {
    const tag = this.tag();
    if (level.kind === 'items') {
      const len = this.u32(4);
      if (tag === SEQ_END) this.stack.pop();
      else if (tag !== ITEM) this.bad = true;
      else if (len === UNDEFINED) this.stack.push({ kind: 'elements', explicit: level.explicit, inItem: true });
      else this.skip = len;
      return;
    }
    if (tag === ITEM_END) {
      if (level.inItem) this.stack.pop();
      else this.bad = true;
      return;
    }
    if (tag === ITEM || tag === SEQ_END) {
      this.bad = true;
      return;
    }
    let vr = '';
    let len: number;
    if (level.explicit) {
      vr = this.hdr.toString('latin1', 4, 6);
      len = LONG_VR.has(vr) ? this.u32(8) : this.le ? this.hdr.readUInt16LE(6) : this.hdr.readUInt16BE(6);
    } else {
      len = this.u32(4);
    }
    if (len !== UNDEFINED) {
      this.skip = len;
      return;
    }
    // Undefined length: a sequence (inside a UN one, implicit VR) or encapsulated pixel data.
    this.stack.push({ kind: 'items', explicit: level.explicit && vr !== 'UN', inItem: false });
  }
}

/** Whole-buffer form of DatasetWalker. */
export function isComplete(bytes: Buffer, start: number, transferSyntax: string): boolean {
  const w = new DatasetWalker(transferSyntax);
  w.push(bytes.subarray(start));
  return w.complete;
}

/** The Part 10 file meta group (PS3.10 7.1): where the dataset starts, and which transfer syntax it names. */

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV']);

/** One walk over group 0002 (explicit VR little endian): where the dataset starts and the (0002,0010) it names. */
function readMeta(bytes: Buffer): { offset: number; transferSyntax: string | null } {
  let transferSyntax: string | null = null;
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return { offset: 0, transferSyntax };
  let off = 132;
  while (off + 8 <= bytes.length && bytes.readUInt16LE(off) === 0x0002) {
    const long = LONG_VRS.has(bytes.toString('latin1', off + 4, off + 6));
    const head = long ? 12 : 8;
    const len = long ? bytes.readUInt32LE(off + 8) : bytes.readUInt16LE(off + 6);
    if (bytes.readUInt16LE(off + 2) === 0x0010) transferSyntax = bytes.toString('latin1', off + head, off + head + len).replace(/[\0 ]+$/, '');
    off += head + len;
  }
  return { offset: off, transferSyntax };
}

/** Offset of the dataset in stored bytes: after the preamble and file meta group, or 0 without them. */
export function datasetOffset(bytes: Buffer): number {
  return readMeta(bytes).offset;
}

/** The file meta's Transfer Syntax UID (0002,0010), or null for a bare dataset. */
export function metaTransferSyntax(bytes: Buffer): string | null {
  return readMeta(bytes).transferSyntax;
}

/**
 * True when two Part 10 files hold the very same dataset bytes in the same transfer syntax, whatever else their
 * file meta says (the sending AE, the implementation that wrote it): one instance, received twice.
 */
export function sameDataset(a: Buffer, b: Buffer): boolean {
  const ma = readMeta(a);
  const mb = readMeta(b);
  return a.length - ma.offset === b.length - mb.offset && ma.transferSyntax === mb.transferSyntax && a.subarray(ma.offset).equals(b.subarray(mb.offset));
}

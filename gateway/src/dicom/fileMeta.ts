/** The Part 10 file meta group (PS3.10 7.1): where the dataset starts, and which transfer syntax it names. */

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV']);

/** Walks group 0002 (explicit VR little endian), calling `visit` per element; returns the dataset's offset. */
function walkMeta(bytes: Buffer, visit?: (elem: number, value: Buffer) => void): number {
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return 0;
  let off = 132;
  while (off + 8 <= bytes.length && bytes.readUInt16LE(off) === 0x0002) {
    const elem = bytes.readUInt16LE(off + 2);
    const long = LONG_VRS.has(bytes.toString('latin1', off + 4, off + 6));
    const head = long ? 12 : 8;
    const len = long ? bytes.readUInt32LE(off + 8) : bytes.readUInt16LE(off + 6);
    visit?.(elem, bytes.subarray(off + head, off + head + len));
    off += head + len;
  }
  return off;
}

/** Offset of the dataset in stored bytes: after the preamble and file meta group, or 0 without them. */
export function datasetOffset(bytes: Buffer): number {
  return walkMeta(bytes);
}

/** The file meta's Transfer Syntax UID (0002,0010), or null for a bare dataset. */
export function metaTransferSyntax(bytes: Buffer): string | null {
  let ts: string | null = null;
  walkMeta(bytes, (elem, value) => {
    if (elem === 0x0010) ts = value.toString('latin1').replace(/[\0 ]+$/, '');
  });
  return ts;
}

/**
 * True when two Part 10 files hold the very same dataset bytes in the same transfer syntax, whatever else their
 * file meta says (the sending AE, the implementation that wrote it): one instance, received twice.
 */
export function sameDataset(a: Buffer, b: Buffer): boolean {
  const oa = datasetOffset(a);
  const ob = datasetOffset(b);
  return a.length - oa === b.length - ob && metaTransferSyntax(a) === metaTransferSyntax(b) && a.subarray(oa).equals(b.subarray(ob));
}

import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from './uids.js';

/** Part 10 preamble + file meta group for a received dataset (PS3.10 7.1). */
export function fileMetaPrefix(sopClassUid: string, sopInstanceUid: string, transferSyntax: string, sourceAe: string): Buffer {
  const els: Buffer[] = [];
  const el = (elem: number, vr: string, value: Buffer): void => {
    const long = vr === 'OB';
    const h = Buffer.alloc(long ? 12 : 8);
    h.writeUInt16LE(0x0002, 0);
    h.writeUInt16LE(elem, 2);
    h.write(vr, 4, 'latin1');
    if (long) h.writeUInt32LE(value.length, 8);
    else h.writeUInt16LE(value.length, 6);
    els.push(h, value);
  };
  const text = (s: string, pad: string): Buffer => Buffer.from(s.length % 2 ? s + pad : s, 'latin1');
  el(0x0001, 'OB', Buffer.from([0, 1]));
  el(0x0002, 'UI', text(sopClassUid, '\0'));
  el(0x0003, 'UI', text(sopInstanceUid, '\0'));
  el(0x0010, 'UI', text(transferSyntax, '\0'));
  el(0x0012, 'UI', text(IMPLEMENTATION_CLASS_UID, '\0'));
  el(0x0013, 'SH', text(IMPLEMENTATION_VERSION, ' '));
  if (sourceAe) el(0x0016, 'AE', text(sourceAe, ' '));
  const body = Buffer.concat(els);
  const head = Buffer.alloc(128 + 4 + 12);
  head.write('DICM', 128, 'latin1');
  head.writeUInt16LE(0x0002, 132);
  head.writeUInt16LE(0x0000, 134);
  head.write('UL', 136, 'latin1');
  head.writeUInt16LE(4, 138);
  head.writeUInt32LE(body.length, 140);
  return Buffer.concat([head, body]);
}

/** Where the dataset starts in stored bytes (the file meta's own module, shared with the archive). */
export { datasetOffset } from '../dicom/fileMeta.js';

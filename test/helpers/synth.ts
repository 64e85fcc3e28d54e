import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
// dcmjs has no typings; this helper is the only place the tests touch its writer.
const dcmjs = require('dcmjs') as {
  log?: { setLevel?: (l: string) => void };
  data: { datasetToDict: (ds: Record<string, unknown>) => { write: () => ArrayBuffer } };
};
dcmjs.log?.setLevel?.('silent');

/** A fresh UID under 2.25 (UUID-derived), as a real modality would mint. */
export function newUid(): string {
  return `2.25.${BigInt('0x' + crypto.randomBytes(16).toString('hex')).toString()}`;
}

/**
 * A small valid Part 10 instance (Secondary Capture, 4x4 8-bit, UTF-8) with the given attributes
 * (dcmjs naturalized keywords) overriding the defaults.
 */
export function makeInstance(attrs: Record<string, unknown> = {}, opts: { pixels?: Uint8Array; transferSyntax?: string } = {}): Buffer {
  const sop = (attrs.SOPInstanceUID as string | undefined) ?? newUid();
  const sopClass = (attrs.SOPClassUID as string | undefined) ?? '1.2.840.10008.5.1.4.1.1.7';
  const pixels = opts.pixels ?? Uint8Array.from({ length: 16 }, (_, i) => i * 16);
  const ds: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClass,
    SOPInstanceUID: sop,
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'OT',
    PatientName: 'TEST^PATIENT',
    PatientID: 'P0001',
    StudyDate: '20240101',
    StudyTime: '101010',
    Rows: 4,
    Columns: 4,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    InstanceNumber: 1,
    ...attrs,
    PixelData: pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength),
    _vrMap: { PixelData: 'OB' },
    _meta: {
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: opts.transferSyntax ?? '1.2.840.10008.1.2.1',
      ImplementationClassUID: '2.25.1234567',
    },
  };
  return Buffer.from(dcmjs.data.datasetToDict(ds).write());
}

/** A small PNG made by hand (zlib + CRC-32): a grey gradient, no face, no metadata. */
export function tinyPng(w = 32, h = 32): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 0; // 8-bit greyscale
  const rows = Buffer.concat(Array.from({ length: h }, (_, y) => Buffer.from([0, ...Array.from({ length: w }, (_, x) => (x * 4 + y * 2) & 0xff)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import type { Archive } from '../archive/Archive.js';
import { parseInstance } from '../dicom/index.js';
import { HoiError } from '../errors.js';

interface DcmjsElement { vr: string; Value?: unknown[] }
type DcmjsDict = Record<string, DcmjsElement>;
interface Dcmjs {
  log: { setLevel(l: string): void };
  data: { DicomDict: new (meta: DcmjsDict) => { dict: DcmjsDict; write(): ArrayBuffer } };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
dcmjs.log.setLevel('silent');

export const ENCAPSULATED_PDF_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.104.1';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '2.25.229451600072090404564544894284998027172';

/** A UID under 2.25 from a name (stable for the same name) or random. */
export function uuidUid(name?: string): string {
  const bytes = name === undefined ? crypto.randomBytes(16) : crypto.createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | (name === undefined ? 0x40 : 0x50);
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString()}`;
}

/** What the Encapsulated PDF instance says about itself (pseudonymous: the consulting side reads it). */
export interface EncapsulatedPdfInfo {
  readonly studyUid: string;
  readonly pseudonym: string;
  readonly title: string;
  /** e.g. the consult id, in StudyID/AccessionNumber so a PACS user can find it. */
  readonly consultId: string;
  readonly seriesUid?: string;
  readonly sopInstanceUid?: string;
  readonly when?: Date;
}

const dt = (d: Date) => ({ date: d.toISOString().slice(0, 10).replace(/-/g, ''), time: d.toISOString().slice(11, 19).replace(/:/g, '') });

/** A DICOM Encapsulated PDF instance (PS3.3 A.45.1) as Part 10 bytes, written with dcmjs. */
export function encapsulatedPdf(pdf: Uint8Array, info: EncapsulatedPdfInfo): { bytes: Buffer; sopInstanceUid: string; seriesUid: string } {
  const sop = info.sopInstanceUid ?? uuidUid();
  const series = info.seriesUid ?? uuidUid(`${info.studyUid}/documents`);
  const now = dt(info.when ?? new Date());
  // OB must be even: pad the PDF with one NUL, as PS3.3 C.24.2.1 allows.
  const body = pdf.length % 2 === 0 ? pdf : Buffer.concat([pdf, Buffer.alloc(1)]);
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const s = (vr: string, v: string | number): DcmjsElement => ({ vr, Value: [v] });
  const d = new dcmjs.data.DicomDict({
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': s('UI', ENCAPSULATED_PDF_SOP_CLASS),
    '00020003': s('UI', sop),
    '00020010': s('UI', EXPLICIT_LE),
    '00020012': s('UI', IMPLEMENTATION_CLASS_UID),
  });
  d.dict = {
    '00080005': s('CS', 'ISO_IR 192'),
    '00080012': s('DA', now.date),
    '00080013': s('TM', now.time),
    '00080016': s('UI', ENCAPSULATED_PDF_SOP_CLASS),
    '00080018': s('UI', sop),
    '00080020': s('DA', now.date),
    '00080023': s('DA', now.date),
    '00080030': s('TM', now.time),
    '00080033': s('TM', now.time),
    '00080050': s('SH', info.consultId.slice(0, 16)),
    '00080060': s('CS', 'DOC'),
    '00080064': s('CS', 'WSD'),
    '00080070': s('LO', 'Hoichan'),
    '00100010': { vr: 'PN', Value: [{ Alphabetic: info.pseudonym }] },
    '00100020': s('LO', info.pseudonym),
    '00100030': { vr: 'DA', Value: [] },
    '00100040': { vr: 'CS', Value: [] },
    '0020000D': s('UI', info.studyUid),
    '0020000E': s('UI', series),
    '00200010': s('SH', info.consultId.slice(0, 16)),
    '00200011': s('IS', 9001),
    '00200013': s('IS', 1),
    '00280301': s('CS', 'NO'),
    '0008103E': s('LO', 'Hoichan documents'),
    '0008002A': s('DT', `${now.date}${now.time}`),
    '00420010': s('ST', info.title.slice(0, 1024)),
    '00420011': { vr: 'OB', Value: [ab] },
    '00420012': s('LO', 'application/pdf'),
    '0040A043': { vr: 'SQ', Value: [] },
    '0040A493': s('CS', 'VERIFIED'),
  };
  return { bytes: Buffer.from(d.write()), sopInstanceUid: sop, seriesUid: series };
}

/** Stores Part 10 bytes in the archive (temp blob, parse, archive.store) and returns the outcome's UIDs. */
export async function storeInstance(archive: Archive, bytes: Buffer): Promise<{ studyUid: string; seriesUid: string; sopInstanceUid: string }> {
  const parsed = parseInstance(bytes);
  const temp = archive.blobs.createTemp();
  temp.write(bytes);
  const { size, sha256 } = await temp.finish();
  const [out] = await archive.store([{ temp, parsed, size, sha256 }]);
  if (!out || out.status === 'failed') throw out?.status === 'failed' ? out.error : new HoiError('HOI_ERR_STORAGE', 'nothing stored');
  return { studyUid: out.studyUid, seriesUid: out.seriesUid, sopInstanceUid: out.sopInstanceUid };
}

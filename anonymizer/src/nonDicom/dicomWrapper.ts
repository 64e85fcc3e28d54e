/**
 * Builds the DICOM wrapper of a de-identified attachment (issue 4 §5, G-1.2): the case's pseudonymous patient and
 * study, nothing from the source file's metadata. Used by `wrapPhoto` (Secondary Capture, modality XC) and
 * `wrapPdf` (Encapsulated PDF).
 */
import { createHash } from 'node:crypto';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, ANONYMIZER_VERSION } from '../deidentify.js';
import { type DicomDataset, type DicomElement, writePart10 } from '../dicom/io.js';
import { AnonymizerError } from '../errors.js';
import { derivedUid } from '../rules/replaceUid.js';
import type { Identity } from '../text/identity.js';

/** Where a wrapped attachment goes: the case's pseudonymous patient and study. */
export interface AttachmentTarget {
  /** Site secret (≥ 16 bytes); derives the new Series and SOP Instance UIDs. */
  readonly siteSecret: string | Uint8Array;
  /** The case pseudonym, written as Patient's Name and Patient ID. */
  readonly pseudonym: string;
  /** The pseudonymous Study Instance UID of the case's pack (e.g. from `deidentifyInstance`'s output). */
  readonly studyInstanceUid: string;
  /** Series Instance UID; default derived from the study UID and the attachment kind. */
  readonly seriesInstanceUid?: string;
  readonly instanceNumber?: number;
  /** Patient's Sex (M, F, O) and Age (e.g. "045Y"), kept under Retain Patient Characteristics. */
  readonly patientSex?: string;
  readonly patientAge?: string;
  /** The source patient's identity: the leak gate checks the output (and a PDF's text) against it. */
  readonly identity?: Identity;
  /** A short title already free of identity (e.g. "Ảnh tổn thương da"); default none. */
  readonly title?: string;
}

export function secretOf(t: AttachmentTarget): Uint8Array {
  const s = typeof t.siteSecret === 'string' ? Buffer.from(t.siteSecret, 'utf8') : t.siteSecret;
  if (s.length < 16) throw new AnonymizerError('BAD_KEY', 'site secret must be at least 16 bytes');
  if (!t.pseudonym.trim() || t.pseudonym.length > 64 || /[\\^=\r\n\t]/.test(t.pseudonym) || /[^\x20-\x7e]/.test(t.pseudonym)) {
    throw new AnonymizerError('BAD_OPTIONS', 'pseudonym must be 1-64 printable ASCII characters without \\ ^ =');
  }
  if (!/^[0-9]+(\.[0-9]+)*$/.test(t.studyInstanceUid) || t.studyInstanceUid.length > 64) {
    throw new AnonymizerError('BAD_OPTIONS', 'studyInstanceUid is not a UID');
  }
  return s;
}

const el = (vr: string, ...Value: unknown[]): DicomElement => ({ vr, Value });

/** Patient, study, series, equipment and SOP common attributes of a wrapper, under the case pseudonym. */
export function wrapperDataset(
  t: AttachmentTarget,
  kind: 'photo' | 'pdf',
  sopClassUid: string,
  source: Uint8Array,
  method: readonly string[],
): { ds: DicomDataset; sopInstanceUid: string } {
  const secret = secretOf(t);
  const hash = createHash('sha256').update(source).digest('hex');
  const sopInstanceUid = derivedUid(secret, `attachment:${hash}`);
  const ds: DicomDataset = {
    '00080005': el('CS', 'ISO_IR 192'),
    '00080016': el('UI', sopClassUid),
    '00080018': el('UI', sopInstanceUid),
    '00080020': el('DA'),
    '00080030': el('TM'),
    '00080050': el('SH'),
    '00080060': el('CS', kind === 'pdf' ? 'DOC' : 'XC'),
    '00080064': el('CS', kind === 'pdf' ? 'SD' : 'DI'),
    '00080070': el('LO'),
    '00080090': el('PN'),
    '00100010': el('PN', { Alphabetic: t.pseudonym }),
    '00100020': el('LO', t.pseudonym),
    '00100030': el('DA'),
    '00100040': el('CS', ...(t.patientSex && /^[MFO]$/.test(t.patientSex) ? [t.patientSex] : [])),
    '00120062': el('CS', 'YES'),
    '00120063': el('LO', `Hoichan anonymizer ${ANONYMIZER_VERSION}`, ...method.map((m) => m.slice(0, 64))),
    '0020000D': el('UI', t.studyInstanceUid),
    '0020000E': el('UI', t.seriesInstanceUid ?? derivedUid(secret, `attachments:${kind}:${t.studyInstanceUid}`)),
    '00200010': el('SH'),
    '00200011': el('IS', '1'),
    '00200013': el('IS', String(t.instanceNumber ?? 1)),
  };
  if (t.patientAge && /^\d{3}[DWMY]$/.test(t.patientAge)) ds['00101010'] = el('AS', t.patientAge);
  if (t.title) ds[kind === 'pdf' ? '00420010' : '00204000'] = el(kind === 'pdf' ? 'ST' : 'LT', t.title);
  return { ds, sopInstanceUid };
}

/** Writes a wrapper with our File Meta Information. */
export function writeWrapper(ds: DicomDataset, transferSyntaxUid: string): Buffer {
  const meta: DicomDataset = {
    '00020001': el('OB', new Uint8Array([0, 1]).buffer),
    '00020002': ds['00080016'],
    '00020003': ds['00080018'],
    '00020010': el('UI', transferSyntaxUid),
    '00020012': el('UI', IMPLEMENTATION_CLASS_UID),
    '00020013': el('SH', IMPLEMENTATION_VERSION_NAME),
  };
  return writePart10(meta, ds);
}

/** Copies bytes into an ArrayBuffer padded to even length (DICOM values are even). */
export function evenBuffer(b: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(b.length + (b.length % 2));
  out.set(b);
  return out.buffer;
}

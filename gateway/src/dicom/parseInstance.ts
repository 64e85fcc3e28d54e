import { createHash } from 'node:crypto';
import dicomParser, { type DataSet } from 'dicom-parser';
import { readDataset, type ParsedDataset } from '../render/readDataset.js';
import { TranscodeError } from '../render/TranscodeError.js';
import { parseCharsets, decodeText, CHARSET_VRS } from './charsets.js';
import { datasetJson, pickJson, vrOf, type JsonContext } from './dicomJson.js';
import { INSTANCE_TAGS, SERIES_TAGS, STUDY_TAGS } from './levels.js';
import { DicomParseError, type IndexFields, type ParsedInstance } from './types.js';

function messageOf(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Maps a dicom-parser / sniffing failure onto the reasons STOW and C-STORE report. */
function failure(err: unknown): DicomParseError {
  const m = messageOf(err);
  if (/neither a Part 10|not a valid|DICM prefix|plausible/i.test(m)) return new DicomParseError('not-dicom', m);
  if (/past end|overread|beyond|buffer|length|end of/i.test(m)) return new DicomParseError('truncated', m);
  return new DicomParseError('not-dicom', m);
}

/** Parses only up to Pixel Data: for a header window cut out of a body too large to hold whole. */
function readHeaderOnly(bytes: Uint8Array): ParsedDataset {
  const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
  const ts = (ds.string('x00020010') ?? '').replace(/\0/g, '').trim();
  return { dataSet: ds, transferSyntaxUid: ts, hasFileMeta: true, explicitVr: ts !== '1.2.840.10008.1.2', littleEndian: ts !== '1.2.840.10008.1.2.2' };
}

/**
 * Reads what the archive indexes from one instance and precomputes its DICOM JSON. The bytes are not
 * copied (dicom-parser keeps offsets); pixel data is only located. `partial` marks a header window of a
 * larger body.
 */
export function parseInstance(bytes: Uint8Array, opts: { partial?: boolean } = {}): ParsedInstance {
  let parsed: ParsedDataset;
  try {
    parsed = opts.partial ? readHeaderOnly(bytes) : readDataset(bytes);
  } catch (err) {
    if (err instanceof TranscodeError) throw failure(err.message);
    throw failure(err);
  }
  const ds = parsed.dataSet;
  const px = (tag: string): number => ds.uint16(tag) ?? 0;
  const charsets = parseCharsets(ds.string('x00080005'));

  const str = (tag: string, set: DataSet = ds): string | null => {
    const el = set.elements[tag];
    if (!el || !el.length) return null;
    const vr = el.vr ?? '';
    const b = set.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const s = CHARSET_VRS.has(vr) || (!el.vr && (tag === 'x00100010' || tag === 'x00080090' || tag === 'x00081030' || tag === 'x0008103e'))
      ? decodeText(b, charsets)
      : Buffer.from(b).toString('latin1');
    const v = s.replace(/\0+$/, '').trim();
    return v === '' ? null : v;
  };
  const first = (tag: string, set?: DataSet): string | null => str(tag, set)?.split('\\')[0]?.trim() || null;
  const int = (tag: string): number | null => {
    const el = ds.elements[tag];
    if (!el || !el.length) return null;
    const vr = el.vr;
    if (vr === 'US' || (!vr && (tag === 'x00280010' || tag === 'x00280011' || tag === 'x00280100'))) return ds.uint16(tag) ?? null;
    const n = parseInt(first(tag) ?? '', 10);
    return Number.isFinite(n) ? n : null;
  };
  const pn = (tag: string): string | null => {
    const v = str(tag);
    if (!v) return null;
    const groups = v.split('\\')[0]!.split('=');
    return (groups.find((g) => g.trim() !== '') ?? '').trim() || null;
  };
  const reqAttr = ds.elements.x00400275?.items?.[0]?.dataSet;

  const sopClassUid = first('x00080016') ?? first('x00020002');
  const sopInstanceUid = first('x00080018') ?? first('x00020003');
  const missing = [!sopClassUid && 'SOPClassUID', !sopInstanceUid && 'SOPInstanceUID'].filter(Boolean);
  if (missing.length) throw new DicomParseError('missing-uid', `missing ${missing.join(', ')}`);
  // Some secondary captures carry no Study/Series UID. Like a PACS would, file them under UIDs derived
  // from the SOP Instance UID (same instance → same study), and say so (STOW WarningReason 0xB000).
  const coerced: string[] = [];
  let studyInstanceUid = first('x0020000d');
  let seriesInstanceUid = first('x0020000e');
  if (!studyInstanceUid) {
    studyInstanceUid = derivedUid('study', sopInstanceUid!);
    coerced.push('0020000D');
  }
  if (!seriesInstanceUid) {
    seriesInstanceUid = derivedUid('series', sopInstanceUid!);
    coerced.push('0020000E');
  }
  if (!parsed.transferSyntaxUid) throw new DicomParseError('not-dicom', 'no transfer syntax');

  const fields: IndexFields = {
    patientId: first('x00100020'),
    issuerOfPatientId: first('x00100021'),
    patientName: pn('x00100010'),
    patientBirthDate: first('x00100030'),
    patientSex: first('x00100040'),
    studyInstanceUid: studyInstanceUid!,
    studyDate: first('x00080020'),
    studyTime: first('x00080030'),
    accessionNumber: first('x00080050'),
    referringPhysicianName: pn('x00080090'),
    studyId: first('x00200010'),
    studyDescription: str('x00081030'),
    timezoneOffsetFromUtc: first('x00080201'),
    seriesInstanceUid: seriesInstanceUid!,
    modality: first('x00080060'),
    seriesNumber: int('x00200011'),
    seriesDescription: str('x0008103e'),
    seriesDate: first('x00080021'),
    seriesTime: first('x00080031'),
    performedProcedureStepStartDate: first('x00400244'),
    performedProcedureStepStartTime: first('x00400245'),
    scheduledProcedureStepId: reqAttr ? first('x00400009', reqAttr) : null,
    requestedProcedureId: reqAttr ? first('x00401001', reqAttr) : null,
    bodyPartExamined: first('x00180015'),
    sopClassUid: sopClassUid!,
    sopInstanceUid: sopInstanceUid!,
    instanceNumber: int('x00200013'),
    rows: int('x00280010'),
    columns: int('x00280011'),
    bitsAllocated: int('x00280100'),
    numberOfFrames: int('x00280008'),
    photometricInterpretation: first('x00280004'),
    contentDate: first('x00080023'),
    contentTime: first('x00080033'),
    specificCharacterSet: str('x00080005'),
    transferSyntaxUid: parsed.transferSyntaxUid,
  };

  const ctx: JsonContext = {
    byteArray: ds.byteArray,
    littleEndian: parsed.littleEndian,
    explicitVr: parsed.explicitVr,
    charsets,
    bulkBase: `{{BASE}}/studies/${fields.studyInstanceUid}/series/${fields.seriesInstanceUid}/instances/${fields.sopInstanceUid}/bulk`,
    pixelRepresentation: px('x00280103'),
    bitsAllocated: px('x00280100'),
  };
  void vrOf;
  const add = (obj: string, tag: string, uid: string): string => {
    const el = `"${tag}":{"vr":"UI","Value":[${JSON.stringify(uid)}]}`;
    return obj === '{}' ? `{${el}}` : `${obj.slice(0, -1)},${el}}`;
  };
  let metadata = datasetJson(ds, ctx);
  let study = pickJson(ds, ctx, STUDY_TAGS);
  let series = pickJson(ds, ctx, SERIES_TAGS);
  if (coerced.includes('0020000D')) {
    metadata = add(metadata, '0020000D', studyInstanceUid);
    study = add(study, '0020000D', studyInstanceUid);
  }
  if (coerced.includes('0020000E')) {
    metadata = add(metadata, '0020000E', seriesInstanceUid);
    series = add(series, '0020000E', seriesInstanceUid);
  }
  return {
    fields,
    hasFileMeta: parsed.hasFileMeta,
    coerced,
    json: { metadata, study, series, instance: pickJson(ds, ctx, INSTANCE_TAGS) },
  };
}

/** A stable UID under 2.25 for a level the instance does not name. */
function derivedUid(level: string, sopInstanceUid: string): string {
  const h = createHash('sha256').update(`hoichan:${level}:${sopInstanceUid}`).digest();
  return `2.25.${BigInt('0x' + h.subarray(0, 16).toString('hex')).toString()}`;
}

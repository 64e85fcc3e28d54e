import { createHash } from 'node:crypto';
import type { DataSet } from 'dicom-parser';
import { charsetDecoder } from './charsets.js';
import { elementJson, orderedTags, tagKey, type JsonContext } from './dicomJson.js';
import { indexFields } from './fields.js';
import { LEVEL_OF } from './levels.js';
import { readDataset, type ReadOptions } from './readDataset.js';
import { DicomParseError, type InstanceJson, type ParsedInstance } from './types.js';

/**
 * Reads what the archive indexes from one instance and precomputes its DICOM JSON (whole metadata and the
 * study/series/instance QIDO fragments). dicom-parser only records offsets: nothing is copied and pixel
 * data is located, never read. With `partial`, the bytes are a header window of a larger body (pixel data
 * may be cut). Throws DicomParseError.
 */
export function parseInstance(bytes: Uint8Array, opts: ReadOptions = {}): ParsedInstance {
  const parsed = readDataset(bytes, opts);
  const ds = parsed.dataSet;
  const buf = ds.byteArray as Buffer;
  const latin1 = (set: DataSet | null, tag: string): string => {
    const el = set?.elements[tag];
    return el && el.length ? (set!.byteArray as Buffer).toString('latin1', el.dataOffset, el.dataOffset + el.length) : '';
  };
  const uid = (set: DataSet | null, tag: string): string => latin1(set, tag).replace(/[\0 ]+$/, '').trim().split('\\')[0]!.trim();

  // SOP Class/Instance UID: the dataset's, else the file meta's copy.
  const sopClassUid = uid(ds, 'x00080016') || uid(parsed.meta, 'x00020002');
  const sopInstanceUid = uid(ds, 'x00080018') || uid(parsed.meta, 'x00020003');
  const missing = [!sopClassUid && 'SOPClassUID', !sopInstanceUid && 'SOPInstanceUID'].filter(Boolean);
  if (missing.length) throw new DicomParseError('missing-uid', `no ${missing.join(' and no ')}`);
  // Some secondary captures carry no Study/Series UID. Like a PACS would, file them under UIDs derived
  // from the SOP Instance UID (same instance → same study), and say so (STOW WarningReason 0xB000).
  const coerced: string[] = [];
  let studyInstanceUid = uid(ds, 'x0020000d');
  let seriesInstanceUid = uid(ds, 'x0020000e');
  if (!studyInstanceUid) {
    studyInstanceUid = derivedUid('study', sopInstanceUid);
    coerced.push('0020000D');
  }
  if (!seriesInstanceUid) {
    seriesInstanceUid = derivedUid('series', sopInstanceUid);
    coerced.push('0020000E');
  }

  const u16 = (tag: string): number => {
    const el = ds.elements[tag];
    return el && el.length >= 2 ? (parsed.littleEndian ? buf.readUInt16LE(el.dataOffset) : buf.readUInt16BE(el.dataOffset)) : 0;
  };
  const ctx: JsonContext = {
    bytes: buf,
    littleEndian: parsed.littleEndian,
    explicitVr: parsed.explicitVr,
    charset: charsetDecoder(latin1(ds, 'x00080005')),
    bitsAllocated: u16('x00280100'),
    pixelRepresentation: u16('x00280103'),
    bulkBase: `{{BASE}}/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}/bulk/`,
  };
  // The index and the JSON must agree: write in UIDs that came from the meta or were derived.
  const written: [string, string][] = [];
  if (!uid(ds, 'x00080016')) written.push(['00080016', sopClassUid]);
  if (!uid(ds, 'x00080018')) written.push(['00080018', sopInstanceUid]);
  if (coerced.includes('0020000D')) written.push(['0020000D', studyInstanceUid]);
  if (coerced.includes('0020000E')) written.push(['0020000E', seriesInstanceUid]);

  return {
    fields: indexFields(ds, ctx, { sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid }, parsed.transferSyntaxUid),
    json: instanceJson(ds, ctx, written),
    hasFileMeta: parsed.hasFileMeta,
    coerced,
  };
}

/**
 * The metadata object and the three QIDO level fragments in one pass over the dataset (keys ascending).
 * `uids` (8-hex tag, UID; ascending) replace or add UI elements.
 */
function instanceJson(ds: DataSet, ctx: JsonContext, uids: [string, string][]): InstanceJson {
  const parts = ['', '', '', '']; // metadata, study, series, instance
  const add = (key: string, member: string) => {
    parts[0] += parts[0] ? ',' + member : member;
    const level = LEVEL_OF.get(key);
    if (level) parts[level] += parts[level] ? ',' + member : member;
  };
  const uidMember = (key: string, value: string) => `"${key}":{"vr":"UI","Value":[${JSON.stringify(value)}]}`;
  let u = 0;
  for (const tag of orderedTags(ds)) {
    const key = tagKey(tag);
    while (u < uids.length && uids[u]![0] < key) add(uids[u]![0], uidMember(...uids[u++]!));
    if (u < uids.length && uids[u]![0] === key) {
      add(key, uidMember(...uids[u++]!));
      continue;
    }
    add(key, `"${key}":${elementJson(ds.elements[tag]!, ctx, key)}`);
  }
  while (u < uids.length) add(uids[u]![0], uidMember(...uids[u++]!));
  return { metadata: `{${parts[0]}}`, study: `{${parts[1]}}`, series: `{${parts[2]}}`, instance: `{${parts[3]}}` };
}

/** A stable UID under 2.25 for a level the instance does not name. */
function derivedUid(level: string, sopInstanceUid: string): string {
  const h = createHash('sha256').update(`hoichan:${level}:${sopInstanceUid}`).digest();
  return `2.25.${BigInt('0x' + h.subarray(0, 16).toString('hex')).toString()}`;
}

/**
 * JPEG/PNG photos attached to a case (issue 4 §5, G-1.2, G-2.4): EXIF, XMP, IPTC, ICC and GPS metadata are
 * stripped (the pixels are decoded and re-encoded by sharp, which writes no metadata unless asked), the EXIF
 * orientation is applied first so the image stays upright, faces are covered, and the result is wrapped as a
 * Secondary Capture Image (modality XC) under the case's pseudonymous patient and study.
 *
 * JPEG input is re-encoded as JPEG Baseline (quality 92, Photometric YBR_FULL_422 as cameras write it; libjpeg
 * subsamples chroma 4:2:0): one more lossy generation, instead of an uncompressed image ten times larger. PNG input stays lossless (native RGB, Explicit VR LE).
 */
import sharp, { type Metadata } from 'sharp';
import { type DicomDataset, hasPart10Marker, TS } from '../dicom/io.js';
import { AnonymizerError } from '../errors.js';
import { leakScan, type LeakHit } from '../leakScan.js';
import { detectFaces, type FaceDetectOptions, maskBoxes } from '../pixels/faces.js';
import type { Box } from '../pixels/image.js';
import { type AttachmentTarget, evenBuffer, wrapperDataset, writeWrapper } from './dicomWrapper.js';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

/** Report of a wrapped attachment (never holds a value of the source). */
export interface AttachmentReport {
  readonly kind: 'photo' | 'pdf';
  /** Metadata blocks found in the source and removed (e.g. "exif", "xmp", "gps", "Info", "XMP metadata"). */
  readonly metadataRemoved: readonly string[];
  /** Faces covered (photos). */
  readonly faces?: readonly Box[];
  readonly warnings: readonly string[];
  readonly leakHits?: readonly LeakHit[];
}

/** Outcome of wrapping an attachment. */
export type AttachmentOutcome =
  | { readonly status: 'released'; readonly part10: Buffer; readonly sopInstanceUid: string; readonly report: AttachmentReport }
  | { readonly status: 'quarantined'; readonly reason: string; readonly report: AttachmentReport };

/** Kind of an attachment from its first bytes. */
export function sniffAttachment(b: Uint8Array): 'jpeg' | 'png' | 'pdf' | undefined {
  if (hasPart10Marker(b)) return undefined; // a DICOM file (an Encapsulated PDF may hold "%PDF-" early on)
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (Buffer.from(b.subarray(0, 1024)).includes('%PDF-')) return 'pdf';
  return undefined;
}

/** True when an EXIF block (as sharp returns it: "Exif\0\0" + TIFF) has a GPS IFD pointer (tag 0x8825) in IFD0. */
function hasGpsIfd(exif: Buffer): boolean {
  const tiff = exif.subarray(exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? 6 : 0);
  if (tiff.length < 8) return false;
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number): number => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const ifd0 = le ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  if (ifd0 + 2 > tiff.length) return false;
  const n = u16(ifd0);
  for (let i = 0; i < n && ifd0 + 2 + i * 12 + 2 <= tiff.length; i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}

/** Options of `wrapPhoto`. */
export interface PhotoOptions {
  /** Cover faces (default true; G-2.4). */
  readonly faces?: boolean;
  readonly faceDetect?: FaceDetectOptions;
}

/** Strips metadata from a JPEG/PNG photo, covers faces and wraps it as DICOM. */
export async function wrapPhoto(bytes: Uint8Array, target: AttachmentTarget, opts: PhotoOptions = {}): Promise<AttachmentOutcome> {
  const kind = sniffAttachment(bytes);
  if (kind !== 'jpeg' && kind !== 'png') throw new AnonymizerError('BAD_OPTIONS', 'not a JPEG or PNG image');
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw new AnonymizerError('UNREADABLE', 'image could not be decoded');
  }
  const removed: string[] = [];
  if (meta.exif) removed.push('exif');
  if (meta.exif && hasGpsIfd(meta.exif)) removed.push('gps');
  if (meta.xmp) removed.push('xmp');
  if (meta.iptc) removed.push('iptc');
  if (meta.icc) removed.push('icc');
  if (meta.comments?.length) removed.push('comments');
  // rotate() with no argument applies the EXIF orientation, before the EXIF block is dropped.
  const { data, info } = await sharp(bytes).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const warnings: string[] = [];
  let faces: Box[] = [];
  if (opts.faces !== false) {
    try {
      faces = await detectFaces(rgb, info.width, info.height, opts.faceDetect);
    } catch (err) {
      return {
        status: 'quarantined',
        reason: `face detection failed (${err instanceof Error ? err.message.slice(0, 80) : 'error'})`,
        report: { kind: 'photo', metadataRemoved: removed, warnings },
      };
    }
    maskBoxes(rgb, info.width, info.height, 3, faces);
  }
  const { ds, sopInstanceUid } = wrapperDataset(
    target,
    'photo',
    SECONDARY_CAPTURE,
    bytes,
    [`non-DICOM ${kind.toUpperCase()} attachment`, `metadata stripped: ${removed.join(', ') || 'none found'}`, `${faces.length} face(s) covered`],
  );
  const image: DicomDataset = {
    '00080008': { vr: 'CS', Value: ['DERIVED', 'SECONDARY'] },
    '00200020': { vr: 'CS', Value: [] },
    '00200060': { vr: 'CS', Value: [] }, // Laterality: Type 2C (paired body part unknown here)
    '00280002': { vr: 'US', Value: [3] },
    '00280006': { vr: 'US', Value: [0] },
    '00280010': { vr: 'US', Value: [info.height] },
    '00280011': { vr: 'US', Value: [info.width] },
    '00280100': { vr: 'US', Value: [8] },
    '00280101': { vr: 'US', Value: [8] },
    '00280102': { vr: 'US', Value: [7] },
    '00280103': { vr: 'US', Value: [0] },
  };
  if (opts.faces !== false) image['00280302'] = { vr: 'CS', Value: ['NO'] };
  let ts: string;
  if (kind === 'jpeg') {
    const jpeg = await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer();
    image['00280004'] = { vr: 'CS', Value: ['YBR_FULL_422'] };
    image['00282110'] = { vr: 'CS', Value: ['01'] };
    image['00282112'] = { vr: 'DS', Value: [((info.width * info.height * 3) / jpeg.length).toFixed(2)] };
    image['00282114'] = { vr: 'CS', Value: ['ISO_10918_1'] };
    image['7FE00010'] = { vr: 'OB', Value: [evenBuffer(jpeg)] };
    ts = JPEG_BASELINE;
  } else {
    image['00280004'] = { vr: 'CS', Value: ['RGB'] };
    image['7FE00010'] = { vr: 'OB', Value: [evenBuffer(rgb)] };
    ts = TS.explicitLE;
  }
  const part10 = writeWrapper({ ...ds, ...image }, ts);
  const report: AttachmentReport = { kind: 'photo', metadataRemoved: removed, faces, warnings };
  if (target.identity) {
    const scan = leakScan(part10, target.identity);
    if (!scan.clean) return { status: 'quarantined', reason: `leak gate found ${scan.hits.length} trace(s) of the patient's identity`, report: { ...report, leakHits: scan.hits } };
  }
  return { status: 'released', part10, sopInstanceUid, report };
}

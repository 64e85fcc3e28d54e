/**
 * The pixel stage (issue 4 §4): Clean Pixel Data (PS3.15 E.3.1) and Clean Recognizable Visual Features (E.3.2,
 * guideline G-2.4) on one dataset, before the header rules run.
 *
 * What runs on which image:
 *  - Ultrasound with Sequence of Ultrasound Regions: everything outside the union of the regions is blanked (as
 *    CTP and pydicom-deid do): the patient banner and the device's text live outside the imaging regions.
 *  - Any image matching a device signature (burnedInSignatures.ts): the signature's regions are blanked.
 *  - Images of modalities that burn text (US without regions, OT, XA, RF, CR, DX, MG, IO, PX and every Secondary
 *    Capture) whose Burned In Annotation is YES or absent, and any image that says YES: the text detector runs and
 *    its boxes are blanked.
 *  - Photographic images (XC, VL, OP, ES, GM, SM modality, VL SOP classes, colour Secondary Capture): faces are
 *    detected and covered.
 * Multi-frame images: detection runs on the first, middle and last frame and the union of the boxes is blanked in
 * every frame (burned-in text is an overlay that does not move; detection on all 96 frames of an XA run would cost
 * seconds per instance).
 *
 * An image that needs a step that cannot run (pixels not decodable, option off), that says Burned In Annotation
 * YES while no step located any text, or Recognizable Visual Features YES while no face was found, is
 * `uncleanable`: the caller must quarantine it (never release it).
 */
import type { DicomDataset } from '../dicom/io.js';
import { BURNED_IN_SIGNATURES, type BurnedInSignature } from './burnedInSignatures.js';
import { detectFaces, type FaceDetectOptions } from './faces.js';
import { type Box, decodeImage, encodeImage, fillBoxes, frameCount, greyFrame, hasPixelData, PixelDecodeError, type PixelImage, rgbFrame } from './image.js';
import { detectTextBoxes, type TextDetectOptions } from './textDetect.js';
import { signatureMatches } from './signatureMatch.js';

/** Options of the pixel stage. */
export interface PixelCleanOptions {
  /** Clean Pixel Data (burned-in text). Default true. */
  readonly cleanPixelData?: boolean;
  /** Clean Recognizable Visual Features (faces). Default true. */
  readonly cleanRecognizableVisualFeatures?: boolean;
  /** Device signatures; default BURNED_IN_SIGNATURES. */
  readonly signatures?: readonly BurnedInSignature[];
  readonly text?: TextDetectOptions;
  readonly faces?: FaceDetectOptions;
}

/** One step of the pixel stage that changed pixels. */
export interface PixelStep {
  readonly kind: 'us-regions' | 'signature' | 'text' | 'faces' | 'overlay-bits';
  /** Signature id, region count… never a value of the image. */
  readonly detail: string;
  /** Boxes blanked (per frame). */
  readonly boxes: readonly Box[];
}

/** Report of the pixel stage. */
export interface PixelCleanReport {
  /** untouched: nothing applied to this image; cleaned: pixels rewritten; uncleanable: must be quarantined. */
  readonly status: 'untouched' | 'cleaned' | 'uncleanable';
  readonly steps: readonly PixelStep[];
  /** Why the image cannot be cleaned (status uncleanable). */
  readonly reason?: string;
  /** Burned In Annotation of the source. */
  readonly burnedInAnnotation: 'YES' | 'NO' | 'absent';
  /** True when burned-in text cleaning examined this image (CID 7050 113101 may be declared). */
  readonly cleanedPixelData: boolean;
  /** True when face detection examined this image (113102 may be declared). */
  readonly cleanedRecognizableVisualFeatures: boolean;
  /** Transfer syntax of the output dataset (lossless re-encode, or Explicit VR Little Endian, when pixels were rewritten). */
  readonly transferSyntaxUid: string;
}

const TEXT_MODALITIES = new Set(['US', 'OT', 'XA', 'RF', 'CR', 'DX', 'MG', 'IO', 'PX', 'XC', 'ES', 'DOC']);
const PHOTO_MODALITIES = new Set(['XC', 'VL', 'OP', 'ES', 'GM', 'SM', 'OPT']);
const SC_PREFIX = '1.2.840.10008.5.1.4.1.1.7';
const VL_PREFIX = '1.2.840.10008.5.1.4.1.1.77.1';

function str(ds: DicomDataset, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v.trim().toUpperCase() : '';
}

function numbers(ds: DicomDataset, tag: string): number {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'number' ? v : Number(v);
}

/** What the pixel stage would do for this dataset (no pixels decoded). */
export function pixelPlan(ds: DicomDataset, opts: PixelCleanOptions = {}): {
  regions: boolean;
  signatures: BurnedInSignature[];
  text: boolean;
  faces: boolean;
  burnedInAnnotation: 'YES' | 'NO' | 'absent';
} {
  const modality = str(ds, '00080060');
  const sopClass = str(ds, '00080016');
  const bia = str(ds, '00280301');
  const burnedInAnnotation = bia === 'YES' ? 'YES' : bia === 'NO' ? 'NO' : 'absent';
  const cleanPixelData = opts.cleanPixelData ?? true;
  const cleanFaces = opts.cleanRecognizableVisualFeatures ?? true;
  if (!hasPixelData(ds)) return { regions: false, signatures: [], text: false, faces: false, burnedInAnnotation };
  const regions = modality === 'US' && ultrasoundRegions(ds).length > 0;
  const isSc = sopClass.startsWith(SC_PREFIX);
  const spp = numbers(ds, '00280002') || 1;
  const colour = spp === 3 || str(ds, '00280004') === 'PALETTE COLOR';
  const photo = PHOTO_MODALITIES.has(modality) || sopClass.startsWith(VL_PREFIX) || (isSc && colour && modality !== 'US');
  return {
    regions: cleanPixelData && regions,
    signatures: cleanPixelData ? (opts.signatures ?? BURNED_IN_SIGNATURES).filter((s) => signatureMatches(ds, s)) : [],
    text: cleanPixelData && !regions && burnedInAnnotation !== 'NO' && (TEXT_MODALITIES.has(modality) || isSc || burnedInAnnotation === 'YES'),
    // Recognizable Visual Features YES (e.g. a volume rendering of the head) gets the face step whatever the modality.
    faces: cleanFaces && (photo || str(ds, '00280302') === 'YES'),
    burnedInAnnotation,
  };
}

/** Boxes of the Sequence of Ultrasound Regions (inclusive max coordinates in DICOM, exclusive here). */
export function ultrasoundRegions(ds: DicomDataset): Box[] {
  const items = (ds['00186011']?.Value ?? []) as DicomDataset[];
  const boxes: Box[] = [];
  for (const it of items) {
    const [x0, y0, x1, y1] = ['00186018', '0018601A', '0018601C', '0018601E'].map((t) => numbers(it, t));
    if ([x0, y0, x1, y1].every(Number.isFinite) && x1 >= x0 && y1 >= y0) boxes.push({ x0, y0, x1: x1 + 1, y1: y1 + 1 });
  }
  return boxes;
}

/** The complement of `keep` inside a w × h image, as boxes (row bands; good enough for a handful of regions). */
function outside(keep: readonly Box[], w: number, h: number): Box[] {
  const out: Box[] = [];
  for (let y = 0; y < h; y++) {
    const spans = keep.filter((b) => y >= b.y0 && y < b.y1).map((b) => [Math.max(0, b.x0), Math.min(w, b.x1)] as const);
    spans.sort((a, b) => a[0] - b[0]);
    let x = 0;
    for (const [a, b] of spans) {
      if (a > x) out.push({ x0: x, y0: y, x1: a, y1: y + 1 });
      x = Math.max(x, b);
    }
    if (x < w) out.push({ x0: x, y0: y, x1: w, y1: y + 1 });
  }
  // merge identical spans of consecutive rows into taller boxes
  const merged: Box[] = [];
  for (const b of out) {
    const prev = merged.find((m) => m.x0 === b.x0 && m.x1 === b.x1 && m.y1 === b.y0);
    if (prev) merged[merged.indexOf(prev)] = { ...prev, y1: b.y1 };
    else merged.push(b);
  }
  return merged;
}

function sampleFrames(n: number): number[] {
  return [...new Set([0, Math.floor((n - 1) / 2), n - 1])];
}

/** Clears the bits above Bits Stored (overlays hidden in the high bits of Pixel Data, PS3.5 8.1.2 retired usage). */
function clearHighBits(img: PixelImage): boolean {
  if (img.bitsAllocated !== 16 || img.bitsStored >= 16 || img.pixelRepresentation) return false;
  const mask = (1 << img.bitsStored) - 1;
  let changed = false;
  for (const f of img.frames) {
    const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
    for (let i = 0; i + 1 < f.length; i += 2) {
      const x = v.getUint16(i, true);
      if (x & ~mask) {
        v.setUint16(i, x & mask, true);
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * Runs the pixel stage on `ds` (modified in place when pixels are cleaned). `ts` is the dataset's transfer
 * syntax. Never throws for image content: problems come back as status `uncleanable` with a reason.
 */
export async function cleanPixels(ds: DicomDataset, ts: string, opts: PixelCleanOptions = {}): Promise<PixelCleanReport> {
  const plan = pixelPlan(ds, opts);
  const base = { burnedInAnnotation: plan.burnedInAnnotation, transferSyntaxUid: ts, cleanedPixelData: false, cleanedRecognizableVisualFeatures: false };
  const needed = plan.regions || plan.signatures.length > 0 || plan.text || plan.faces;
  if (!needed) {
    // Only reachable with an option off (an image that says YES gets the text / face step otherwise).
    if (plan.burnedInAnnotation === 'YES' && hasPixelData(ds)) {
      return { ...base, status: 'uncleanable', steps: [], reason: 'Burned In Annotation is YES and Clean Pixel Data is off' };
    }
    if (str(ds, '00280302') === 'YES' && hasPixelData(ds)) {
      return { ...base, status: 'uncleanable', steps: [], reason: 'Recognizable Visual Features is YES and Clean Recognizable Visual Features is off' };
    }
    return { ...base, status: 'untouched', steps: [] };
  }
  // Detection alone (no region to blank) looks at the sample frames first; the whole run is decoded only when
  // something must be masked.
  const detectOnly = !plan.regions && plan.signatures.length === 0;
  const samples = sampleFrames(hasPixelData(ds) ? frameCount(ds) : 1);
  let img: PixelImage;
  try {
    img = await decodeImage(ds, ts, detectOnly ? samples : undefined);
  } catch (err) {
    const reason = err instanceof PixelDecodeError ? err.message : `pixel data could not be decoded (${err instanceof Error ? err.name : 'error'})`;
    return { ...base, status: 'uncleanable', steps: [], reason };
  }
  const sampleIndex = (i: number): number => (detectOnly ? i : samples[i]);
  const steps: PixelStep[] = [];
  const w = img.columns;
  const h = img.rows;
  const found: { kind: 'text' | 'faces'; boxes: Box[] }[] = [];
  if (plan.text) {
    const boxes = samples.flatMap((_, i) => detectTextBoxes(greyFrame(img, sampleIndex(i)), w, h, opts.text));
    if (boxes.length) found.push({ kind: 'text', boxes });
  }
  if (plan.faces) {
    const boxes: Box[] = [];
    try {
      for (let i = 0; i < samples.length; i++) boxes.push(...(await detectFaces(rgbFrame(img, sampleIndex(i)), w, h, opts.faces)));
    } catch (err) {
      return { ...base, status: 'uncleanable', steps, reason: `face detection failed (${err instanceof Error ? err.message.slice(0, 80) : 'error'})` };
    }
    if (boxes.length) found.push({ kind: 'faces', boxes });
  }
  if (detectOnly && found.length && img.frames.length !== frameCount(ds)) {
    try {
      img = await decodeImage(ds, ts);
    } catch (err) {
      return { ...base, status: 'uncleanable', steps, reason: err instanceof Error ? err.message : 'pixel data could not be decoded' };
    }
  }
  if (plan.regions) {
    const boxes = outside(ultrasoundRegions(ds), w, h);
    fillBoxes(img, boxes);
    steps.push({ kind: 'us-regions', detail: `blanked outside ${ultrasoundRegions(ds).length} ultrasound region(s)`, boxes });
  }
  for (const s of plan.signatures) {
    const boxes = s.regions.map(([x, y, bw, bh]) => ({ x0: x, y0: y, x1: x + bw, y1: y + bh }));
    fillBoxes(img, boxes);
    steps.push({ kind: 'signature', detail: s.id, boxes });
  }
  for (const f of found) {
    fillBoxes(img, f.boxes);
    steps.push({ kind: f.kind, detail: f.kind === 'text' ? `${f.boxes.length} text box(es) detected` : `${f.boxes.length} face(s) covered`, boxes: f.boxes });
  }
  const textSteps = steps.filter((s) => s.kind !== 'faces');
  if (plan.burnedInAnnotation === 'YES' && textSteps.length === 0) {
    return { ...base, status: 'uncleanable', steps, reason: 'Burned In Annotation is YES but no burned-in text was located' };
  }
  if (str(ds, '00280302') === 'YES' && !steps.some((s) => s.kind === 'faces')) {
    const why = plan.faces ? 'no face was located' : 'Clean Recognizable Visual Features is off';
    return { ...base, status: 'uncleanable', steps, reason: `Recognizable Visual Features is YES but ${why}` };
  }
  const cleanedPixelData = plan.regions || plan.signatures.length > 0 || plan.text;
  if (steps.length === 0) {
    // Examined and found nothing to remove: pixels stay byte-identical (no re-encode).
    return { ...base, status: 'untouched', steps, cleanedPixelData, cleanedRecognizableVisualFeatures: plan.faces };
  }
  if (clearHighBits(img)) steps.push({ kind: 'overlay-bits', detail: 'bits above Bits Stored cleared', boxes: [] });
  const outTs = encodeImage(ds, img, ts);
  if (cleanedPixelData && textSteps.length > 0) ds['00280301'] = { vr: 'CS', Value: ['NO'] };
  if (plan.faces) ds['00280302'] = { vr: 'CS', Value: ['NO'] }; // Recognizable Visual Features
  return { ...base, status: 'cleaned', steps, cleanedPixelData, cleanedRecognizableVisualFeatures: plan.faces, transferSyntaxUid: outTs };
}

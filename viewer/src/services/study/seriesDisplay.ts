import type { DicomJson, SeriesDisplay, SeriesSummary } from '../../types';
import { TAG, num, nums, str } from '../../dataSource/dicomJson';

/** Modalities whose instances carry no displayable pixels. */
const NON_IMAGE_MODALITIES = new Set(['SR', 'KO', 'PR', 'RTSTRUCT', 'RTPLAN', 'RTRECORD', 'ECG', 'HD', 'DOC', 'REG', 'FID', 'AU']);
/** Modalities that may be reconstructed in three planes. */
const VOLUME_MODALITIES = new Set(['CT', 'MR', 'PT', 'NM']);
/** Fewest parallel slices worth an MPR. */
export const MPR_MIN_SLICES = 20;

export interface OrderedInstance {
  ds: DicomJson;
  sopUid: string;
  frames: number;
}

/** Has pixels the image loader can draw (rows, columns and some pixel data attribute). */
export function hasPixels(ds: DicomJson): boolean {
  const rows = num(ds, TAG.Rows);
  const cols = num(ds, TAG.Columns);
  // WADO-RS metadata may leave bulk data (PixelData) out altogether: rows and columns are the sign.
  return !!rows && !!cols;
}

/**
 * Display order of a series' instances: by InstanceNumber when every instance has a distinct one (the
 * modality's intended order); otherwise by position along the shared slice normal (superior / left /
 * posterior first); otherwise by SOP Instance UID, so the order is stable.
 */
export function orderInstances(list: DicomJson[]): OrderedInstance[] {
  const items = list.map((ds) => ({ ds, sopUid: str(ds, TAG.SOPInstanceUID), frames: Math.max(1, num(ds, TAG.NumberOfFrames) ?? 1) }));
  const byNumber = (a: OrderedInstance, b: OrderedInstance) =>
    (num(a.ds, TAG.InstanceNumber) ?? 1e9) - (num(b.ds, TAG.InstanceNumber) ?? 1e9) || a.sopUid.localeCompare(b.sopUid);
  const numbers = items.map((i) => num(i.ds, TAG.InstanceNumber));
  if (numbers.every((n) => n !== null) && new Set(numbers).size === items.length) return items.sort(byNumber);
  const normal = commonNormal(list);
  if (normal && items.every((i) => nums(i.ds, TAG.ImagePositionPatient).length === 3)) {
    const d = (i: OrderedInstance) => dot(nums(i.ds, TAG.ImagePositionPatient), normal);
    const distinct = new Set(items.map((i) => d(i).toFixed(3)));
    // Only when positions really differ (a stack of identical positions is a time series: keep numbers).
    if (distinct.size === items.length) {
      // Head first for axial (superior last in patient coordinates: descending z reads top → bottom like PACS do).
      return items.sort((a, b) => d(b) - d(a) || byNumber(a, b));
    }
  }
  return items.sort(byNumber);
}

/** The slice normal shared by all instances (their ImageOrientationPatient agree), or null. */
export function commonNormal(list: DicomJson[]): number[] | null {
  let first: number[] | null = null;
  for (const ds of list) {
    const iop = nums(ds, TAG.ImageOrientationPatient);
    if (iop.length !== 6) return null;
    if (!first) first = iop;
    else if (iop.some((v, k) => Math.abs(v - first![k]!) > 1e-3)) return null;
  }
  if (!first) return null;
  const [a, b, c, d, e, f] = first as [number, number, number, number, number, number];
  return [b * f - c * e, c * d - a * f, a * e - b * d];
}

function dot(a: number[], b: number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/**
 * Turns a series' WADO-RS metadata into what the viewer displays: one image id per frame in order, plus
 * the facts behind the toolbar (cine, MPR, presets). `register` receives each instance's first-frame image
 * id with its metadata (the DICOM image loader resolves later frames of a multi-frame from frame 1).
 */
export function buildSeriesDisplay(
  summary: Pick<SeriesSummary, 'studyUid' | 'seriesUid' | 'modality' | 'description'>,
  metadata: DicomJson[],
  frameImageId: (sopUid: string, frame: number) => string,
  register: (imageId: string, ds: DicomJson) => void,
): SeriesDisplay {
  const first = metadata[0];
  const modality = summary.modality || str(first, TAG.Modality);
  const imageInstances = metadata.filter(hasPixels);
  const renderable = imageInstances.length > 0 && !NON_IMAGE_MODALITIES.has(modality);
  const ordered = orderInstances(imageInstances);
  const imageIds: string[] = [];
  let multiFrame = false;
  for (const inst of ordered) {
    register(frameImageId(inst.sopUid, 1), inst.ds);
    if (inst.frames > 1) multiFrame = true;
    for (let f = 1; f <= inst.frames; f++) imageIds.push(frameImageId(inst.sopUid, f));
  }
  const cineRate = num(first, TAG.CineRate);
  const frameTime = num(first, TAG.FrameTime);
  const cineFps = cineRate && cineRate > 0 ? cineRate : frameTime && frameTime > 0 ? Math.round(1000 / frameTime) : null;
  const sameSize = new Set(ordered.map((i) => `${num(i.ds, TAG.Rows)}x${num(i.ds, TAG.Columns)}`)).size === 1;
  const reconstructable = renderable && !multiFrame && VOLUME_MODALITIES.has(modality) && ordered.length >= MPR_MIN_SLICES
    && sameSize && commonNormal(ordered.map((i) => i.ds)) !== null
    && ordered.every((i) => nums(i.ds, TAG.ImagePositionPatient).length === 3);
  return {
    studyUid: summary.studyUid,
    seriesUid: summary.seriesUid,
    modality,
    description: summary.description || str(first, TAG.SeriesDescription),
    imageIds,
    multiFrame,
    cineFps,
    reconstructable,
    renderable,
    hounsfield: modality === 'CT',
  };
}

/** Modalities of series that hold no images to show (also keeps SEG out of the stack cells). */
const NON_DISPLAY_MODALITIES = new Set([...NON_IMAGE_MODALITIES, 'SEG']);

/** True for a series the viewport cells show (not SR, KO, PR, SEG…). */
export function isImageModality(m: string): boolean {
  return !NON_DISPLAY_MODALITIES.has(m);
}

/**
 * The series shown first: `preferred` (a series named in the route) when the study has it, else the image series
 * with the most instances (the main acquisition), else the first.
 */
export function pickDefaultSeries(series: SeriesSummary[], preferred?: string): SeriesSummary | undefined {
  const named = preferred ? series.find((s) => s.seriesUid === preferred) : undefined;
  if (named) return named;
  const images = series.filter((s) => isImageModality(s.modality));
  if (!images.length) return series[0];
  return images.reduce((best, s) => ((s.instanceCount ?? 0) > (best.instanceCount ?? 0) ? s : best), images[0]!);
}

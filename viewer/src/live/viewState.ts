import type { StackViewport, VolumeViewport, Types as CoreTypes } from '@cornerstonejs/core';
import type { LayoutId } from '../types';
import type { LiveCell } from './hook';

/** What a participant needs to show exactly what the presenter shows (never pixels: G-1.3). */
export interface ViewState {
  studyUid: string;
  layout: LayoutId;
  /** The series shown in MPR (three volume planes), or null outside MPR; absent from older presenters. */
  mpr?: string | null;
  active: number;
  cells: CellView[];
  /** The presenter's count of states sent: orders the copies that come by the gateway and by the data channel. */
  n?: number;
  /** Cornerstone annotations (measurements, arrows), without their cached statistics. */
  annotations: SharedAnnotation[];
}

export interface CellView {
  seriesUid: string | null;
  imageIndex: number;
  voi: { lower: number; upper: number } | null;
  invert: boolean;
  /** Resolution-independent presentation (zoom/pan relative to the canvas), so screens of any size agree. */
  pres: { zoom: number; pan: [number, number]; rotation: number; flipHorizontal: boolean; flipVertical: boolean } | null;
  /**
   * Volume (MPR) cells: the plane in patient coordinates (orientation, up vector and a point of the plane), which the
   * receiver reaches with setViewReference: the camera moves along the plane's normal only, its zoom/pan stay `pres`.
   */
  plane?: { normal: Vec3; viewUp: Vec3; focal: Vec3; frameOfReference: string } | null;
}

type Vec3 = [number, number, number];

export interface SharedAnnotation {
  annotationUID: string;
  metadata: Record<string, unknown>;
  data: Record<string, unknown>;
}

/** Reads one cell's view. */
export function readCell(c: LiveCell): CellView {
  const vp = c.viewport;
  if (!vp || !c.ready || !c.seriesUid) return { seriesUid: c.seriesUid, imageIndex: 0, voi: null, invert: false, pres: null };
  const props = vp.getProperties() as { voiRange?: CoreTypes.VOIRange; invert?: boolean };
  const p = vp.getViewPresentation();
  const imageIndex = c.kind === 'stack' ? (vp as StackViewport).getCurrentImageIdIndex() : (vp as unknown as { getSliceIndex(): number }).getSliceIndex();
  return {
    seriesUid: c.seriesUid, imageIndex, plane: c.kind === 'stack' ? null : readPlane(vp as VolumeViewport),
    voi: props.voiRange ? { lower: round(props.voiRange.lower), upper: round(props.voiRange.upper) } : null,
    invert: !!props.invert,
    pres: { zoom: round(p.zoom ?? 1, 4), pan: [round(p.pan?.[0] ?? 0, 4), round(p.pan?.[1] ?? 0, 4)], rotation: p.rotation ?? 0, flipHorizontal: !!p.flipHorizontal, flipVertical: !!p.flipVertical },
  };
}

/** Applies a cell view to a cell already showing the right series; true when something changed. */
export async function applyCell(c: LiveCell, v: CellView): Promise<boolean> {
  const vp = c.viewport;
  if (!vp || !c.ready) return false;
  const now = readCell(c);
  let changed = false;
  if (c.kind === 'stack' && now.imageIndex !== v.imageIndex) {
    await (vp as StackViewport).setImageIdIndex(v.imageIndex);
    changed = true;
  }
  if (c.kind !== 'stack' && v.plane && !samePlane(now.plane, v.plane)) {
    // No volumeId: participants name their volumes themselves; the frame of reference ties the planes together.
    (vp as VolumeViewport).setViewReference({ FrameOfReferenceUID: v.plane.frameOfReference, viewPlaneNormal: v.plane.normal, viewUp: v.plane.viewUp, cameraFocalPoint: v.plane.focal });
    changed = true;
  }
  if (v.voi && (now.voi?.lower !== v.voi.lower || now.voi?.upper !== v.voi.upper || now.invert !== v.invert)) {
    (vp as StackViewport).setProperties({ voiRange: v.voi, invert: v.invert });
    changed = true;
  }
  if (v.pres && JSON.stringify(now.pres) !== JSON.stringify(v.pres)) {
    vp.setViewPresentation({ zoom: v.pres.zoom, pan: v.pres.pan as CoreTypes.Point2, rotation: v.pres.rotation, flipHorizontal: v.pres.flipHorizontal, flipVertical: v.pres.flipVertical });
    changed = true;
  }
  if (changed) vp.render();
  return changed;
}

function readPlane(vp: VolumeViewport): CellView['plane'] {
  const cam = vp.getCamera();
  if (!cam.viewPlaneNormal || !cam.viewUp || !cam.focalPoint) return null;
  const v = (p: CoreTypes.Point3): Vec3 => [round(p[0], 3), round(p[1], 3), round(p[2], 3)];
  return { normal: v(cam.viewPlaneNormal), viewUp: v(cam.viewUp), focal: v(cam.focalPoint), frameOfReference: vp.getFrameOfReferenceUID() };
}

/** Same orientation, and the same plane (the focal points differ only within the plane). */
function samePlane(a: CellView['plane'], b: NonNullable<CellView['plane']>): boolean {
  if (!a) return false;
  const dot = (x: Vec3, y: Vec3) => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
  const d: Vec3 = [b.focal[0] - a.focal[0], b.focal[1] - a.focal[1], b.focal[2] - a.focal[2]];
  return dot(a.normal, b.normal) > 0.9999 && dot(a.viewUp, b.viewUp) > 0.9999 && Math.abs(dot(d, b.normal)) < 0.01;
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

import type { StackViewport, Types as CoreTypes } from '@cornerstonejs/core';
import type { LayoutId } from '../types';
import type { LiveCell } from './hook';

/** What a participant needs to show exactly what the presenter shows (never pixels: G-1.3). */
export interface ViewState {
  studyUid: string;
  layout: LayoutId;
  active: number;
  cells: CellView[];
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
}

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
    seriesUid: c.seriesUid, imageIndex,
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

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

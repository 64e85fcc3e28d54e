import { Enums as CoreEnums, metaData, getRenderingEngine, type StackViewport, type Types as CoreTypes } from '@cornerstonejs/core';
import { SynchronizerManager, type Synchronizer } from '@cornerstonejs/tools';

interface Plane {
  frameOfReferenceUID?: string;
  imagePositionPatient?: number[];
  rowCosines?: number[];
  columnCosines?: number[];
}

const planeOf = (imageId: string | undefined): Plane | undefined => (imageId ? (metaData.get('imagePlaneModule', imageId) as Plane | undefined) : undefined);

function normalOf(p: Plane | undefined): number[] | null {
  const r = p?.rowCosines;
  const c = p?.columnCosines;
  if (!r || !c || r.length < 3 || c.length < 3) return null;
  return [r[1]! * c[2]! - r[2]! * c[1]!, r[2]! * c[0]! - r[0]! * c[2]!, r[0]! * c[1]! - r[1]! * c[0]!];
}

const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/**
 * Which target image matches the source image: the nearest slice position along the shared normal when
 * both series share a frame of reference and are parallel (same patient position, PS3.3 C.7.6.2),
 * otherwise the same relative place in the stack (first ↔ first, middle ↔ middle, last ↔ last).
 */
export function matchingIndex(sourceIds: string[], sourceIndex: number, targetIds: string[]): number {
  if (!targetIds.length) return -1;
  const sp = planeOf(sourceIds[sourceIndex]);
  const tp0 = planeOf(targetIds[0]);
  const ns = normalOf(sp);
  const nt = normalOf(tp0);
  if (sp?.frameOfReferenceUID && sp.frameOfReferenceUID === tp0?.frameOfReferenceUID && ns && nt && Math.abs(Math.abs(dot(ns, nt)) - 1) < 1e-2 && sp.imagePositionPatient) {
    const d0 = dot(sp.imagePositionPatient, ns);
    let best = -1;
    let bestDist = Infinity;
    for (let i = 0; i < targetIds.length; i++) {
      const pos = planeOf(targetIds[i])?.imagePositionPatient;
      if (!pos) continue;
      const dist = Math.abs(dot(pos, ns) - d0);
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    if (best >= 0) return best;
  }
  if (sourceIds.length <= 1) return 0;
  return Math.round((sourceIndex / (sourceIds.length - 1)) * (targetIds.length - 1));
}

/**
 * A synchronizer that scrolls every stack viewport along with the one the user scrolls (stack image sync).
 * Only events of the viewport `isDriver` accepts (the active one) propagate, and the handler does not wait
 * for the targets: Cornerstone's Synchronizer drops events while a handler's promise is pending, which lost
 * fast scrolls, and echoes from the targets would pull the driver back. Add viewports with
 * `add({ renderingEngineId, viewportId })`; destroy it when syncing stops.
 */
export function createStackScrollSynchronizer(id: string, isDriver: (viewportId: string) => boolean): Synchronizer {
  return SynchronizerManager.createSynchronizer(id, CoreEnums.Events.STACK_NEW_IMAGE, (_sync: unknown, source: CoreTypes.IViewportId, target: CoreTypes.IViewportId) => {
    if (!isDriver(source.viewportId)) return;
    const engine = getRenderingEngine(target.renderingEngineId);
    const s = engine?.getViewport(source.viewportId) as StackViewport | undefined;
    const tv = engine?.getViewport(target.viewportId) as StackViewport | undefined;
    if (!s || !tv || typeof tv.getImageIds !== 'function' || typeof s.getImageIds !== 'function') return;
    const idx = matchingIndex(s.getImageIds(), s.getCurrentImageIdIndex(), tv.getImageIds());
    if (idx >= 0 && idx !== tv.getCurrentImageIdIndex()) void tv.setImageIdIndex(idx).catch(() => undefined);
  });
}

import {
  Enums as CoreEnums,
  type RenderingEngine,
  type StackViewport,
  type VolumeViewport,
  type Types as CoreTypes,
} from '@cornerstonejs/core';
import type { SeriesDisplay } from '../../types';
import { t, type MessageKey } from '../../i18n/i18n';
import { h, bindI18n, setI18nParams } from '../../ui/dom';
import { windowOf } from '../../tools/presets';

export type CellKind = 'stack' | 'axial' | 'sagittal' | 'coronal';

/** Status of a cell, mirrored in `data-status` for tests and the benchmark. */
export type CellStatus = 'empty' | 'loading' | 'ready' | 'error' | 'unsupported';

const PLANE_LABEL: Record<Exclude<CellKind, 'stack'>, MessageKey> = {
  axial: 'viewer.mprPlane.axial',
  sagittal: 'viewer.mprPlane.sagittal',
  coronal: 'viewer.mprPlane.coronal',
};

export interface CellCallbacks {
  onActivate: (cell: ViewportCell) => void;
  onDropSeries: (cell: ViewportCell, seriesUid: string) => void;
}

/**
 * One cell of the viewport grid: the Cornerstone element, its text overlays (series, image number,
 * window, zoom, loading progress; never patient identity) and its status. The screen owns the rendering
 * engine and decides what the cell shows.
 */
export class ViewportCell {
  readonly root: HTMLElement;
  readonly element: HTMLDivElement;
  display: SeriesDisplay | null = null;
  /** VOI range right after the series was first drawn: the "auto" preset returns to it. */
  initialVoi: CoreTypes.VOIRange | null = null;
  cinePlaying = false;
  private readonly tl: HTMLElement;
  private readonly bl: HTMLElement;
  private readonly br: HTMLElement;
  private readonly tr: HTMLElement;
  private readonly message: HTMLElement;
  private readonly listeners: [string, EventListener][] = [];
  private overlayQueued = 0;

  constructor(readonly index: number, readonly viewportId: string, readonly kind: CellKind, private readonly engine: RenderingEngine, cb: CellCallbacks) {
    this.element = h('div', { class: 'vp-element', tabindex: 0, role: 'img', 'data-viewport': viewportId, oncontextmenu: (e: Event) => e.preventDefault() });
    this.tl = h('div', { class: 'ov ov-tl' });
    this.tr = h('div', { class: 'ov ov-tr' });
    this.bl = h('div', { class: 'ov ov-bl', 'data-testid': 'image-index' });
    this.br = h('div', { class: 'ov ov-br', 'data-testid': 'wl' });
    this.message = h('div', { class: 'vp-message', role: 'status' });
    this.root = h('div', {
      class: 'vp-cell', 'data-index': index, 'data-kind': kind, 'data-status': 'empty', 'data-testid': `viewport-${index}`,
      onpointerdown: () => cb.onActivate(this),
      // The wheel scrolls the cell under the pointer: it becomes the active one (and drives synced scrolling).
      onwheel: () => cb.onActivate(this),
      onfocusin: () => cb.onActivate(this),
      ondragover: (e: DragEvent) => { e.preventDefault(); this.root.classList.add('drop-target'); },
      ondragleave: () => this.root.classList.remove('drop-target'),
      ondrop: (e: DragEvent) => {
        e.preventDefault();
        this.root.classList.remove('drop-target');
        const uid = e.dataTransfer?.getData('text/plain');
        if (uid) cb.onDropSeries(this, uid);
      },
    }, this.element, h('div', { class: 'vp-overlay', 'aria-hidden': 'true' }, this.tl, this.tr, this.bl, this.br), this.message);
    this.setStatus('empty');
  }

  /** The Cornerstone viewport, once enabled. */
  get viewport(): StackViewport | VolumeViewport | undefined {
    return this.engine.getViewport(this.viewportId) as StackViewport | VolumeViewport | undefined;
  }

  /** Enables the Cornerstone viewport (stack, or orthographic volume in one plane) on the element. */
  enable(): void {
    const type = this.kind === 'stack' ? CoreEnums.ViewportType.STACK : CoreEnums.ViewportType.ORTHOGRAPHIC;
    const orientation = this.kind === 'stack' ? undefined : ({ axial: CoreEnums.OrientationAxis.AXIAL, sagittal: CoreEnums.OrientationAxis.SAGITTAL, coronal: CoreEnums.OrientationAxis.CORONAL } as const)[this.kind];
    this.engine.enableElement({ viewportId: this.viewportId, element: this.element, type, defaultOptions: { background: [0, 0, 0] as CoreTypes.Point3, orientation } });
    const update = () => this.queueOverlay();
    for (const ev of [CoreEnums.Events.STACK_NEW_IMAGE, CoreEnums.Events.VOLUME_NEW_IMAGE, CoreEnums.Events.VOI_MODIFIED, CoreEnums.Events.CAMERA_MODIFIED, CoreEnums.Events.IMAGE_RENDERED]) {
      this.element.addEventListener(ev, update);
      this.listeners.push([ev, update]);
    }
  }

  setStatus(s: CellStatus, detail?: string): void {
    this.root.dataset.status = s;
    this.message.hidden = s === 'ready' || s === 'loading';
    if (s === 'empty') bindI18n(this.message, { i18n: 'viewer.dropHere' });
    else if (s === 'unsupported') bindI18n(this.message, { i18n: 'viewer.noImages', i18nParams: { modality: this.display?.modality || '?' } });
    else if (s === 'error') bindI18n(this.message, { i18n: 'viewer.loadError', i18nParams: { detail: detail ?? '' } });
    this.updateLabel();
  }

  /** Shows loading progress of the series in the top-right corner (hidden when done). */
  setProgress(loaded: number, total: number): void {
    if (loaded >= total) {
      delete this.tr.dataset.i18n;
      delete this.tr.dataset.i18nParams;
      this.tr.textContent = this.kind === 'stack' ? '' : t(PLANE_LABEL[this.kind]);
      this.root.dataset.loaded = 'all';
      return;
    }
    this.root.dataset.loaded = `${loaded}/${total}`;
    bindI18n(this.tr, { i18n: 'viewer.loading', i18nParams: { loaded, total, count: total } });
  }

  setActive(active: boolean): void {
    this.root.classList.toggle('active', active);
  }

  /** Redraws the overlay text at most once per frame. */
  queueOverlay(): void {
    if (this.overlayQueued) return;
    this.overlayQueued = requestAnimationFrame(() => {
      this.overlayQueued = 0;
      this.updateOverlay();
    });
  }

  /** Overlay text from the viewport's current state. */
  updateOverlay(): void {
    const vp = this.viewport;
    const d = this.display;
    if (!vp || !d) {
      this.tl.textContent = '';
      this.bl.textContent = '';
      this.br.textContent = '';
      return;
    }
    this.tl.textContent = [d.modality, d.description].filter(Boolean).join(' · ');
    if (this.kind !== 'stack' && !this.tr.dataset.i18n) this.tr.textContent = t(PLANE_LABEL[this.kind]);
    const { index, count } = this.position();
    setOrBind(this.bl, 'viewer.image', { index: index + 1, count });
    const props = vp.getProperties() as { voiRange?: CoreTypes.VOIRange };
    const voi = props.voiRange;
    const zoom = Math.round((vp.getZoom?.() ?? 1) * 100);
    if (voi) {
      const w = windowOf(voi);
      const width = Math.round(w.width);
      const center = Math.round(w.center);
      this.br.dataset.width = String(width);
      this.br.dataset.center = String(center);
      this.br.textContent = `${t('viewer.wl', { width, center })}\n${t('viewer.zoom', { zoom })}`;
    } else {
      this.br.textContent = t('viewer.zoom', { zoom });
    }
    this.updateLabel();
  }

  /** Index of the image on screen and the number of images (slices for a volume plane). */
  position(): { index: number; count: number } {
    const vp = this.viewport;
    if (!vp) return { index: 0, count: 0 };
    if (this.kind === 'stack') {
      const s = vp as StackViewport;
      return { index: s.getCurrentImageIdIndex(), count: s.getImageIds().length };
    }
    const v = vp as VolumeViewport;
    return { index: v.getSliceIndex?.() ?? 0, count: v.getNumberOfSlices?.() ?? 0 };
  }

  private updateLabel(): void {
    const n = this.index + 1;
    if (!this.display || this.root.dataset.status === 'empty') {
      this.element.setAttribute('aria-label', t('viewer.viewportEmpty', { n }));
      return;
    }
    const { index, count } = this.position();
    const description = this.kind === 'stack' ? `${this.display.modality} ${this.display.description}`.trim() : t(PLANE_LABEL[this.kind]);
    this.element.setAttribute('aria-label', t('viewer.viewportLabel', { n, description, index: index + 1, count }));
  }

  /** Disables the Cornerstone viewport and removes listeners. */
  dispose(): void {
    for (const [ev, fn] of this.listeners) this.element.removeEventListener(ev, fn);
    cancelAnimationFrame(this.overlayQueued);
    try {
      this.engine.disableElement(this.viewportId);
    } catch { /* engine already destroyed */ }
    this.root.remove();
  }
}

function setOrBind(el: HTMLElement, key: MessageKey, params: Record<string, string | number>): void {
  if (el.dataset.i18n === key) setI18nParams(el, params);
  else bindI18n(el, { i18n: key, i18nParams: params });
}

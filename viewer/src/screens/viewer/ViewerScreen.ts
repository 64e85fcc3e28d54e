import {
  RenderingEngine,
  Enums as CoreEnums,
  eventTarget,
  cache,
  imageLoader,
  volumeLoader,
  setVolumesForViewports,
  utilities as coreUtilities,
  type StackViewport,
  type VolumeViewport,
  type Types as CoreTypes,
} from '@cornerstonejs/core';
import { ToolGroupManager, utilities as toolUtilities, annotation as csAnnotation, type Synchronizer, type Types as ToolTypes } from '@cornerstonejs/tools';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import type { AppContext, Screen } from '../Screen';
import { LAYOUTS, type CaseSummary, type LayoutId, type SeriesDisplay, type SeriesSummary } from '../../types';
import { initCornerstone } from '../../init';
import { AppHeader } from '../../components/AppHeader';
import { Toolbar, type ToolbarCommand, type ViewportAction } from '../../components/Toolbar';
import { SeriesBrowser } from '../../components/SeriesBrowser';
import { CaseSummaryPanel } from '../../components/CaseSummaryPanel';
import { MeasurementList } from '../../components/MeasurementList';
import { askText } from '../../components/TextPromptDialog';
import { StudyService } from '../../services/study/StudyService';
import { STUDY_EVENTS } from '../../services/study/events';
import { normalizeInstanceMetadata } from '../../services/study/normalizeMetadata';
import { isImageModality, pickDefaultSeries } from '../../services/study/seriesDisplay';
import type { StudyPreload } from '../../services/study/preload';
import { CASE_EVENTS } from '../../services/case/CaseStore';
import { caseSummaryFromConsult } from '../../services/case/fromConsult';
import { packRoot, packSource } from '../../dataSource/packSource';
import type { Subscription } from '../../services/Emitter';
import { createViewerToolGroup, setPrimaryTool, type PrimaryToolId } from '../../tools/toolGroups';
import { createStackScrollSynchronizer } from '../../tools/stackSync';
import { WINDOW_PRESETS, presetsFor, voiRangeOf, quantileRange, type PresetId } from '../../tools/presets';
import { HttpError } from '../../dataSource/DataSource';
import { onLangChange, t } from '../../i18n/i18n';
import { h, bindI18n } from '../../ui/dom';
import { icon } from '../../ui/icons';
import { ViewportCell, type CellKind } from './ViewportCell';
import { VIEWER_EVENTS, type ViewerMetrics } from './events';
import type { ViewerLiveHook } from '../../live/hook';

let instances = 0;

/** Keys that move through a stack, and by how much. */
const SCROLL_KEYS: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
const TOOL_KEYS: Record<string, PrimaryToolId> = { w: 'wl', p: 'pan', z: 'zoom', s: 'scroll', l: 'length', a: 'angle', e: 'ellipse', t: 'arrow' };
const ACTION_KEYS: Record<string, ViewportAction> = { i: 'invert', r: 'rotate', h: 'flipH', v: 'flipV', Escape: 'reset' };

interface MprState {
  volumeId: string;
  seriesUid: string;
  previous: { layout: LayoutId; displays: (SeriesDisplay | null)[]; indices: number[]; active: number };
}

/**
 * The image viewer (G-1.4: the record and the images on one screen): series browser with thumbnails and
 * measurements on the left, the viewport grid (1×1, 1×2, 2×2, or MPR in three planes) in the middle, the
 * case summary on the right. Everything it sets up (rendering engine, tool groups, synchronizer, cine,
 * listeners, cached images) is torn down in {@link unmount}.
 */
export class ViewerScreen implements Screen {
  private readonly n = ++instances;
  private readonly engineId = `hc-engine-${this.n}`;
  private engine: RenderingEngine | null = null;
  private stackGroup: ToolTypes.IToolGroup | null = null;
  private mprGroup: ToolTypes.IToolGroup | null = null;
  private cells: ViewportCell[] = [];
  private activeIndex = 0;
  private layout: LayoutId = 'one';
  private tool: PrimaryToolId = 'wl';
  private sync: Synchronizer | null = null;
  private cineFps = 15;
  private mpr: MprState | null = null;
  private series: SeriesSummary[] = [];
  private study!: StudyService;
  private header!: AppHeader;
  private toolbar!: Toolbar;
  private browser!: SeriesBrowser;
  private casePanel!: CaseSummaryPanel;
  private measurements: MeasurementList | null = null;
  private grid!: HTMLElement;
  private root!: HTMLElement;
  private resizeObserver: ResizeObserver | null = null;
  private readonly subs: Subscription[] = [];
  private readonly cleanups: (() => void)[] = [];
  private disposed = false;
  private thumbnailsStarted = false;
  private viewportSeq = 0;
  private readonly metrics: ViewerMetrics = { openedAt: performance.now(), firstImageAt: null, seriesLoadedAt: null, seriesLoadMs: null, firstSeriesUid: null };

  private readonly ctx: AppContext;

  /**
   * With `consult`, the images come from the consult's case pack (`/packs/{id}/dicom-web`: pseudonymous copies
   * only, G-2.3) and the case panel shows the consult's summary, question and minutes draft, kept current.
   */
  constructor(ctx: AppContext, private readonly studyUid: string, private readonly initialSeriesUid?: string, private readonly consult?: { consultId: string; packId: string }, private readonly preload?: StudyPreload) {
    this.ctx = consult ? { ...ctx, dataSource: packSource(ctx, packRoot(consult.packId)) } : ctx;
  }

  async mount(container: HTMLElement): Promise<void> {
    this.buildDom(container);
    publishDebug(this);
    this.study = new StudyService({
      dataSource: this.ctx.dataSource,
      registerMetadata: (imageId, ds) => wadors.metaDataManager.add(imageId, normalizeInstanceMetadata(ds) as never),
      prefetchImage: (imageId) => imageLoader.loadAndCacheImage(imageId, { requestType: CoreEnums.RequestType.Prefetch, priority: 0 } as never),
      concurrency: this.ctx.config.prefetchConcurrency,
      preload: this.consult ? undefined : this.preload,
    });
    // Ask for the series list, then the first series' metadata, while Cornerstone starts: they do not
    // depend on each other (issue 6: the metadata used to wait for the rendering engine and first cell).
    const seriesPromise = this.study.series(this.studyUid);
    void seriesPromise.then((list) => {
      const first = pickDefaultSeries(list, this.initialSeriesUid);
      if (first && !this.disposed) this.study.display(first).catch(() => { /* showSeries reports it */ });
    }, () => { /* reported below */ });
    await initCornerstone(this.ctx.config, () => this.ctx.session.authHeaders(), () => {
      if (this.ctx.config.auth === 'gateway') this.ctx.session.clear('expired');
    });
    if (this.disposed) return;
    this.engine = new RenderingEngine(this.engineId);
    this.stackGroup = createViewerToolGroup(`hc-stack-${this.n}`, { askText });
    this.mprGroup = createViewerToolGroup(`hc-mpr-${this.n}`, { askText });
    this.measurements = new MeasurementList();
    this.root.querySelector('.left-panel')!.append(this.measurements.element);
    this.listenCornerstone();
    this.setLayout('one');
    this.resizeObserver = new ResizeObserver(() => this.engine?.resize(true, true));
    this.resizeObserver.observe(this.grid);

    let series: SeriesSummary[];
    try {
      series = await seriesPromise;
    } catch (err) {
      if (this.disposed) return;
      this.cells[0]?.setStatus('error', describe(err));
      return;
    }
    if (this.disposed) return;
    this.series = series;
    this.browser.setSeries(series);
    const first = pickDefaultSeries(series, this.initialSeriesUid);
    if (!first) {
      this.cells[0]?.setStatus('unsupported');
      return;
    }
    this.metrics.firstSeriesUid = first.seriesUid;
    await this.showSeries(this.cells[0]!, first);
    this.startThumbnails();
  }

  // ---------------------------------------------------------------------------------------------------- DOM

  private buildDom(container: HTMLElement): void {
    const back = this.consult
      ? h('a', { href: `#/consults/${encodeURIComponent(this.consult.consultId)}`, class: 'button ghost back-link', 'data-testid': 'back-to-consult' }, icon('back'), h('span', { i18n: 'consult.back' }))
      : h('a', { href: '#/studies', class: 'button ghost back-link', i18nAttr: { title: 'nav.back' } }, icon('back'), h('span', { i18n: 'nav.studies' }));
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: [back] });
    this.toolbar = new Toolbar((c) => this.command(c));
    this.browser = new SeriesBrowser({ onPick: (s) => void this.showSeriesInActive(s) });
    this.casePanel = new CaseSummaryPanel({ collapsed: window.innerWidth < 1100, onToggle: () => requestAnimationFrame(() => this.engine?.resize(true, true)) });
    if (this.consult) {
      this.followConsult(this.consult.consultId);
    } else {
      this.casePanel.update(this.ctx.cases.get(this.studyUid));
      this.subs.push(this.ctx.cases.subscribe(CASE_EVENTS.CASE_CHANGED, (d) => d.studyUid === this.studyUid && this.casePanel.update(d.summary)));
    }
    this.grid = h('div', { class: 'vp-grid', 'data-testid': 'viewport-grid' });
    const seriesToggle = h('button', { type: 'button', class: 'icon-button series-toggle', 'aria-expanded': 'true', i18nAttr: { 'aria-label': 'viewer.toggleSeries', title: 'viewer.toggleSeries' } }, icon('series'));
    const left = h('div', { class: 'left-panel', id: 'left-panel' }, this.browser.element);
    seriesToggle.setAttribute('aria-controls', 'left-panel');
    seriesToggle.addEventListener('click', () => {
      const hidden = !left.hidden;
      left.hidden = hidden;
      seriesToggle.setAttribute('aria-expanded', String(!hidden));
      requestAnimationFrame(() => this.engine?.resize(true, true));
    });
    this.root = h('div', { class: 'viewer-screen' },
      this.header.element,
      h('div', { class: 'toolbar-row' }, seriesToggle, this.toolbar.element),
      h('main', { id: 'main', class: 'viewer-main', tabindex: -1 }, left, this.grid, this.casePanel.element));
    container.append(this.root);
    const onKey = (e: KeyboardEvent) => this.onKey(e);
    this.root.addEventListener('keydown', onKey);
    this.cleanups.push(() => this.root.removeEventListener('keydown', onKey));
    this.cleanups.push(onLangChange(() => {
      this.cells.forEach((c) => c.updateOverlay());
      this.engine?.render();
    }));
    this.updateToolbar();
  }

  /** Shows the consult's summary in the panel and refreshes it when the live feed says the consult changed. */
  private followConsult(consultId: string): void {
    const abort = new AbortController();
    this.cleanups.push(() => abort.abort());
    const refresh = () => this.ctx.worklist.get(consultId, abort.signal)
      .then((v) => { if (!this.disposed) this.casePanel.update(caseSummaryFromConsult(v)); })
      .catch(() => { /* the panel keeps what it shows */ });
    void refresh();
    void this.ctx.worklist.follow((e) => { if (e.consultId === consultId) void refresh(); }, abort.signal);
    this.cleanups.push(onLangChange(() => void refresh()));
  }

  // ------------------------------------------------------------------------------------------------ layout

  private newCell(index: number, kind: CellKind): ViewportCell {
    const cell = new ViewportCell(index, `hc-vp-${this.n}-${++this.viewportSeq}`, kind, this.engine!, {
      onActivate: (c) => { if (c.index !== this.activeIndex) this.setActive(c.index); },
      onDropSeries: (c, uid) => {
        const s = this.series.find((x) => x.seriesUid === uid);
        if (s && !this.mpr) void this.showSeries(c, s);
      },
    });
    this.grid.append(cell.root);
    cell.enable();
    (kind === 'stack' ? this.stackGroup : this.mprGroup)!.addViewport(cell.viewportId, this.engineId);
    return cell;
  }

  /** Sets the grid to `id`; keeps the series already shown and fills new cells with the next series. */
  private setLayout(id: LayoutId): void {
    if (!this.engine || id === 'mpr') return;
    const spec = LAYOUTS[id];
    const count = spec.rows * spec.cols;
    this.layout = id;
    this.grid.style.setProperty('--rows', String(spec.rows));
    this.grid.style.setProperty('--cols', String(spec.cols));
    this.grid.dataset.layout = id;
    while (this.cells.length > count) this.disposeCell(this.cells.pop()!);
    const added: ViewportCell[] = [];
    while (this.cells.length < count) {
      const c = this.newCell(this.cells.length, 'stack');
      this.cells.push(c);
      added.push(c);
    }
    this.engine.resize(true, false);
    if (this.activeIndex >= count) this.activeIndex = 0;
    this.setActive(this.activeIndex);
    // New cells show the series after those already on screen (1×2: series 1 and 2).
    const shown = new Set(this.cells.map((c) => c.display?.seriesUid).filter(Boolean));
    const candidates = this.series.filter((s) => !shown.has(s.seriesUid) && isImageModality(s.modality));
    for (const c of added) {
      const s = candidates.shift();
      if (s) void this.showSeries(c, s);
    }
    this.updateToolbar();
  }

  private disposeCell(c: ViewportCell): void {
    if (c.cinePlaying) toolUtilities.cine.stopClip(c.element);
    this.sync?.remove({ renderingEngineId: this.engineId, viewportId: c.viewportId });
    (c.kind === 'stack' ? this.stackGroup : this.mprGroup)?.removeViewports(this.engineId, c.viewportId);
    c.dispose();
  }

  private setActive(index: number): void {
    this.activeIndex = index;
    this.cells.forEach((c) => c.setActive(c.index === index));
    this.browser.setActive(this.cells[index]?.display?.seriesUid ?? null);
    this.updateToolbar();
  }

  private get activeCell(): ViewportCell | undefined {
    return this.cells[this.activeIndex];
  }

  // ------------------------------------------------------------------------------------------------ series

  private async showSeriesInActive(s: SeriesSummary): Promise<void> {
    if (this.mpr) await this.exitMpr();
    const cell = this.activeCell;
    if (cell) await this.showSeries(cell, s);
  }

  /**
   * Shows a series in a stack cell: metadata → image ids → the middle image (or frame 1 of a multi-frame)
   * first, then every other image in the background, nearest first.
   */
  private async showSeries(cell: ViewportCell, summary: SeriesSummary, startIndex?: number): Promise<void> {
    if (cell.cinePlaying) this.stopCine(cell);
    cell.display = null;
    cell.setStatus('loading');
    let display: SeriesDisplay;
    try {
      display = await this.study.display(summary);
    } catch (err) {
      if (!this.disposed) cell.setStatus('error', describe(err));
      return;
    }
    if (this.disposed || !this.cells.includes(cell)) return;
    cell.display = display;
    if (cell.index === this.activeIndex) this.browser.setActive(display.seriesUid);
    if (!display.renderable || !display.imageIds.length) {
      cell.setStatus('unsupported');
      this.updateToolbar();
      return;
    }
    const vp = cell.viewport as StackViewport;
    const start = startIndex ?? firstIndex(display);
    const rendered = onceEvent(cell.element, CoreEnums.Events.IMAGE_RENDERED);
    try {
      await vp.setStack(display.imageIds, start);
    } catch (err) {
      if (!this.disposed) cell.setStatus('error', describe(err));
      return;
    }
    if (this.disposed || cell.display !== display) return;
    vp.render();
    await rendered;
    if (this.disposed || cell.display !== display) return;
    if (cell.root.dataset.status === 'error') return;
    if (display.modality === 'PT') applyPetDisplay(vp);
    cell.initialVoi = (vp.getProperties() as { voiRange?: CoreTypes.VOIRange }).voiRange ?? null;
    cell.setStatus('ready');
    cell.updateOverlay();
    this.toolbar.showPreset('auto');
    if (this.metrics.firstImageAt === null) {
      this.metrics.firstImageAt = performance.now();
      performance.mark('hoichan:first-image');
      this.root.dataset.firstImage = 'true';
      window.dispatchEvent(new CustomEvent(VIEWER_EVENTS.FIRST_IMAGE, { detail: { ...this.metrics } }));
      this.startThumbnails();
    }
    if (this.sync) this.sync.add({ renderingEngineId: this.engineId, viewportId: cell.viewportId });
    if (display.cineFps) this.cineFps = display.cineFps;
    this.updateToolbar();
    const progress = this.study.progress(display.seriesUid);
    if (progress) cell.setProgress(progress.loaded + progress.failed, progress.total);
    void this.study.prefetch(display, start);
  }

  private startThumbnails(): void {
    if (this.thumbnailsStarted || !this.series.length || this.metrics.firstImageAt === null) return;
    this.thumbnailsStarted = true;
    const queue = [...this.series];
    const worker = async () => {
      while (queue.length && !this.disposed) {
        const s = queue.shift()!;
        const blob = await this.ctx.dataSource.retrieve.thumbnail(s.studyUid, s.seriesUid).catch(() => null);
        if (!this.disposed) this.browser.setThumbnail(s.seriesUid, blob);
      }
    };
    void worker();
    void worker();
  }

  private listenCornerstone(): void {
    this.subs.push(this.study.subscribe(STUDY_EVENTS.SERIES_PROGRESS, (d) => {
      for (const c of this.cells) if (c.display?.seriesUid === d.seriesUid && c.kind === 'stack') c.setProgress(d.loaded + d.failed, d.total);
    }));
    this.subs.push(this.study.subscribe(STUDY_EVENTS.SERIES_LOADED, (d) => {
      for (const c of this.cells) if (c.display?.seriesUid === d.seriesUid && c.kind === 'stack') c.setProgress(d.total, d.total);
      if (d.seriesUid === this.metrics.firstSeriesUid && this.metrics.seriesLoadedAt === null) {
        this.metrics.seriesLoadedAt = performance.now();
        this.metrics.seriesLoadMs = d.ms;
        performance.mark('hoichan:series-loaded');
        this.root.dataset.seriesLoaded = 'true';
        window.dispatchEvent(new CustomEvent(VIEWER_EVENTS.SERIES_LOADED, { detail: { ...this.metrics, loaded: d.loaded, failed: d.failed, total: d.total } }));
      }
    }));
    const onError = (e: Event) => {
      const detail = (e as CustomEvent).detail as { imageId?: string; error?: unknown } | { reason?: unknown }[];
      for (const d of Array.isArray(detail) ? detail : [detail]) {
        const err = 'error' in d ? d.error : (d as { reason?: unknown }).reason;
        console.warn('image load failed:', (err as Error)?.stack ?? String(err));
      }
      const items = Array.isArray(detail) ? detail : [detail];
      for (const c of this.cells) {
        if (c.kind !== 'stack' || c.root.dataset.status === 'ready') continue;
        const current = (c.viewport as StackViewport | undefined)?.getCurrentImageId?.();
        const hit = items.find((d) => ('imageId' in d && d.imageId === current) || Array.isArray(detail));
        if (hit && c.display) c.setStatus('error', describe('error' in hit ? hit.error : (hit as { reason?: unknown }).reason));
      }
    };
    eventTarget.addEventListener(CoreEnums.Events.IMAGE_LOAD_ERROR, onError);
    this.cleanups.push(() => eventTarget.removeEventListener(CoreEnums.Events.IMAGE_LOAD_ERROR, onError));
  }

  // ---------------------------------------------------------------------------------------------- commands

  private command(c: ToolbarCommand): void {
    switch (c.type) {
      case 'tool':
        this.tool = c.tool;
        if (this.stackGroup) setPrimaryTool(this.stackGroup, c.tool);
        if (this.mprGroup) setPrimaryTool(this.mprGroup, c.tool === 'scroll' ? 'scroll' : c.tool);
        break;
      case 'preset':
        this.applyPreset(c.preset);
        break;
      case 'action':
        this.applyAction(c.action);
        break;
      case 'layout':
        if (!this.mpr) this.setLayout(c.layout);
        break;
      case 'toggle':
        if (c.toggle === 'sync') this.toggleSync();
        else if (c.toggle === 'cine') this.toggleCine();
        else void (this.mpr ? this.exitMpr() : this.enterMpr());
        break;
      case 'cineFps':
        this.cineFps = c.fps;
        for (const cell of this.cells) if (cell.cinePlaying) { this.stopCine(cell); this.startCine(cell); }
        break;
    }
    this.updateToolbar();
  }

  /** The cells an action applies to: the three planes in MPR, else the active cell. */
  private targets(): ViewportCell[] {
    if (this.mpr) return this.cells;
    return this.activeCell ? [this.activeCell] : [];
  }

  private applyPreset(p: PresetId): void {
    for (const cell of this.targets()) {
      const vp = cell.viewport;
      if (!vp || !cell.display) continue;
      const w = WINDOW_PRESETS[p].window;
      const voiRange = w && cell.display.hounsfield ? voiRangeOf(w) : cell.initialVoi;
      if (!voiRange) continue;
      (vp as StackViewport).setProperties({ voiRange });
      vp.render();
    }
    this.toolbar.showPreset(p);
  }

  private applyAction(a: ViewportAction): void {
    for (const cell of this.targets()) {
      const vp = cell.viewport;
      if (!vp || !cell.display) continue;
      if (a === 'invert') {
        const props = vp.getProperties() as { invert?: boolean };
        (vp as StackViewport).setProperties({ invert: !props.invert });
      } else if (a === 'rotate') {
        const rotation = vp.getViewPresentation().rotation ?? 0;
        vp.setViewPresentation({ rotation: (rotation + 90) % 360 });
      } else if (a === 'flipH') {
        vp.setCamera({ flipHorizontal: !vp.getCamera().flipHorizontal });
      } else if (a === 'flipV') {
        vp.setCamera({ flipVertical: !vp.getCamera().flipVertical });
      } else if (a === 'reset') {
        vp.setCamera({ flipHorizontal: false, flipVertical: false });
        vp.setViewPresentation({ rotation: 0 });
        vp.resetCamera();
        if (cell.initialVoi) (vp as StackViewport).setProperties({ voiRange: cell.initialVoi, invert: cell.display.modality === 'PT' });
        this.toolbar.showPreset('auto');
      }
      vp.render();
      cell.queueOverlay();
    }
  }

  private toggleSync(): void {
    if (this.sync) {
      this.sync.destroy();
      this.sync = null;
      return;
    }
    this.sync = createStackScrollSynchronizer(`hc-sync-${this.n}`, (viewportId) => this.activeCell?.viewportId === viewportId);
    for (const c of this.cells) if (c.kind === 'stack' && c.display?.renderable) this.sync.add({ renderingEngineId: this.engineId, viewportId: c.viewportId });
  }

  private toggleCine(): void {
    const cell = this.activeCell;
    if (!cell?.display?.renderable) return;
    if (cell.cinePlaying) this.stopCine(cell);
    else this.startCine(cell);
  }

  private startCine(cell: ViewportCell): void {
    toolUtilities.cine.playClip(cell.element, { framesPerSecond: this.cineFps, loop: true });
    cell.cinePlaying = true;
    cell.root.dataset.cine = 'playing';
  }

  private stopCine(cell: ViewportCell): void {
    toolUtilities.cine.stopClip(cell.element);
    cell.cinePlaying = false;
    delete cell.root.dataset.cine;
  }

  // --------------------------------------------------------------------------------------------------- MPR

  /** Replaces the grid with axial, sagittal and coronal planes of the active series (CT/MR volume). */
  private async enterMpr(): Promise<void> {
    const source = this.activeCell;
    const display = source?.display;
    if (!this.engine || !display?.reconstructable || this.mpr) return;
    const voi = (source!.viewport?.getProperties() as { voiRange?: CoreTypes.VOIRange } | undefined)?.voiRange;
    const volumeId = `cornerstoneStreamingImageVolume:hc-${this.n}-${display.seriesUid}`;
    this.mpr = {
      volumeId, seriesUid: display.seriesUid,
      previous: { layout: this.layout, displays: this.cells.map((c) => c.display), indices: this.cells.map((c) => c.position().index), active: this.activeIndex },
    };
    if (this.sync) this.toggleSync();
    for (const c of this.cells) this.disposeCell(c);
    this.cells = [];
    this.layout = 'mpr';
    this.grid.style.setProperty('--rows', '1');
    this.grid.style.setProperty('--cols', '3');
    this.grid.dataset.layout = 'mpr';
    this.cells = (['axial', 'sagittal', 'coronal'] as const).map((kind, i) => this.newCell(i, kind));
    for (const c of this.cells) {
      c.display = display;
      c.setStatus('loading');
      bindI18n(c.root.querySelector('.ov-tr') as HTMLElement, { i18n: 'viewer.mprLoading' });
    }
    this.engine.resize(true, false);
    this.setActive(0);
    try {
      const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds: display.imageIds });
      if (this.mpr?.volumeId !== volumeId) return;
      (volume as unknown as { load: () => void }).load();
      await setVolumesForViewports(this.engine, [{ volumeId }], this.cells.map((c) => c.viewportId));
      if (this.mpr?.volumeId !== volumeId) return;
      for (const c of this.cells) {
        const vp = c.viewport as VolumeViewport;
        if (voi && display.hounsfield) vp.setProperties({ voiRange: voi });
        c.initialVoi = (vp.getProperties() as { voiRange?: CoreTypes.VOIRange }).voiRange ?? voi ?? null;
        c.setStatus('ready');
        c.setProgress(1, 1);
        c.updateOverlay();
      }
      this.engine.render();
      this.grid.dataset.mpr = 'ready';
    } catch (err) {
      for (const c of this.cells) c.setStatus('error', describe(err));
    }
    this.updateToolbar();
  }

  private async exitMpr(): Promise<void> {
    const state = this.mpr;
    if (!state || !this.engine) return;
    this.mpr = null;
    delete this.grid.dataset.mpr;
    for (const c of this.cells) this.disposeCell(c);
    this.cells = [];
    cache.removeVolumeLoadObject(state.volumeId);
    const { layout, displays, indices, active } = state.previous;
    const spec = LAYOUTS[layout];
    this.layout = layout;
    this.grid.style.setProperty('--rows', String(spec.rows));
    this.grid.style.setProperty('--cols', String(spec.cols));
    this.grid.dataset.layout = layout;
    this.cells = displays.map((_, i) => this.newCell(i, 'stack'));
    this.engine.resize(true, false);
    this.setActive(active);
    await Promise.all(displays.map((d, i) => {
      const s = d && this.series.find((x) => x.seriesUid === d.seriesUid);
      return s ? this.showSeries(this.cells[i]!, s, indices[i]) : Promise.resolve();
    }));
    this.updateToolbar();
  }

  // ------------------------------------------------------------------------------------------------- input

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea, dialog, [contenteditable="true"]')) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const cell = this.activeCell;
    const delta = SCROLL_KEYS[e.key];
    // Arrow keys scroll only when focus is in the images (elsewhere they move through the page's controls).
    if (delta !== undefined && cell?.viewport && (target.closest('.vp-grid') || target === document.body || target.id === 'main')) {
      e.preventDefault();
      coreUtilities.scroll(cell.viewport as never, { delta, volumeId: this.mpr?.volumeId, debounceLoading: false } as never);
      return;
    }
    if ((e.key === 'Home' || e.key === 'End') && cell?.viewport && target.closest('.vp-grid')) {
      e.preventDefault();
      const { index, count } = cell.position();
      coreUtilities.scroll(cell.viewport as never, { delta: e.key === 'Home' ? -index : count - 1 - index, volumeId: this.mpr?.volumeId, debounceLoading: false } as never);
      return;
    }
    if (target.closest('button') && (e.key === ' ' || e.key === 'Enter')) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (TOOL_KEYS[key]) this.command({ type: 'tool', tool: TOOL_KEYS[key]! });
    else if (ACTION_KEYS[key]) this.command({ type: 'action', action: ACTION_KEYS[key]! });
    else if (key === ' ') this.command({ type: 'toggle', toggle: 'cine' });
    else if (key === 'y') this.command({ type: 'toggle', toggle: 'sync' });
    else if (key === 'm') this.command({ type: 'toggle', toggle: 'mpr' });
    else {
      const preset = (Object.keys(WINDOW_PRESETS) as PresetId[]).find((p) => WINDOW_PRESETS[p].key === key);
      if (!preset || !presetsFor(!!cell?.display?.hounsfield).includes(preset)) return;
      this.command({ type: 'preset', preset });
    }
    e.preventDefault();
  }

  private updateToolbar(): void {
    const cell = this.activeCell;
    const d = cell?.display;
    this.toolbar?.setState({
      tool: this.tool,
      presets: presetsFor(!!d?.hounsfield),
      layout: this.layout,
      sync: !!this.sync,
      cine: !!cell?.cinePlaying,
      cineEnabled: !!d?.renderable && d.imageIds.length > 1 && cell?.kind === 'stack',
      cineFps: this.cineFps,
      mpr: !!this.mpr,
      mprEnabled: !!d?.reconstructable && cell?.root.dataset.status === 'ready',
    });
  }

  // ------------------------------------------------------------------------------------ live consult hook

  /** The hook the live consult (viewer/src/live) uses to mirror this screen: read the cells, change layout and series. */
  liveHook(): ViewerLiveHook {
    return {
      studyUid: this.studyUid,
      root: this.root,
      layout: () => this.layout,
      activeIndex: () => this.activeIndex,
      cells: () => this.cells.map((c) => ({ index: c.index, kind: c.kind, element: c.element, root: c.root, viewport: c.viewport, seriesUid: c.display?.seriesUid ?? null, ready: c.root.dataset.status === 'ready' })),
      setLayout: (id) => { if (!this.mpr && id !== 'mpr') this.setLayout(id); },
      setActive: (i) => { if (i < this.cells.length) this.setActive(i); },
      mpr: () => this.mpr?.seriesUid ?? null,
      setMpr: async (seriesUid) => {
        if (this.mpr?.seriesUid === (seriesUid ?? undefined)) return;
        if (this.mpr) await this.exitMpr();
        if (seriesUid) {
          let cell = this.cells.find((c) => c.display?.seriesUid === seriesUid && c.root.dataset.status === 'ready');
          const s = this.series.find((x) => x.seriesUid === seriesUid);
          if (!cell && s && this.activeCell) await this.showSeries(cell = this.activeCell, s);
          if (cell) { this.setActive(cell.index); await this.enterMpr(); }
        }
        this.updateToolbar();
      },
      showSeries: async (i, seriesUid, imageIndex) => {
        const s = this.series.find((x) => x.seriesUid === seriesUid);
        const cell = this.cells[i];
        if (s && cell && !this.mpr) await this.showSeries(cell, s, imageIndex);
      },
    };
  }

  // -------------------------------------------------------------------------------------- test/bench hooks

  /** Figures for the benchmark and tests (also on `window.hoichan.viewer`). */
  get stats(): ViewerMetrics & { cells: { index: number; status: string; imageIndex: number; count: number; seriesUid: string | null }[] } {
    return {
      ...this.metrics,
      cells: this.cells.map((c) => ({ index: c.index, status: c.root.dataset.status ?? '', imageIndex: c.position().index, count: c.position().count, seriesUid: c.display?.seriesUid ?? null })),
    };
  }

  /** The Cornerstone viewport of cell `i` (tests read its properties). */
  viewport(i = 0): StackViewport | VolumeViewport | undefined {
    return this.cells[i]?.viewport;
  }

  /**
   * Scrolls cell `i` one image at a time through `count` images, waiting for each to be drawn; returns
   * images per second (the benchmark's scroll figure).
   */
  async scrollBenchmark(count: number, i = 0): Promise<{ images: number; ms: number; fps: number }> {
    const cell = this.cells[i];
    const vp = cell?.viewport as StackViewport | undefined;
    if (!cell || !vp) throw new Error('no viewport');
    const n = vp.getImageIds().length;
    await vp.setImageIdIndex(0);
    const t0 = performance.now();
    let done = 0;
    for (let k = 1; k <= count; k++) {
      const rendered = onceEvent(cell.element, CoreEnums.Events.IMAGE_RENDERED);
      await vp.setImageIdIndex(k % n);
      await rendered;
      done++;
    }
    const ms = performance.now() - t0;
    return { images: done, ms, fps: (done * 1000) / ms };
  }

  unmount(): void {
    this.disposed = true;
    this.study?.dispose();
    for (const s of this.subs) s.unsubscribe();
    for (const f of this.cleanups) f();
    this.resizeObserver?.disconnect();
    this.sync?.destroy();
    for (const c of this.cells) {
      if (c.cinePlaying) toolUtilities.cine.stopClip(c.element);
    }
    for (const c of this.cells) c.dispose();
    this.cells = [];
    if (this.stackGroup) ToolGroupManager.destroyToolGroup(this.stackGroup.id);
    if (this.mprGroup) ToolGroupManager.destroyToolGroup(this.mprGroup.id);
    this.engine?.destroy();
    this.engine = null;
    csAnnotation.state.removeAllAnnotations();
    if (this.mpr) cache.removeVolumeLoadObject(this.mpr.volumeId);
    cache.purgeCache();
    this.measurements?.dispose();
    this.browser.dispose();
    this.header.dispose();
    if (window.hoichan?.viewer === this) delete window.hoichan.viewer;
  }
}

/**
 * PET shows as inverted grey (uptake dark on white, the usual reading display) with a window from 0 to the
 * 99.5th percentile of the rescaled values: stored windows are often in other units than Bq/ml or SUV.
 */
function applyPetDisplay(vp: StackViewport): void {
  const image = vp.getCornerstoneImage() as unknown as { getPixelData?: () => ArrayLike<number>; voxelManager?: { getScalarData(): ArrayLike<number> } } | undefined;
  const pixels = image?.voxelManager?.getScalarData() ?? image?.getPixelData?.();
  const range = pixels && quantileRange(pixels, 0, 0.995);
  if (!range) return;
  vp.setProperties({ voiRange: { lower: Math.max(0, range.lower), upper: range.upper }, invert: true });
  vp.render();
}

/** The image a series opens at: the middle one (or frame 1 of a multi-frame). */
function firstIndex(display: SeriesDisplay): number {
  return display.multiFrame ? 0 : Math.floor((display.imageIds.length - 1) / 2);
}

function onceEvent(el: EventTarget, name: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      el.removeEventListener(name, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    el.addEventListener(name, done);
  });
}

function describe(err: unknown): string {
  if (err instanceof HttpError) return err.status ? t('error.http', { status: err.status }) : t('error.network');
  // The image loader rejects with the XMLHttpRequest itself when the server answers an error.
  if (typeof XMLHttpRequest !== 'undefined' && err instanceof XMLHttpRequest) return err.status ? t('error.http', { status: err.status }) : t('error.network');
  if (err && typeof err === 'object' && 'request' in err && (err as { request?: unknown }).request instanceof XMLHttpRequest) return t('error.http', { status: ((err as { request: XMLHttpRequest }).request).status });
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err ?? '');
}

/** Exposes the current viewer on `window.hoichan.viewer` for the browser tests and the benchmark. */
function publishDebug(v: ViewerScreen): void {
  window.hoichan ??= {} as NonNullable<Window['hoichan']>;
  window.hoichan.viewer = v;
}

declare global {
  interface Window {
    hoichan?: {
      viewer?: ViewerScreen;
      setCase?: (studyUid: string, summary: CaseSummary | null) => CaseSummary | null;
    };
  }
}

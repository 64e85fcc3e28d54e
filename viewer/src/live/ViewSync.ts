import { Enums as CoreEnums, eventTarget } from '@cornerstonejs/core';
import { annotation as csAnnotation, Enums as ToolEnums, utilities as toolUtilities } from '@cornerstonejs/tools';
import type { ViewerLiveHook } from './hook';
import { applyCell, readCell, type SharedAnnotation, type ViewState } from './viewState';

type Laser = { cell: number; x: number; y: number } | null;

/** Wall-clock milliseconds with sub-millisecond precision (sender and receiver on one machine compare). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Minimum gap between two state messages while the presenter drags (30 per second). */
const SEND_GAP_MS = 33;

const CS_EVENTS = [CoreEnums.Events.STACK_NEW_IMAGE, CoreEnums.Events.VOI_MODIFIED, CoreEnums.Events.CAMERA_MODIFIED, CoreEnums.Events.VOLUME_NEW_IMAGE];
const ANNOTATION_EVENTS = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED];

/**
 * Synchronized viewing: on the presenter, every change of the viewer (image, W/L, zoom/pan, rotation, layout,
 * series, annotations) becomes a {@link ViewState} sent through the room; on the others, the latest state
 * received is applied to the local viewer, which renders its own copy of the images at full fidelity.
 */
export class ViewSync {
  private presenting = false;
  private lastSent = '';
  private lastSendAt = 0;
  private timer = 0;
  private poll = 0;
  private pending: { state: ViewState; sentAt: number } | null = null;
  private applying = false;
  private mirrored = new Set<string>();
  private laserOn = false;
  private readonly laserDots = new Map<number, HTMLElement>();
  private readonly cleanups: (() => void)[] = [];
  /** Receiver side: ms from the presenter's change to this viewer's render (the benchmark reads it). */
  readonly latencies: number[] = [];
  /** Receiver side: ms from the presenter's change to the message reaching this page (transport + queueing). */
  readonly arrivals: number[] = [];
  /** Receiver side: states applied. */
  applied = 0;

  constructor(private readonly hook: ViewerLiveHook, private readonly send: {
    state: (s: ViewState, sentAt: number) => void;
    laser: (l: Laser, sentAt: number) => void;
  }) {
    const onChange = () => this.changed();
    for (const ev of CS_EVENTS) hook.root.addEventListener(ev, onChange, true);
    for (const ev of ANNOTATION_EVENTS) eventTarget.addEventListener(ev, onChange);
    this.cleanups.push(() => {
      for (const ev of CS_EVENTS) hook.root.removeEventListener(ev, onChange, true);
      for (const ev of ANNOTATION_EVENTS) eventTarget.removeEventListener(ev, onChange);
    });
    const onPointer = (e: PointerEvent) => this.onPointer(e);
    const onLeave = () => { if (this.presenting && this.laserOn) this.sendLaser(null); };
    hook.root.addEventListener('pointermove', onPointer);
    hook.root.addEventListener('pointerleave', onLeave);
    this.cleanups.push(() => { hook.root.removeEventListener('pointermove', onPointer); hook.root.removeEventListener('pointerleave', onLeave); });
    // Layout and series changes have no Cornerstone event of their own: a light poll catches them.
    this.poll = window.setInterval(() => this.changed(), 400);
  }

  setPresenting(on: boolean): void {
    this.presenting = on;
    this.lastSent = '';
    if (on) this.changed();
    else this.setLaser(false);
    this.hook.root.dataset.liveRole = on ? 'presenter' : 'viewer';
  }

  setLaser(on: boolean): void {
    this.laserOn = on && this.presenting;
    this.hook.root.classList.toggle('live-laser-mode', this.laserOn);
    if (!this.laserOn && this.presenting) this.sendLaser(null);
  }

  /** The presenter's view as it is now. */
  capture(): ViewState {
    const cells = this.hook.cells();
    const uids = new Set(cells.map((c) => c.seriesUid));
    const annotations: SharedAnnotation[] = (csAnnotation.state.getAllAnnotations() as unknown as SharedAnnotation[])
      .filter((a) => !this.mirrored.has(a.annotationUID) && (!a.metadata.referencedImageId || [...uids].some((u) => u && String(a.metadata.referencedImageId).includes(u))))
      .map((a) => ({ annotationUID: a.annotationUID, metadata: { ...a.metadata }, data: { ...a.data, cachedStats: {} } }));
    return { studyUid: this.hook.studyUid, layout: this.hook.layout(), active: this.hook.activeIndex(), cells: cells.map(readCell), annotations };
  }

  /** Receiver: applies the latest state (older ones still queued are skipped). */
  receive(state: ViewState, sentAt: number): void {
    if (state.studyUid !== this.hook.studyUid) return;
    this.arrivals.push(nowMs() - sentAt);
    this.pending = { state, sentAt };
    if (!this.applying) void this.drain();
  }

  showLaser(l: Laser): void {
    for (const [i, dot] of this.laserDots) if (!l || l.cell !== i) dot.hidden = true;
    if (!l) return;
    const cell = this.hook.cells()[l.cell];
    if (!cell) return;
    let dot = this.laserDots.get(l.cell);
    if (!dot || !cell.root.contains(dot)) {
      dot = document.createElement('div');
      dot.className = 'live-laser';
      dot.setAttribute('aria-hidden', 'true');
      cell.root.append(dot);
      this.laserDots.set(l.cell, dot);
    }
    dot.hidden = false;
    dot.style.left = `${l.x * 100}%`;
    dot.style.top = `${l.y * 100}%`;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.poll);
    for (const f of this.cleanups) f();
    for (const d of this.laserDots.values()) d.remove();
  }

  private changed(): void {
    if (!this.presenting || this.timer) return;
    const wait = Math.max(0, this.lastSendAt + SEND_GAP_MS - performance.now());
    if (wait === 0) return this.flush();
    this.timer = window.setTimeout(() => { this.timer = 0; this.flush(); }, wait);
  }

  private flush(): void {
    if (!this.presenting) return;
    const state = this.capture();
    const text = JSON.stringify(state);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.lastSendAt = performance.now();
    this.send.state(state, nowMs());
  }

  private async drain(): Promise<void> {
    this.applying = true;
    try {
      while (this.pending) {
        const { state, sentAt } = this.pending;
        this.pending = null;
        await this.apply(state);
        this.latencies.push(nowMs() - sentAt);
        this.applied++;
        this.hook.root.dataset.liveApplied = String(this.applied);
      }
    } catch (err) {
      console.warn('live: could not apply the shared view', err);
    } finally {
      this.applying = false;
    }
  }

  private async apply(s: ViewState): Promise<void> {
    if (this.hook.layout() !== s.layout && s.layout !== 'mpr') this.hook.setLayout(s.layout);
    const cells = this.hook.cells();
    await Promise.all(s.cells.map(async (v, i) => {
      const c = cells[i];
      if (!c || !v.seriesUid) return;
      if (c.seriesUid !== v.seriesUid || !c.ready) {
        await this.hook.showSeries(i, v.seriesUid, v.imageIndex);
      }
      const fresh = this.hook.cells()[i];
      if (fresh) await applyCell(fresh, v);
    }));
    if (this.hook.activeIndex() !== s.active) this.hook.setActive(s.active);
    this.applyAnnotations(s.annotations);
  }

  private applyAnnotations(list: SharedAnnotation[]): void {
    const incoming = new Set(list.map((a) => a.annotationUID));
    let touched = false;
    for (const uid of this.mirrored) {
      if (!incoming.has(uid)) { csAnnotation.state.removeAnnotation(uid); this.mirrored.delete(uid); touched = true; }
    }
    const element = this.hook.cells()[0]?.element;
    for (const a of list) {
      const existing = csAnnotation.state.getAnnotation(a.annotationUID) as unknown as SharedAnnotation | undefined;
      if (existing && JSON.stringify(existing.data.handles) === JSON.stringify(a.data.handles) && existing.data.label === a.data.label) continue;
      if (existing) csAnnotation.state.removeAnnotation(a.annotationUID);
      const copy = { ...a, invalidated: true, highlighted: false, isLocked: true, isVisible: true, data: structuredClone(a.data) };
      csAnnotation.state.addAnnotation(copy as never, element as never);
      this.mirrored.add(a.annotationUID);
      touched = true;
    }
    if (touched) {
      const ids = this.hook.cells().map((c) => c.viewport?.id).filter((x): x is string => !!x);
      toolUtilities.triggerAnnotationRenderForViewportIds(ids);
    }
  }

  private onPointer(e: PointerEvent): void {
    if (!this.presenting || !this.laserOn) return;
    const cell = this.hook.cells().find((c) => c.element.contains(e.target as Node));
    if (!cell) return;
    const r = cell.element.getBoundingClientRect();
    this.sendLaser({ cell: cell.index, x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height });
  }

  private sendLaser(l: Laser): void {
    this.showLaser(l);
    this.send.laser(l, nowMs());
  }
}

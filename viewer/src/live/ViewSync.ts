import { Enums as CoreEnums, eventTarget } from '@cornerstonejs/core';
import { annotation as csAnnotation, Enums as ToolEnums, utilities as toolUtilities } from '@cornerstonejs/tools';
import type { ViewerLiveHook } from './hook';
import { applyCell, readCell, type SharedAnnotation, type ViewState } from './viewState';

type Laser = { cell: number; x: number; y: number } | null;
/** How a state reached this page: the gateway's WebSocket relay, or the presenter's data channel (peer-to-peer). */
export type SyncPath = 'ws' | 'dc';
/** Per-hop latencies of the copies received (ms, one clock on one machine): the benchmark's breakdown. */
export interface SyncHops {
  /** Presenter's change → gateway relay (presenter's page, its network stack, TLS, the gateway's event loop). */
  wsUp: number[];
  /** Gateway relay → this page's message handler. */
  wsDown: number[];
  /** Presenter's change → this page's handler, per path. */
  ws: number[];
  dc: number[];
}

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
  /** Presenter side: states sent; the count rides in each (both paths' copies share it). */
  private sentCount = 0;
  /**
   * Receiver side: the newest state count (and laser clock) received from `newestFrom`: the copy by the other path and
   * anything older are dropped. Per presenter: another presenter's count (and clock, on another machine) starts over.
   */
  private newestFrom = '';
  private newest = 0;
  private newestLaser = 0;
  private applying = false;
  private mirrored = new Set<string>();
  private laserOn = false;
  private readonly laserDots = new Map<number, HTMLElement>();
  private readonly cleanups: (() => void)[] = [];
  /** Receiver side: ms from the presenter's change to this viewer's render, drawn (the benchmark reads it). */
  readonly latencies: number[] = [];
  /** Receiver side: ms from the presenter's change to the state applied to the viewports (their draw scheduled, not done). */
  readonly appliedIn: number[] = [];
  /** Receiver side: ms from the presenter's change to the message reaching this page (transport + queueing). */
  readonly arrivals: number[] = [];
  readonly hops: SyncHops = { wsUp: [], wsDown: [], ws: [], dc: [] };
  /** Receiver side: which path delivered first, per state applied. */
  readonly firstBy: Record<SyncPath, number> = { ws: 0, dc: 0 };
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
    return { studyUid: this.hook.studyUid, layout: this.hook.layout(), mpr: this.hook.mpr(), active: this.hook.activeIndex(), cells: cells.map(readCell), annotations };
  }

  /** Every annotation this page holds (tests): uid, tool and whether it is a mirrored copy. */
  annotations(): { annotationUID: string; toolName: string; mirrored: boolean; handles: unknown }[] {
    return (csAnnotation.state.getAllAnnotations() as unknown as SharedAnnotation[]).map((a) => ({
      annotationUID: a.annotationUID, toolName: String(a.metadata.toolName ?? ''), mirrored: this.mirrored.has(a.annotationUID), handles: (a.data as { handles?: unknown }).handles ?? null,
    }));
  }

  /**
   * Receiver: applies the latest state (older ones still queued are skipped). The presenter sends each state by
   * both paths; the first copy wins. `sentAt` 0: the gateway's stored state for a newcomer (no clock to compare).
   */
  receive(state: ViewState, sentAt: number, from: string, via: SyncPath = 'ws', relayedAt?: number): void {
    if (state.studyUid !== this.hook.studyUid) return;
    const now = nowMs();
    if (sentAt > 0) {
      record(this.hops[via], now - sentAt);
      if (relayedAt !== undefined) { record(this.hops.wsUp, relayedAt - sentAt); record(this.hops.wsDown, now - relayedAt); }
      if (from !== this.newestFrom) { this.newestFrom = from; this.newest = 0; this.newestLaser = 0; }
      const n = state.n ?? sentAt;
      if (n <= this.newest) return;
      this.newest = n;
      this.firstBy[via]++;
      record(this.arrivals, now - sentAt);
    }
    this.pending = { state, sentAt: sentAt || now };
    if (!this.applying) void this.drain();
  }

  /** Receiver: the laser pointer, by either path (the later copy of one position is dropped). */
  receiveLaser(l: Laser, sentAt: number, from: string): void {
    if (from !== this.newestFrom) { this.newestFrom = from; this.newest = 0; this.newestLaser = 0; }
    if (sentAt > 0 && sentAt <= this.newestLaser) return;
    this.newestLaser = sentAt;
    this.showLaser(l);
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
    this.send.state({ ...state, n: ++this.sentCount }, nowMs());
  }

  private async drain(): Promise<void> {
    this.applying = true;
    try {
      while (this.pending) {
        const { state, sentAt } = this.pending;
        this.pending = null;
        await this.apply(state, sentAt);
        record(this.latencies, nowMs() - sentAt);
        this.applied++;
        this.hook.root.dataset.liveApplied = String(this.applied);
      }
    } catch (err) {
      console.warn('live: could not apply the shared view', err);
    } finally {
      this.applying = false;
    }
  }

  /** Applies a state; resolves once the cells it changed have been drawn (Cornerstone renders on the next frame). */
  private async apply(s: ViewState, sentAt: number): Promise<void> {
    const draws: Promise<void>[] = [];
    // MPR first: entering or leaving it replaces the cells. `mpr` absent: a presenter that does not share it.
    if (s.mpr !== undefined && s.mpr !== this.hook.mpr()) await this.hook.setMpr(s.mpr);
    if (this.hook.layout() !== s.layout && s.layout !== 'mpr') this.hook.setLayout(s.layout);
    const cells = this.hook.cells();
    await Promise.all(s.cells.map(async (v, i) => {
      const c = cells[i];
      if (!c || !v.seriesUid) return;
      if (c.kind === 'stack' && (c.seriesUid !== v.seriesUid || !c.ready)) {
        await this.hook.showSeries(i, v.seriesUid, v.imageIndex);
      }
      const fresh = this.hook.cells()[i];
      if (!fresh) return;
      const drawn = nextRender(fresh.element);
      if (await applyCell(fresh, v)) draws.push(drawn.promise);
      else drawn.cancel();
    }));
    if (this.hook.activeIndex() !== s.active) this.hook.setActive(s.active);
    this.applyAnnotations(s.annotations);
    record(this.appliedIn, nowMs() - sentAt);
    await Promise.all(draws);
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

/** The next IMAGE_RENDERED of a viewport element (at most `timeoutMs` away: a render that never comes must not stall the queue). */
function nextRender(el: HTMLElement, timeoutMs = 1000): { promise: Promise<void>; cancel: () => void } {
  let done = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    const timer = setTimeout(() => done(), timeoutMs);
    done = () => { clearTimeout(timer); el.removeEventListener(CoreEnums.Events.IMAGE_RENDERED, done); resolve(); };
    el.addEventListener(CoreEnums.Events.IMAGE_RENDERED, done);
  });
  return { promise, cancel: () => done() };
}

/** Keeps the last 2000 figures: a meeting lasts hours, the benchmark reads a few hundred. */
function record(list: number[], v: number): void {
  if (list.push(v) > 2000) list.splice(0, list.length - 2000);
}

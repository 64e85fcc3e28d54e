import type { AppContext, Screen } from '../screens/Screen';
import { h, clear } from '../ui/dom';
import { onLangChange } from '../i18n/i18n';
import { lt, type LiveStringKey } from './strings';
import { SignalingClient } from './SignalingClient';
import { MeshCall } from './MeshCall';
import { ViewSync, type SyncPath } from './ViewSync';
import { FaceBlur, type Rect } from './FaceBlur';
import type { ViewState } from './viewState';
import type { ClientMessage, MediaFlags, PeerId, PeerInfo, RoomInfo, ServerMessage } from './protocol';
import './live.css';

/** Where the gateway serves the tiny face detector weights (gateway/src/live/liveRoutes.ts). */
const FACE_MODELS = '/live-assets/face-models';

/**
 * The live consult room (issue 7, G-1.3/G-3.6): the consult's study in the normal viewer, mirrored from the
 * presenter to everyone; audio and video among the approved participants peer-to-peer; "patient present"
 * blurs faces before they leave this browser (G-2.4). There is no recording or streaming feature (G-2.5).
 */
export class LiveScreen implements Screen {
  private root!: HTMLElement;
  private panel!: HTMLElement;
  private status!: HTMLElement;
  private people!: HTMLElement;
  private videos!: HTMLElement;
  private controls!: HTMLElement;
  private signaling: SignalingClient | null = null;
  private mesh: MeshCall | null = null;
  private sync: ViewSync | null = null;
  private blur: FaceBlur | null = null;
  private local: MediaStream | null = null;
  private viewer: { unmount(): void } | null = null;
  private self: PeerInfo | null = null;
  private presenter: PeerId | null = null;
  private peers = new Map<PeerId, PeerInfo>();
  private pendingState: { state: ViewState; sentAt: number; from: PeerId; via: SyncPath; relayedAt?: number } | null = null;
  /**
   * Paths the presenter shares the view by: the gateway only, or also each peer's data channel (the first copy to
   * arrive is applied). The gateway copy always goes: it keeps the last state for late joiners. Tests switch it.
   */
  syncPaths: 'ws' | 'both' = 'both';
  private media: MediaFlags = { camera: false, mic: false, patientPresent: false };
  private disposed = false;
  private offLang: (() => void) | null = null;

  /** `studyUid`: the case-pack study to open when the consult does not name one. */
  constructor(private readonly ctx: AppContext, private readonly consultId: string, private readonly studyUid?: string) {}

  async mount(container: HTMLElement): Promise<void> {
    const viewerHost = h('div', { class: 'live-viewer' });
    this.status = h('p', { class: 'live-status', role: 'status', 'data-testid': 'live-status' }, lt('connecting'));
    this.people = h('ul', { class: 'live-people', 'data-testid': 'live-people' });
    this.videos = h('div', { class: 'live-videos', 'data-testid': 'live-videos' });
    this.controls = h('div', { class: 'live-controls' });
    this.panel = h('aside', { class: 'live-panel', 'aria-labelledby': 'live-title' });
    this.root = h('div', { class: 'live-screen', 'data-testid': 'live-screen' }, viewerHost, this.panel);
    container.append(this.root);
    this.offLang = onLangChange(() => this.renderPanel());
    this.renderPanel();
    publish(this);

    const res = await fetch(`${this.ctx.config.apiRoot}/live/rooms/${encodeURIComponent(this.consultId)}`, { headers: this.ctx.session.authHeaders() });
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as { detail?: string };
      return this.fail(lt('refused', { reason: problem.detail ?? `HTTP ${res.status}` }), 'refused');
    }
    const info = (await res.json()) as RoomInfo;
    if (this.disposed) return;
    this.root.dataset.pseudonym = info.pseudonym ?? '';
    this.renderPanel(info);

    const viewerReady = this.mountViewer(viewerHost, info);
    await this.startMedia();
    if (this.disposed) return;
    const token = this.ctx.session.current?.token ?? '';
    const wsUrl = new URL(`${this.ctx.config.apiRoot}/live/rooms/${encodeURIComponent(this.consultId)}/ws`, location.href);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.signaling = new SignalingClient(wsUrl.href, token, {
      onMessage: (m) => this.onMessage(m, info),
      onClose: (reason) => this.fail(lt('closed', { reason }), 'closed'),
    });
    try {
      await this.signaling.open();
    } catch (err) {
      return this.fail(lt('refused', { reason: (err as Error).message }), 'refused');
    }
    await viewerReady;
  }

  private async mountViewer(host: HTMLElement, info: RoomInfo): Promise<void> {
    const studyUid = info.studyUid ?? this.studyUid;
    if (!studyUid) return;
    const { ViewerScreen } = await import('../screens/viewer/ViewerScreen');
    if (this.disposed) return;
    const viewer = new ViewerScreen(this.ctx, studyUid);
    this.viewer = viewer;
    await viewer.mount(host);
    if (this.disposed) return;
    this.sync = new ViewSync(viewer.liveHook(), {
      state: (state, sentAt) => this.shareView({ t: 'state', state, sentAt }),
      laser: (laser, sentAt) => this.shareView({ t: 'laser', laser, sentAt }),
    });
    this.sync.setPresenting(!!this.self && this.presenter === this.self.peerId);
    const p = this.pendingState;
    if (p) this.sync.receive(p.state, p.sentAt, p.from, p.via, p.relayedAt);
    this.root.dataset.viewer = 'ready';
  }

  private async startMedia(): Promise<void> {
    try {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 15 } });
    } catch (err) {
      this.setStatus(lt('noCamera', { reason: (err as Error).message }), true);
      return;
    }
    if (this.local.getVideoTracks().length) this.blur = new FaceBlur(this.local, FACE_MODELS);
    this.media = { camera: !!this.blur, mic: this.local.getAudioTracks().length > 0, patientPresent: false };
  }

  private localTracks(): MediaStreamTrack[] {
    return [...(this.local?.getAudioTracks() ?? []), ...(this.blur ? [this.blur.track] : [])];
  }

  private onMessage(m: ServerMessage, info: RoomInfo): void {
    switch (m.t) {
      case 'welcome': {
        this.self = m.you;
        this.presenter = m.presenter;
        for (const p of m.peers) this.peers.set(p.peerId, p);
        this.mesh = new MeshCall(m.you.peerId, info.iceServers.length ? info.iceServers : (m.iceServers as RTCIceServer[]), {
          signal: (to, data) => this.signaling?.send({ t: 'signal', to, data }),
          onRemoteStream: (peer, stream) => this.showRemote(peer, stream),
          onState: (peer, state) => { const v = this.videos.querySelector<HTMLElement>(`[data-peer="${peer}"]`); if (v) v.dataset.state = state; },
          onData: (peer, text) => this.onPeerData(peer, text),
        });
        this.mesh.setLocalTracks(this.localTracks());
        // The newcomer calls everyone already there; they answer.
        for (const p of m.peers) this.mesh.connect(p.peerId);
        this.signaling?.send({ t: 'media', media: this.media });
        if (m.state) this.onState(m.state as ViewState, 0, m.presenter ?? '');
        this.sync?.setPresenting(this.presenter === m.you.peerId);
        this.root.dataset.connected = 'true';
        break;
      }
      case 'peer-joined': this.peers.set(m.peer.peerId, m.peer); break;
      case 'peer-left':
        this.peers.delete(m.peerId);
        this.mesh?.disconnect(m.peerId);
        this.videos.querySelector(`[data-peer="${m.peerId}"]`)?.remove();
        break;
      case 'peer-media': { const p = this.peers.get(m.peerId); if (p) p.media = m.media; break; }
      case 'presenter':
        this.presenter = m.peerId;
        this.sync?.setPresenting(!!this.self && m.peerId === this.self.peerId);
        break;
      case 'signal': void this.mesh?.onSignal(m.from, m.data as never); break;
      case 'state': this.onState(m.state as ViewState, m.sentAt, m.from, 'ws', m.relayedAt); break;
      case 'laser': this.sync?.receiveLaser(m.laser as never, m.sentAt, m.from); break;
      case 'error': console.warn('live:', m.message); break;
      case 'closed': this.fail(lt('closed', { reason: m.reason }), 'closed'); return;
      case 'pong': break;
    }
    // View state and signaling change nothing in the panel (and arrive up to 30 times a second).
    if (m.t !== 'state' && m.t !== 'laser' && m.t !== 'signal') this.renderPanel(info);
  }

  private onState(state: ViewState, sentAt: number, from: PeerId, via: SyncPath = 'ws', relayedAt?: number): void {
    if (this.sync) this.sync.receive(state, sentAt, from, via, relayedAt);
    else this.pendingState = { state, sentAt, from, via, relayedAt };
  }

  /**
   * The view by the fastest path (issue 7): each peer's data channel goes straight from browser to browser, while
   * the gateway copy crosses two more TLS hops and the gateway's event loop; the gateway copy still goes, as the
   * room's stored state for late joiners and for a peer whose channel is not open yet.
   */
  private shareView(m: Extract<ClientMessage, { t: 'state' | 'laser' }>): void {
    if (this.syncPaths === 'both') this.mesh?.broadcastData(JSON.stringify(m));
    this.signaling?.send(m);
  }

  /** A data-channel message: the view from the presenter (anyone else's is ignored: the gateway checks the role on its path). */
  private onPeerData(peer: PeerId, text: string): void {
    if (peer !== this.presenter) return;
    let m: { t?: unknown; state?: unknown; laser?: unknown; sentAt?: unknown };
    try { m = JSON.parse(text) as typeof m; } catch { return; }
    if (typeof m.sentAt !== 'number') return;
    if (m.t === 'state' && m.state && typeof m.state === 'object') this.onState(m.state as ViewState, m.sentAt, peer, 'dc');
    else if (m.t === 'laser') {
      // The gateway's parser checks the laser on its path; this path gets the same check.
      const l = m.laser as { cell?: unknown; x?: unknown; y?: unknown } | null | undefined;
      const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
      if (!l) this.sync?.receiveLaser(null, m.sentAt, peer);
      else if (num(l.cell) && num(l.x) && num(l.y)) this.sync?.receiveLaser({ cell: l.cell, x: Math.min(1, Math.max(0, l.x)), y: Math.min(1, Math.max(0, l.y)) }, m.sentAt, peer);
    }
  }

  private showRemote(peer: PeerId, stream: MediaStream): void {
    let tile = this.videos.querySelector<HTMLElement>(`[data-peer="${peer}"]`);
    if (!tile) {
      const video = h('video', { autoplay: true, playsinline: true, 'data-testid': 'remote-video' });
      tile = h('div', { class: 'live-tile', 'data-peer': peer }, video, h('span', { class: 'live-name' }));
      this.videos.append(tile);
    }
    const video = tile.querySelector('video')!;
    if (video.srcObject !== stream) video.srcObject = stream;
    void video.play().catch(() => undefined);
    this.renderPanel();
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private fail(text: string, why: 'refused' | 'closed'): void {
    this.root.dataset.live = why;
    this.setStatus(text, true);
    this.teardownMedia();
  }

  /** Rebuilds the panel's text and controls (cheap: a handful of nodes). */
  private renderPanel(info?: RoomInfo): void {
    const selfId = this.self?.peerId;
    const presenting = !!selfId && this.presenter === selfId;
    if (!this.panel.firstChild) {
      this.panel.append(
        h('h2', { id: 'live-title' }),
        h('p', { class: 'live-notice', role: 'note', 'data-testid': 'live-no-recording' }),
        h('p', { class: 'live-pseudonym' }),
        this.status, this.videos, this.controls, h('h3', { class: 'live-people-title panel-heading' }), this.people,
      );
    }
    this.panel.querySelector('#live-title')!.textContent = lt('title');
    this.panel.querySelector('.live-notice')!.textContent = lt('noRecording');
    if (info) (this.panel.querySelector('.live-pseudonym') as HTMLElement).textContent = lt('pseudonym', { p: info.pseudonym ?? '—' });
    if (this.root.dataset.live !== 'refused' && this.root.dataset.live !== 'closed' && this.self) {
      const p = this.presenter ? (this.presenter === selfId ? this.self : this.peers.get(this.presenter)) : null;
      this.setStatus(presenting ? lt('presenting') : p ? lt('following', { name: p.displayName ?? p.userId }) : '');
      this.root.dataset.role = presenting ? 'presenter' : 'viewer';
    }
    // Participants, presenter first.
    clear(this.people);
    const all = [...(this.self ? [this.self] : []), ...this.peers.values()];
    (this.panel.querySelector('.live-people-title') as HTMLElement).textContent = lt('participants', { n: all.length });
    for (const p of all) {
      const li = h('li', { 'data-user': p.userId }, `${p.displayName ?? p.userId} · ${p.peerId === this.presenter ? lt('presenter') : lt('viewer')} ${p.peerId === selfId ? lt('you') : ''}`);
      if (presenting && p.peerId !== selfId) li.append(' ', h('button', { type: 'button', class: 'button ghost', onclick: () => this.signaling?.send({ t: 'handover', to: p.peerId }) }, lt('handover')));
      this.people.append(li);
    }
    for (const tile of this.videos.querySelectorAll<HTMLElement>('[data-peer]')) {
      const p = this.peers.get(tile.dataset.peer!);
      tile.classList.toggle('presenter', tile.dataset.peer === this.presenter);
      const name = tile.querySelector('.live-name');
      if (p && name) name.textContent = `${p.displayName ?? p.userId}${p.media.patientPresent ? ' ·  ◐' : ''}`;
    }
    this.renderControls(presenting);
  }

  /** Builds the controls once (rebuilding would steal focus from keyboard users), then shows what applies. */
  private renderControls(presenting: boolean): void {
    if (!this.controls.dataset.built) {
      this.controls.dataset.built = '1';
      if (this.blur) {
        const preview = h('div', { class: 'live-tile', 'data-testid': 'local-preview' }, this.blur.canvas, h('span', { class: 'live-name' }));
        this.videos.prepend(preview);
        this.enableManualBlur(preview);
      }
      const toggle = (testid: string, label: LiveStringKey, on: boolean, set: (v: boolean) => void) =>
        h('label', { 'data-label': label }, h('input', { type: 'checkbox', 'data-testid': testid, checked: on, onchange: (e: Event) => set((e.target as HTMLInputElement).checked) }), h('span', {}, lt(label)));
      const button = (testid: string, label: LiveStringKey, onclick: () => void, cls = 'button ghost') =>
        h('button', { type: 'button', class: cls, 'data-testid': testid, 'data-label': label, onclick }, lt(label));
      this.controls.append(
        toggle('live-camera', 'camera', this.media.camera, (v) => { this.media.camera = v; if (this.blur) this.blur.track.enabled = v; this.sendMedia(); }),
        toggle('live-mic', 'mic', this.media.mic, (v) => { this.media.mic = v; for (const t of this.local?.getAudioTracks() ?? []) t.enabled = v; this.sendMedia(); }),
        toggle('live-patient-present', 'patientPresent', this.media.patientPresent, (v) => { this.media.patientPresent = v; this.blur?.setPatientPresent(v); this.sendMedia(); }),
        button('live-manual-blur', 'manualBlur', () => this.root.classList.toggle('live-drawing')),
        button('live-clear-blur', 'clearBlur', () => { if (this.blur) this.blur.manual = []; }),
        toggle('live-laser', 'laser', false, (v) => this.sync?.setLaser(v)),
        button('live-claim', 'claim', () => this.signaling?.send({ t: 'claim' }), 'button'),
        button('live-leave', 'leave', () => this.ctx.navigate({ name: 'consult', consultId: this.consultId }), 'button'),
      );
    }
    for (const el of this.controls.querySelectorAll<HTMLElement>('[data-label]')) {
      const text = el.tagName === 'LABEL' ? el.querySelector('span') : el;
      if (text) text.textContent = lt(el.dataset.label as LiveStringKey);
    }
    (this.controls.querySelector('[data-label="laser"]') as HTMLElement).hidden = !presenting;
    (this.controls.querySelector('[data-label="claim"]') as HTMLElement).hidden = presenting || !!this.presenter;
  }

  private sendMedia(): void {
    this.signaling?.send({ t: 'media', media: { ...this.media } });
  }

  /** Drag on the local preview to add a blur rectangle (always available, G-2.4). */
  private enableManualBlur(preview: HTMLElement): void {
    let start: { x: number; y: number } | null = null;
    const pos = (e: PointerEvent) => {
      const r = preview.getBoundingClientRect();
      return { x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height };
    };
    preview.addEventListener('pointerdown', (e) => { if (this.root.classList.contains('live-drawing')) start = pos(e); });
    preview.addEventListener('pointerup', (e) => {
      if (!start || !this.blur) return;
      const end = pos(e);
      const r: Rect = { x: Math.min(start.x, end.x), y: Math.min(start.y, end.y), w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y) };
      if (r.w > 0.02 && r.h > 0.02) this.blur.manual.push(r);
      start = null;
      this.root.classList.remove('live-drawing');
    });
  }

  private teardownMedia(): void {
    this.mesh?.close();
    this.mesh = null;
    this.blur?.dispose();
    this.blur = null;
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
  }

  /** Figures for the browser tests and the benchmark (also on `window.hoichan.live`). */
  get debug() {
    return {
      self: this.self, presenter: this.presenter, peers: [...this.peers.values()],
      stats: () => this.mesh?.stats() ?? Promise.resolve({}),
      latencies: this.sync?.latencies ?? [], arrivals: this.sync?.arrivals ?? [], applied: this.sync?.applied ?? 0,
      appliedIn: this.sync?.appliedIn ?? [], hops: this.sync?.hops ?? null, firstBy: this.sync?.firstBy ?? null,
      /** Annotations in this page's Cornerstone state (tests: the presenter's measurements mirrored here). */
      annotations: () => this.sync?.annotations() ?? [],
      blur: this.blur ? { faces: this.blur.faces, detections: this.blur.detections, detector: this.blur.detectorState, blurringAll: this.blur.blurringAll } : null,
      capture: () => this.sync?.capture() ?? null,
    };
  }

  unmount(): void {
    this.disposed = true;
    this.offLang?.();
    this.signaling?.close();
    this.teardownMedia();
    this.sync?.dispose();
    this.viewer?.unmount();
    if (window.hoichanLive === this) delete window.hoichanLive;
  }
}

function publish(s: LiveScreen): void {
  window.hoichanLive = s;
}

declare global {
  interface Window {
    /** The live screen (browser tests and the benchmark read `.debug`). */
    hoichanLive?: LiveScreen;
  }
}

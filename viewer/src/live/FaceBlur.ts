/** A rectangle in 0..1 frame coordinates. */
export interface Rect { x: number; y: number; w: number; h: number }

type FaceApi = typeof import('@vladmandic/face-api');

/** Frames per second drawn and sent; detection runs at most this often per second. */
const FPS = 15;
const DETECT_EVERY_MS = 250;
/** Detected boxes grow by this share on each side (hair, ears, chin stay covered). */
const MARGIN = 0.3;

/**
 * The camera picture as sent to the others (G-2.4): each frame is drawn onto a canvas; when "patient present"
 * is on, faces found by @vladmandic/face-api's tiny face detector (weights served by the gateway) are blurred
 * before the canvas is captured as the outgoing track, so no unblurred face ever reaches the encoder. Where
 * detection loses a face the last region stays blurred; until the detector has run once the whole frame is
 * blurred; manual rectangles are blurred whatever the detector says.
 */
export class FaceBlur {
  readonly canvas: HTMLCanvasElement;
  readonly track: MediaStreamTrack;
  patientPresent = false;
  manual: Rect[] = [];
  /** Last face regions found (kept when detection loses them). */
  faces: Rect[] = [];
  detections = 0;
  /** Detections finished since "patient present" was last switched on. */
  private detectionsSinceOn = 0;
  detectorState: 'idle' | 'loading' | 'ready' | 'failed' = 'idle';
  private readonly video: HTMLVideoElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly small: HTMLCanvasElement;
  private timer = 0;
  private lastDetect = 0;
  private detecting = false;
  private faceapi: FaceApi | null = null;

  constructor(source: MediaStream, private readonly modelUrl: string) {
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = source;
    void this.video.play().catch(() => undefined);
    const s = source.getVideoTracks()[0]?.getSettings();
    this.canvas = document.createElement('canvas');
    this.canvas.width = s?.width ?? 640;
    this.canvas.height = s?.height ?? 480;
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: false })!;
    this.small = document.createElement('canvas');
    this.track = this.canvas.captureStream(FPS).getVideoTracks()[0]!;
    // A timer, not requestAnimationFrame: rAF stops in background tabs and would freeze the outgoing video.
    this.timer = window.setInterval(() => this.draw(), 1000 / FPS);
  }

  setPatientPresent(on: boolean): void {
    this.patientPresent = on;
    this.detectionsSinceOn = 0;
    if (on && this.detectorState === 'idle') void this.loadDetector();
  }

  /** True while the whole frame is blurred: the detector has not looked at the picture since the switch went on. */
  get blurringAll(): boolean {
    return this.patientPresent && (this.detectorState === 'failed' || (this.detectionsSinceOn === 0 && this.faces.length === 0));
  }

  dispose(): void {
    clearInterval(this.timer);
    this.track.stop();
    this.video.srcObject = null;
  }

  private async loadDetector(): Promise<void> {
    this.detectorState = 'loading';
    try {
      const faceapi = await import('@vladmandic/face-api');
      // WebGL on a real GPU; the CPU backend when WebGL is software-rendered (SwiftShader compiles shaders for
      // tens of seconds on a busy 2-core PC, while the CPU backend detects within a second).
      // The bundled tfjs has setBackend/ready; face-api's typings leave them out.
      const tf = faceapi.tf as unknown as { setBackend(name: string): Promise<boolean>; ready(): Promise<void> };
      const webgl = !softwareWebGl() && (await tf.setBackend('webgl').catch(() => false));
      if (!webgl) await tf.setBackend('cpu');
      await tf.ready();
      await faceapi.nets.tinyFaceDetector.loadFromUri(this.modelUrl);
      this.faceapi = faceapi;
      this.detectorState = 'ready';
    } catch (err) {
      // Fail closed: the whole frame stays blurred while "patient present" is on.
      console.warn('live: face detector unavailable', err);
      this.detectorState = 'failed';
    }
  }

  private draw(): void {
    const { ctx, canvas, video } = this;
    if (video.readyState < 2) return;
    if (video.videoWidth && (canvas.width !== video.videoWidth || canvas.height !== video.videoHeight)) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
    }
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    if (this.patientPresent && this.faceapi && !this.detecting && performance.now() - this.lastDetect > DETECT_EVERY_MS) void this.detect();
    const regions = [...this.manual];
    if (this.patientPresent) regions.push(...(this.blurringAll ? [{ x: 0, y: 0, w: 1, h: 1 }] : this.faces));
    for (const r of regions) this.blur(r);
  }

  private async detect(): Promise<void> {
    this.detecting = true;
    this.lastDetect = performance.now();
    try {
      const found = await this.faceapi!.detectAllFaces(this.video, new this.faceapi!.TinyFaceDetectorOptions({ inputSize: 224, scoreThreshold: 0.35 }));
      const w = this.video.videoWidth || 1;
      const h = this.video.videoHeight || 1;
      this.detections++;
      this.detectionsSinceOn++;
      // A lost face keeps its last region; new detections replace the set.
      if (found.length) {
        this.faces = found.map((d) => {
          const b = d.box;
          return clampRect({ x: (b.x - b.width * MARGIN) / w, y: (b.y - b.height * MARGIN) / h, w: (b.width * (1 + 2 * MARGIN)) / w, h: (b.height * (1 + 2 * MARGIN)) / h });
        });
      }
    } catch (err) {
      console.warn('live: face detection failed', err);
    } finally {
      this.detecting = false;
    }
  }

  /** Blurs a region by shrinking it 16× and drawing it back smoothed (strong, and costs little). */
  private blur(r: Rect): void {
    const { canvas, ctx, small } = this;
    const x = Math.floor(r.x * canvas.width);
    const y = Math.floor(r.y * canvas.height);
    const w = Math.max(1, Math.ceil(r.w * canvas.width));
    const h = Math.max(1, Math.ceil(r.h * canvas.height));
    small.width = Math.max(2, Math.round(w / 16));
    small.height = Math.max(2, Math.round(h / 16));
    const sctx = small.getContext('2d')!;
    sctx.imageSmoothingEnabled = true;
    sctx.drawImage(canvas, x, y, w, h, 0, 0, small.width, small.height);
    ctx.save();
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, small.width, small.height, x, y, w, h);
    ctx.restore();
  }
}

/** True when WebGL is missing or drawn by a software rasterizer. */
function softwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl');
  if (!gl) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  return /swiftshader|llvmpipe|software/i.test(renderer);
}

function clampRect(r: Rect): Rect {
  const x = Math.max(0, r.x);
  const y = Math.max(0, r.y);
  return { x, y, w: Math.min(1 - x, r.w + Math.min(0, r.x)), h: Math.min(1 - y, r.h + Math.min(0, r.y)) };
}

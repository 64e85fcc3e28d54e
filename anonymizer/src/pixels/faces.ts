/**
 * Face detection (Clean Recognizable Visual Features, PS3.15 E.3.2; guideline G-2.4: the patient's face is covered
 * or blurred) with @vladmandic/face-api on the tfjs WebAssembly backend. Weights come from the package's own
 * `model/` folder, never from the network.
 *
 * Both detectors of face-api run and their boxes are united: SSD MobileNet v1 finds small and turned faces that
 * the Tiny detector misses, and the Tiny detector is cheap; for privacy recall matters more than precision.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import type { Box } from './image.js';

const require = createRequire(import.meta.url);

/** The parts of face-api used here (the package's types pull in the whole tfjs; this keeps them out). */
interface FaceApiTensor {
  dispose(): void;
}
interface FaceApiDetection {
  readonly score: number;
  readonly box: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}
interface FaceApi {
  tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): FaceApiTensor;
  };
  nets: Record<'ssdMobilenetv1' | 'tinyFaceDetector', { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean }>;
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => object;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => object;
  detectAllFaces(input: FaceApiTensor, options: object): Promise<FaceApiDetection[]>;
}

let loading: Promise<FaceApi> | undefined;

/** Loads tfjs-wasm and the two detectors once (about 6 MB of weights). */
export function loadFaceDetector(): Promise<FaceApi> {
  loading ??= (async () => {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void };
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    // A directory path (not a URL, and without "usePlatformFetch") makes emscripten read the .wasm with fs.
    wasm.setWasmPaths(`${path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const models = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(models);
    await faceapi.nets.tinyFaceDetector.loadFromDisk(models);
    return faceapi;
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** Options of `detectFaces`. */
export interface FaceDetectOptions {
  /** Minimum detector score (default 0.3: low, because a missed face is worse than a masked ear). */
  readonly minScore?: number;
  /** Longest side the image is scaled to before detection (default 1024). */
  readonly maxSide?: number;
  /** Margin added around each face box, as a fraction of its size (default 0.3: hair, ears, chin). */
  readonly margin?: number;
}

/** Faces in an 8-bit RGB image (interleaved), as boxes in the image's coordinates, margins included. */
export async function detectFaces(rgb: Uint8Array, width: number, height: number, opts: FaceDetectOptions = {}): Promise<Box[]> {
  const faceapi = await loadFaceDetector();
  const maxSide = opts.maxSide ?? 1024;
  const minScore = opts.minScore ?? 0.3;
  const margin = opts.margin ?? 0.3;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  let pixels = rgb;
  let w = width;
  let h = height;
  if (scale < 1) {
    const r = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } })
      .resize(Math.round(width * scale), Math.round(height * scale))
      .raw()
      .toBuffer({ resolveWithObject: true });
    pixels = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    w = r.info.width;
    h = r.info.height;
  }
  const tensor = faceapi.tf.tensor3d(pixels, [h, w, 3], 'int32');
  let found: FaceApiDetection[];
  try {
    const ssd = await faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 }));
    const tiny = await faceapi.detectAllFaces(tensor, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore }));
    found = [...ssd, ...tiny];
  } finally {
    tensor.dispose();
  }
  const sx = width / w;
  const sy = height / h;
  return found.map(({ box }) => {
    const mx = box.width * margin;
    const my = box.height * margin;
    return {
      x0: Math.max(0, Math.floor((box.x - mx) * sx)),
      y0: Math.max(0, Math.floor((box.y - my) * sy)),
      x1: Math.min(width, Math.ceil((box.x + box.width + mx) * sx)),
      y1: Math.min(height, Math.ceil((box.y + box.height + my) * sy)),
    };
  });
}

/**
 * Covers each box of an interleaved 8-bit image (1 or 3 samples) beyond recognition: the box is filled flat with
 * its mean colour ("covered", G-2.4). A blur or mosaic would keep a face shape that can sometimes be re-identified;
 * a flat fill keeps nothing but the average tone.
 */
export function maskBoxes(data: Uint8Array, width: number, height: number, channels: number, boxes: readonly Box[]): void {
  for (const b of boxes) {
    const x0 = Math.max(0, b.x0);
    const y0 = Math.max(0, b.y0);
    const x1 = Math.min(width, b.x1);
    const y1 = Math.min(height, b.y1);
    if (x1 <= x0 || y1 <= y0) continue;
    const mean = new Array<number>(channels).fill(0);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) for (let c = 0; c < channels; c++) mean[c] += data[(y * width + x) * channels + c];
    }
    const n = (x1 - x0) * (y1 - y0);
    for (let c = 0; c < channels; c++) mean[c] = Math.round(mean[c] / n);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = mean[c];
    }
  }
}

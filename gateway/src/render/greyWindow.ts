import type { DecodedFrame } from './decodeFrame.js';

/** A rendered grey frame: one byte per pixel. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * The common case of a rendered frame, without dcmjs-imaging's per-pixel generic reads (~5 ms of a 512×512
 * CT's ~10): a MONOCHROME1/2 frame of 8 or 16 bits with at most a rescale, and a LINEAR window (PS3.3
 * C.11.2.1.2.1). One 8-bit lookup table over every stored value (≤ 64 Ki entries) maps stored value →
 * modality value → display value; the frame is then one table lookup per pixel. Anything else (Modality or VOI
 * LUT sequences, padding values, other window functions, no window known, colour) returns null and is left to
 * dcmjs-imaging. `elements` are those of imagingElements() for this frame.
 */
export function greyWindow(frame: DecodedFrame, elements: Record<string, unknown>, window: { center: number; width: number } | undefined, hasLutSequences: boolean): GreyImage | null {
  if (frame.samplesPerPixel !== 1 || !frame.photometricInterpretation.startsWith('MONOCHROME')) return null;
  if (hasLutSequences || elements.PixelPaddingValue !== undefined || elements.VOILUTFunction !== 'LINEAR') return null;
  if (frame.bitsAllocated !== 8 && frame.bitsAllocated !== 16) return null;
  const bitsStored = frame.bitsStored;
  if (bitsStored < 1 || bitsStored > frame.bitsAllocated) return null;
  const win = window ?? first(elements.WindowCenter, elements.WindowWidth);
  if (!win || !(win.width >= 1) || !Number.isFinite(win.center)) return null;

  const slope = typeof elements.RescaleSlope === 'number' ? elements.RescaleSlope : 1;
  const intercept = typeof elements.RescaleIntercept === 'number' ? elements.RescaleIntercept : 0;
  const invert = frame.photometricInterpretation === 'MONOCHROME1';
  const signed = frame.pixelRepresentation === 1;
  const mask = (1 << bitsStored) - 1;
  const lut = lutFor(bitsStored, signed, slope, intercept, win, invert);

  const n = frame.rows * frame.columns;
  const out = new Uint8Array(n);
  const src = frame.pixels;
  if (frame.bitsAllocated === 8) {
    for (let i = 0; i < n; i++) out[i] = lut[src[i]! & mask]!;
  } else {
    if (src.byteLength < n * 2) return null;
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = lut[(src[j]! | (src[j + 1]! << 8)) & mask]!;
  }
  return { width: frame.columns, height: frame.rows, pixels: out };
}

/** Tables of recent renders (≤ 64 KiB each): the frames of a series share one, and building it costs ~0.5 ms of a ~5 ms render. */
const LUTS = new Map<string, Uint8Array>();
const LUTS_KEPT = 16;

/** Stored value → display byte, for every stored value of `bitsStored` bits. */
function lutFor(bitsStored: number, signed: boolean, slope: number, intercept: number, win: { center: number; width: number }, invert: boolean): Uint8Array {
  const key = `${bitsStored} ${signed} ${slope} ${intercept} ${win.center} ${win.width} ${invert}`;
  const known = LUTS.get(key);
  if (known) {
    LUTS.delete(key); // most recently used last
    LUTS.set(key, known);
    return known;
  }
  const size = 1 << bitsStored;
  const lut = new Uint8Array(size);
  const c = win.center - 0.5;
  const w = win.width - 1;
  for (let raw = 0; raw < size; raw++) {
    const stored = signed && raw >= size >> 1 ? raw - size : raw;
    const x = stored * slope + intercept;
    let y: number;
    if (x <= c - w / 2) y = 0;
    else if (x > c + w / 2) y = 255;
    else y = ((x - c) / w + 0.5) * 255;
    y = Math.min(255, Math.max(0, Math.floor(y)));
    lut[raw] = invert ? 255 - y : y;
  }
  LUTS.set(key, lut);
  if (LUTS.size > LUTS_KEPT) LUTS.delete(LUTS.keys().next().value!);
  return lut;
}

function first(centers: unknown, widths: unknown): { center: number; width: number } | undefined {
  const c = Array.isArray(centers) ? Number(centers[0]) : NaN;
  const w = Array.isArray(widths) ? Number(widths[0]) : NaN;
  return Number.isFinite(c) && Number.isFinite(w) ? { center: c, width: w } : undefined;
}

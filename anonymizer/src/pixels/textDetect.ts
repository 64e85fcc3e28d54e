/**
 * Burned-in text detector (issue 4 §4) for images that no device signature or ultrasound region covers.
 *
 * Hand-written (no OCR engine with offline models fits here; tesseract-style OCR is also much slower): text on
 * medical images is thin, high-contrast strokes of similar height standing in a row on a flat background. Steps:
 *  1. morphological top-hats (white: I − open(I); black: close(I) − I) with a square larger than a stroke keep
 *     thin bright/dark strokes and drop large structures (organs, gradients);
 *  2. threshold, 8-connected components;
 *  3. keep character-sized components;
 *  4. chain them into lines (vertical overlap, similar height, small gaps);
 *  5. keep lines of ≥ 3 characters on a common baseline, mostly of one height, drawn at high contrast, whose
 *     strokes stand out from a flat background (speckle, glints on water and anatomy edges fail here).
 * Limits: text drawn at low contrast (grey on grey) or over textured anatomy is not found; rotated text neither.
 * Returns padded boxes; the caller masks them.
 */
import type { Box } from './image.js';

/** Tuning of the detector; the defaults suit 8–48 px text on images up to a few thousand pixels. */
export interface TextDetectOptions {
  /** Half size of the structuring element (stroke widths up to about 2·radius are kept). */
  readonly radius?: number;
  /** Minimum top-hat response (0–255) of a stroke pixel. */
  readonly threshold?: number;
  readonly minCharHeight?: number;
  readonly maxCharHeight?: number;
  /** Minimum characters in a line. */
  readonly minChars?: number;
  /** Minimum mean top-hat response (0–255) of a line's strokes (default 130). */
  readonly minResponse?: number;
}

interface Comp {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
  sum: number;
}

/** Separable square min (erosion) or max (dilation) filter of radius r; plain comparisons (hot loop). */
function minMaxFilter(src: Uint8Array, w: number, h: number, r: number, max: boolean): Uint8Array {
  const tmp = new Uint8Array(src.length);
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = src[row + x];
      const e = Math.min(w - 1, x + r);
      for (let k = Math.max(0, x - r); k <= e; k++) {
        const u = src[row + k];
        if (max ? u > v : u < v) v = u;
      }
      tmp[row + x] = v;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h - 1, y + r);
    for (let x = 0; x < w; x++) {
      let v = tmp[y * w + x];
      for (let k = y0; k <= y1; k++) {
        const u = tmp[k * w + x];
        if (max ? u > v : u < v) v = u;
      }
      out[y * w + x] = v;
    }
  }
  return out;
}

function components(mask: Uint8Array, resp: Uint8Array, w: number, h: number): Comp[] {
  const label = new Int32Array(mask.length).fill(-1);
  const comps: Comp[] = [];
  const stack: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || label[i] >= 0) continue;
    const c: Comp = { x0: w, y0: h, x1: 0, y1: 0, area: 0, sum: 0 };
    const id = comps.length;
    comps.push(c);
    label[i] = id;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop() as number;
      const x = p % w;
      const y = (p - x) / w;
      c.area++;
      c.sum += resp[p];
      if (x < c.x0) c.x0 = x;
      if (y < c.y0) c.y0 = y;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y + 1 > c.y1) c.y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (mask[q] && label[q] < 0) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
      if (c.area > 20000) break; // a huge component is not a character; stop growing it
    }
    stack.length = 0;
  }
  return comps;
}

/** Detects lines of burned-in text in an 8-bit grey image; returns padded boxes. */
export function detectTextBoxes(grey: Uint8Array, w: number, h: number, opts: TextDetectOptions = {}): Box[] {
  if (w * h <= 1_500_000) return mergeBoxes([...detectPolarity(grey, w, h, 'white', opts), ...detectPolarity(grey, w, h, 'black', opts)]);
  // Large radiographs: detect at half size (text there is large), on max-pooled pixels for bright text and
  // min-pooled for dark text so that thin strokes keep their contrast.
  const w2 = w >> 1;
  const h2 = h >> 1;
  const max = new Uint8Array(w2 * h2);
  const min = new Uint8Array(w2 * h2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      const i = 2 * y * w + 2 * x;
      const a = grey[i];
      const b = grey[i + 1];
      const c = grey[i + w];
      const d = grey[i + w + 1];
      max[y * w2 + x] = Math.max(a, b, c, d);
      min[y * w2 + x] = Math.min(a, b, c, d);
    }
  }
  const half: TextDetectOptions = {
    ...opts,
    radius: Math.max(2, Math.round((opts.radius ?? 4) / 2)),
    minCharHeight: Math.max(3, Math.round((opts.minCharHeight ?? 6) / 2)),
    maxCharHeight: Math.round((opts.maxCharHeight ?? Math.max(12, Math.min(64, Math.floor(h / 6)))) / 2),
  };
  const up = (b: Box): Box => ({ x0: b.x0 * 2, y0: b.y0 * 2, x1: Math.min(w, b.x1 * 2 + 1), y1: Math.min(h, b.y1 * 2 + 1) });
  return mergeBoxes([...detectPolarity(max, w2, h2, 'white', half), ...detectPolarity(min, w2, h2, 'black', half)].map(up));
}

function detectPolarity(grey: Uint8Array, w: number, h: number, polarity: 'white' | 'black', opts: TextDetectOptions): Box[] {
  const r = opts.radius ?? 4;
  const threshold = opts.threshold ?? 70;
  const minH = opts.minCharHeight ?? 6;
  const maxH = opts.maxCharHeight ?? Math.max(12, Math.min(64, Math.floor(h / 6)));
  const minChars = opts.minChars ?? 3;
  const minResponse = opts.minResponse ?? 130;
  // white top-hat: I − open(I); black top-hat: close(I) − I
  const first = minMaxFilter(grey, w, h, r, polarity === 'black');
  const morph = minMaxFilter(first, w, h, r, polarity === 'white');
  const boxes: Box[] = [];
  const resp = new Uint8Array(grey.length);
  const mask = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) {
    const v = polarity === 'white' ? grey[i] - morph[i] : morph[i] - grey[i];
    resp[i] = v;
    mask[i] = v >= threshold ? 1 : 0;
  }
  const chars = components(mask, resp, w, h).filter((c) => {
    const ch = c.y1 - c.y0;
    const cw = c.x1 - c.x0;
    const fill = c.area / (ch * cw);
    // "i", "l", "1" are 1–2 px wide; "m", "w" and touching pairs up to ~2.5× height.
    return ch >= minH && ch <= maxH && cw <= ch * 2.5 && c.area >= 4 && fill >= 0.08 && fill <= 0.95;
  });
  for (const line of chainLines(chars, minChars, minResponse)) {
    if (!flatBackground(line, grey, resp, mask, w)) continue;
    const lh = line.y1 - line.y0;
    const pad = Math.max(2, Math.round(lh * 0.3));
    boxes.push({ x0: Math.max(0, line.x0 - pad), y0: Math.max(0, line.y0 - pad), x1: Math.min(w, line.x1 + pad), y1: Math.min(h, line.y1 + pad) });
  }
  return boxes;
}

interface Line extends Box {
  readonly count: number;
}

function chainLines(chars: Comp[], minChars: number, minResponse: number): Line[] {
  chars.sort((a, b) => a.x0 - b.x0);
  const parent = chars.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < chars.length; i++) {
    const a = chars[i];
    const ah = a.y1 - a.y0;
    for (let j = i + 1; j < chars.length; j++) {
      const b = chars[j];
      const bh = b.y1 - b.y0;
      const gap = b.x0 - a.x1;
      if (gap > 1.5 * Math.max(ah, bh)) {
        if (b.x0 - a.x1 > 3 * ah) break; // sorted by x0: nothing further can be close
        continue;
      }
      const overlap = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      if (overlap < 0.5 * Math.min(ah, bh)) continue;
      if (Math.max(ah, bh) > 2.2 * Math.min(ah, bh)) continue;
      parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, Comp[]>();
  chars.forEach((c, i) => {
    const g = find(i);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  });
  const lines: Line[] = [];
  for (const g of groups.values()) {
    if (g.length < minChars) continue;
    const x0 = Math.min(...g.map((c) => c.x0));
    const x1 = Math.max(...g.map((c) => c.x1));
    const y0 = Math.min(...g.map((c) => c.y0));
    const y1 = Math.max(...g.map((c) => c.y1));
    if (x1 - x0 < 1.5 * (y1 - y0)) continue;
    if (!aligned(g)) continue;
    // Burned-in text is drawn at (near) full contrast; glints, speckle and anatomy edges reach about half of it.
    if (g.reduce((n, c) => n + c.sum, 0) / g.reduce((n, c) => n + c.area, 0) < minResponse) continue;
    lines.push({ x0, y0, x1, y1, count: g.length });
  }
  return lines;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Characters of a line share a baseline (descenders aside) and most share a height; glints on water or speckle
 * that happen to chain up do not.
 */
function aligned(g: Comp[]): boolean {
  const hs = g.map((c) => c.y1 - c.y0);
  const mh = median(hs);
  const tol = Math.max(2, 0.2 * mh);
  const base = median(g.map((c) => c.y1));
  const onBase = g.filter((c) => Math.abs(c.y1 - base) <= tol).length;
  const sameHeight = hs.filter((h) => Math.abs(h - mh) <= Math.max(2, 0.25 * mh)).length;
  return onBase >= 0.6 * g.length && sameHeight >= 0.5 * g.length;
}

/**
 * Text sits on a flat background and its strokes stand out by far more than the background varies. Speckle and
 * textured anatomy have as much variation between "strokes" as around them.
 */
function flatBackground(line: Box, grey: Uint8Array, resp: Uint8Array, mask: Uint8Array, w: number): boolean {
  let bgN = 0;
  let bgSum = 0;
  let bgSq = 0;
  let stN = 0;
  let stSum = 0;
  let respBg = 0;
  for (let y = line.y0; y < line.y1; y++) {
    for (let x = line.x0; x < line.x1; x++) {
      const i = y * w + x;
      if (mask[i]) {
        stN++;
        stSum += grey[i];
      } else {
        bgN++;
        bgSum += grey[i];
        bgSq += grey[i] * grey[i];
        respBg += resp[i];
      }
    }
  }
  if (!stN || !bgN) return false;
  const bgMean = bgSum / bgN;
  const bgStd = Math.sqrt(Math.max(0, bgSq / bgN - bgMean * bgMean));
  const contrast = Math.abs(stSum / stN - bgMean);
  // Anti-aliased glyph edges lift the background spread a little; speckle lifts it a lot.
  return contrast >= 60 && contrast >= 2.5 * bgStd && respBg / bgN < 40;
}

function mergeBoxes(boxes: Box[]): Box[] {
  const out = [...boxes];
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i];
        const b = out[j];
        if (a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1) {
          out[i] = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
          out.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return out;
}

/**
 * Test support: synthetic images with burned-in text. The text is rendered by sharp (librsvg) from SVG, so the
 * exact text pixels are known; the "anatomy" is a textured ellipse, so a test can check that it survives.
 */
import sharp from 'sharp';

export interface TextSpec {
  readonly text: string;
  readonly x: number;
  /** Baseline y. */
  readonly y: number;
  readonly size: number;
  /** Grey level of the text (255 white). */
  readonly grey?: number;
}

export interface SynthImage {
  readonly width: number;
  readonly height: number;
  /** 8-bit grey pixels: anatomy with the text burned in. */
  readonly pixels: Uint8Array;
  /** 1 where a text glyph pixel was drawn. */
  readonly textMask: Uint8Array;
  /** 1 inside the anatomy ellipse. */
  readonly anatomyMask: Uint8Array;
}

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Renders `texts` (white on black) to a mask of the given size. */
export async function renderTextMask(width: number, height: number, texts: readonly TextSpec[]): Promise<Uint8Array> {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="black"/>${texts
    .map((t) => `<text x="${t.x}" y="${t.y}" font-family="DejaVu Sans" font-size="${t.size}" fill="white">${esc(t.text)}</text>`)
    .join('')}</svg>`;
  const { data } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return Uint8Array.from(data, (v) => (v >= 96 ? 1 : 0));
}

/**
 * An ultrasound-like frame: dark background, a textured bright ellipse ("anatomy") in the middle, and the texts
 * burned in at full brightness. Anti-aliased glyph edges are blended like a real overlay.
 */
export async function synthTextImage(width: number, height: number, texts: readonly TextSpec[], seed = 1): Promise<SynthImage> {
  const r = rand(seed);
  const pixels = new Uint8Array(width * height);
  const anatomyMask = new Uint8Array(width * height);
  const cx = width / 2;
  const cy = height * 0.55;
  const rx = width * 0.28;
  const ry = height * 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      const i = y * width + x;
      if (d <= 1) {
        anatomyMask[i] = 1;
        pixels[i] = Math.round(90 + 60 * (1 - d) + 25 * (r() - 0.5) + 20 * Math.sin(x / 7) * Math.cos(y / 11));
      } else {
        pixels[i] = Math.round(8 + 6 * r());
      }
    }
  }
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="black"/>${texts
    .map((t) => `<text x="${t.x}" y="${t.y}" font-family="DejaVu Sans" font-size="${t.size}" fill="white">${esc(t.text)}</text>`)
    .join('')}</svg>`;
  const { data: alpha } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const textMask = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const a = alpha[i] / 255;
    if (a > 0) pixels[i] = Math.round(pixels[i] * (1 - a) + 255 * a);
    if (alpha[i] >= 96) textMask[i] = 1;
  }
  return { width, height, pixels, textMask, anatomyMask };
}

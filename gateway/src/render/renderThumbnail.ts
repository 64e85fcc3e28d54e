import { readImagePixel } from './imagePixel.js';
import { readDataset } from './readDataset.js';
import { renderFrame, type RenderedImage } from './renderFrame.js';

export interface ThumbnailOptions {
  /** The thumbnail fits within size × size; default 128. */
  size?: number;
  format?: 'jpeg' | 'png';
}

/**
 * A thumbnail (PS3.18 10.4.1.1.4 "representative frame"): the middle frame of a multi-frame object, since
 * the first frame of a cine loop or volume is often a blank or a lead-in.
 */
export async function renderThumbnail(part10: Uint8Array, opts: ThumbnailOptions = {}): Promise<RenderedImage> {
  const size = opts.size && opts.size > 0 ? opts.size : 128;
  const frames = readImagePixel(readDataset(part10).dataSet).numberOfFrames;
  return renderFrame(part10, Math.floor((frames - 1) / 2) + 1, { format: opts.format ?? 'jpeg', viewport: { width: size, height: size } });
}

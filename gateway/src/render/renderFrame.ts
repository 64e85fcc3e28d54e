import dcmjsImaging from 'dcmjs-imaging';
import sharp, { type Sharp } from 'sharp';
import { initCodecs } from './codecs.js';
import { decodeFrameOf } from './decodeFrame.js';
import { frameIndex, readImagePixel } from './imagePixel.js';
import { greyWindow } from './greyWindow.js';
import { imagingElements, type WindowFunction } from './imagingElements.js';
import { EXPLICIT_LE, readDataset } from './readDataset.js';
import { TranscodeError } from './TranscodeError.js';

const { DicomImage, WindowLevel } = dcmjsImaging;

export type RenderFormat = 'jpeg' | 'png' | 'gif';

/** WADO-RS rendered parameters (PS3.18 8.3.5.1) that change the pixels. */
export interface RenderOptions {
  /** Output media type; default jpeg. */
  format?: RenderFormat;
  /** JPEG quality 1–100; default 90. */
  quality?: number;
  /** VOI window in modality units (after rescale / Modality LUT); default: the dataset's first window, else min–max. Ignored for colour. */
  window?: { center: number; width: number; fn?: WindowFunction };
  /** Output fits within width × height (columns × rows), aspect ratio kept; scales up as well as down. */
  viewport?: { width: number; height: number };
  /** Part of the frame to show, as fractions of its width and height (WADO-URI `region`); cut before `viewport` scales. */
  region?: { left: number; top: number; right: number; bottom: number };
}

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  width: number;
  height: number;
}

const CONTENT_TYPE: Record<RenderFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };

/**
 * Renders one frame (1-based) to JPEG/PNG/GIF: modality LUT or rescale, VOI window, MONOCHROME1 inversion,
 * palette and YBR→RGB by dcmjs-imaging; scaling and encoding by sharp. Overlays are not burned in.
 * Throws RangeError for a frame number outside 1..NumberOfFrames, TranscodeError when there is nothing
 * (or nothing decodable) to render.
 */
export async function renderFrame(part10: Uint8Array, frameNumber: number, opts: RenderOptions = {}): Promise<RenderedImage> {
  await initCodecs();
  const parsed = readDataset(part10);
  const px = readImagePixel(parsed.dataSet);
  const index = frameIndex(px, frameNumber);
  const frame = decodeFrameOf(parsed, px, index);
  const elements = imagingElements(parsed, frame, index, opts.window?.fn);

  const format = opts.format ?? 'jpeg';
  const luts = !!(parsed.dataSet.elements.x00283000 || parsed.dataSet.elements.x00283010);
  // Grey frames with a rescale and a linear window (most CT, MR, CR, DX): one lookup table, one byte per pixel.
  const grey = greyWindow(frame, elements, opts.window, luts);
  let img: Sharp;
  let size: { width: number; height: number };
  if (grey) {
    size = grey;
    img = sharp(Buffer.from(grey.pixels.buffer, grey.pixels.byteOffset, grey.pixels.byteLength), { raw: { width: grey.width, height: grey.height, channels: 1 } });
  } else {
    let rendered: { width: number; height: number; pixels: ArrayBuffer };
    try {
      const image = new DicomImage(elements, EXPLICIT_LE);
      rendered = image.render({
        frame: 0,
        renderOverlays: false,
        ...(opts.window ? { windowLevel: new WindowLevel(opts.window.width, opts.window.center) } : {}),
      });
    } catch (err) {
      throw new TranscodeError('unsupported-pixel-format', `cannot render frame ${frameNumber}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const grayscale = frame.samplesPerPixel === 1 && frame.photometricInterpretation.startsWith('MONOCHROME');
    size = rendered;
    img = sharp(Buffer.from(rendered.pixels), { raw: { width: rendered.width, height: rendered.height, channels: 4 } });
    // Grey images go out as one channel: smaller files, faster encodes.
    img = grayscale ? img.extractChannel(0) : img.removeAlpha();
  }
  if (opts.region) {
    const r = opts.region;
    const left = Math.min(size.width - 1, Math.floor(r.left * size.width));
    const top = Math.min(size.height - 1, Math.floor(r.top * size.height));
    img = img.extract({
      left, top,
      width: Math.max(1, Math.min(size.width, Math.ceil(r.right * size.width)) - left),
      height: Math.max(1, Math.min(size.height, Math.ceil(r.bottom * size.height)) - top),
    });
  }
  if (opts.viewport) img = img.resize(Math.round(opts.viewport.width), Math.round(opts.viewport.height), { fit: 'inside' });
  if (format === 'jpeg') img = img.jpeg({ quality: clampQuality(opts.quality) });
  else if (format === 'png') img = img.png();
  else img = img.gif();
  const { data, info } = await img.toBuffer({ resolveWithObject: true });
  return { body: data, contentType: CONTENT_TYPE[format], width: info.width, height: info.height };
}

function clampQuality(q: number | undefined): number {
  if (q === undefined || !Number.isFinite(q)) return 90;
  return Math.min(100, Math.max(1, Math.round(q)));
}

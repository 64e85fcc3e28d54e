import type { DataSet } from 'dicom-parser';
import type { DecodedFrame } from './decodeFrame.js';
import { swapped } from './extractFrame.js';
import { applyModalityLut, readModalityLut } from './modalityLut.js';
import { numbers, text, type ParsedDataset } from './readDataset.js';
import { TranscodeError } from './TranscodeError.js';

/** VOI LUT functions of PS3.3 C.11.2.1.3, as named in WADO-RS `window=` (PS3.18 8.3.5.1.4). */
export type WindowFunction = 'linear' | 'linear-exact' | 'sigmoid';
const VOI_FUNCTION: Record<WindowFunction, string> = { linear: 'LINEAR', 'linear-exact': 'LINEAR_EXACT', sigmoid: 'SIGMOID' };

/**
 * The naturalized elements dcmjs-imaging renders from, for one already-decoded frame. Building them here
 * (instead of handing dcmjs-imaging the file) avoids re-parsing the whole object per render, lets frames
 * that dcmjs-imaging cannot cut (fragmented, no BOT) or decode (wrong syntax) render, and adds what it lacks:
 * Modality LUT Sequence and the per-frame values of enhanced multi-frame functional groups.
 */
export function imagingElements(parsed: ParsedDataset, frame: DecodedFrame, index: number, fn?: WindowFunction): Record<string, unknown> {
  const ds = parsed.dataSet;
  const el: Record<string, unknown> = {
    Rows: frame.rows,
    Columns: frame.columns,
    SamplesPerPixel: frame.samplesPerPixel,
    BitsAllocated: frame.bitsAllocated,
    BitsStored: frame.bitsStored,
    HighBit: Math.min(ds.uint16('x00280102') ?? frame.bitsStored - 1, frame.bitsAllocated - 1),
    PixelRepresentation: frame.pixelRepresentation,
    PlanarConfiguration: frame.planarConfiguration,
    PhotometricInterpretation: frame.photometricInterpretation,
    NumberOfFrames: 1,
  };
  let pixels: Uint8Array = frame.pixels;
  const grayscale = frame.samplesPerPixel === 1 && frame.photometricInterpretation.startsWith('MONOCHROME');

  const lut = grayscale ? readModalityLut(ds, frame.pixelRepresentation) : undefined;
  if (lut) {
    const mapped = applyModalityLut(pixels, frame, lut);
    pixels = new Uint8Array(mapped.buffer);
    Object.assign(el, { BitsAllocated: 16, BitsStored: lut.bits, HighBit: lut.bits - 1, PixelRepresentation: 0 });
  } else if (grayscale) {
    const rescale = functionalGroup(ds, index, 'x00289145') ?? ds;
    const slope = numbers(rescale, 'x00281053')?.[0];
    const intercept = numbers(rescale, 'x00281052')?.[0];
    if (slope !== undefined && slope !== 0) el.RescaleSlope = slope;
    if (intercept !== undefined) el.RescaleIntercept = intercept;
    const padding = frame.pixelRepresentation === 1 ? ds.int16('x00280120') : ds.uint16('x00280120');
    if (padding !== undefined) el.PixelPaddingValue = padding;
  }

  if (grayscale) {
    const voi = functionalGroup(ds, index, 'x00289132') ?? ds;
    const centers = numbers(voi, 'x00281050');
    const widths = numbers(voi, 'x00281051');
    if (centers?.length && widths?.length === centers.length) {
      el.WindowCenter = centers;
      el.WindowWidth = widths;
    }
    const dsFunction = text(voi, 'x00281056');
    el.VOILUTFunction = fn ? VOI_FUNCTION[fn] : dsFunction ?? 'LINEAR';
  }

  if (frame.photometricInterpretation === 'PALETTE COLOR') Object.assign(el, palette(parsed));

  const measures = functionalGroup(ds, index, 'x00289110') ?? ds;
  const spacing = numbers(measures, 'x00280030') ?? numbers(ds, 'x00181164') ?? numbers(ds, 'x00182010');
  if (spacing?.length === 2 && spacing[0]! > 0 && spacing[1]! > 0) el.PixelSpacing = spacing;
  else {
    const aspect = numbers(ds, 'x00280034');
    if (aspect?.length === 2) el.PixelAspectRatio = aspect;
  }

  // Own the bytes: the ArrayBuffer must hold exactly this frame.
  const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  el.PixelData = [whole ? pixels.buffer : pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)];
  return el;
}

/** Item of a functional group macro for a frame: Per-Frame first, then Shared (PS3.3 C.7.6.16). */
function functionalGroup(ds: DataSet, index: number, macroTag: string): DataSet | undefined {
  const inGroup = (tag: string, i: number): DataSet | undefined => ds.elements[tag]?.items?.[i]?.dataSet?.elements[macroTag]?.items?.[0]?.dataSet;
  return inGroup('x52009230', index) ?? inGroup('x52009229', 0);
}

function palette(parsed: ParsedDataset): Record<string, unknown> {
  const ds = parsed.dataSet;
  const lut = (tag: string): ArrayBuffer | undefined => {
    const e = ds.elements[tag];
    if (!e || !e.length) return undefined;
    const b = ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length);
    // A copy that owns its ArrayBuffer (Buffer#slice would share the whole file's memory).
    const own = new Uint8Array(b.length);
    own.set(parsed.littleEndian ? b : swapped(b, 2));
    return own.buffer;
  };
  const red = lut('x00281201');
  const green = lut('x00281202');
  const blue = lut('x00281203');
  if (!red || !green || !blue) {
    throw new TranscodeError('unsupported-pixel-format', ds.elements.x00281221 ? 'segmented palette colour lookup tables are not supported' : 'palette colour lookup table data missing');
  }
  const descriptor = [0, 1, 2].map((i) => ds.uint16('x00281101', i) ?? 0);
  return { RedPaletteColorLookupTableDescriptor: descriptor, RedPaletteColorLookupTableData: red, GreenPaletteColorLookupTableData: green, BluePaletteColorLookupTableData: blue };
}

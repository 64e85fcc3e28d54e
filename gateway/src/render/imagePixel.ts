import type { DataSet, Element } from 'dicom-parser';
import { text } from './readDataset.js';
import { TranscodeError } from './TranscodeError.js';

/** Image Pixel module attributes (PS3.3 C.7.6.3) needed to cut and decode frames. */
export interface ImagePixel {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  photometricInterpretation: string;
  numberOfFrames: number;
  pixelData: Element;
}

/** Reads the Image Pixel module; throws TranscodeError('no-pixel-data' | 'unsupported-pixel-format'). */
export function readImagePixel(ds: DataSet): ImagePixel {
  const pixelData = ds.elements.x7fe00010;
  if (!pixelData || (pixelData.length === 0 && !pixelData.encapsulatedPixelData)) {
    if (ds.elements.x7fe00008 || ds.elements.x7fe00009) throw new TranscodeError('unsupported-pixel-format', 'Float/Double Float Pixel Data is not supported');
    throw new TranscodeError('no-pixel-data', 'the instance has no Pixel Data');
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  if (!rows || !columns || !bitsAllocated) throw new TranscodeError('unsupported-pixel-format', 'Rows, Columns or Bits Allocated missing');
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new TranscodeError('unsupported-pixel-format', `Bits Allocated ${bitsAllocated} is not supported`);
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const frames = ds.intString('x00280008');
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16('x00280102') ?? bitsStored - 1,
    pixelRepresentation: ds.uint16('x00280103') ?? 0,
    planarConfiguration: samplesPerPixel > 1 ? (ds.uint16('x00280006') ?? 0) : 0,
    photometricInterpretation: text(ds, 'x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2'),
    numberOfFrames: frames && frames > 0 ? frames : 1,
    pixelData,
  };
}

/** Bytes of one native frame (bit count for 1-bit data may not be a whole number of bytes). */
export function frameBits(px: ImagePixel): number {
  return px.rows * px.columns * px.samplesPerPixel * px.bitsAllocated;
}

/** 1-based frame number → 0-based index, or RangeError (WADO-RS answers 404 for it). */
export function frameIndex(px: ImagePixel, frameNumber: number): number {
  if (!Number.isInteger(frameNumber) || frameNumber < 1 || frameNumber > px.numberOfFrames) {
    throw new RangeError(`frame ${frameNumber} is out of range (the instance has ${px.numberOfFrames} frame${px.numberOfFrames === 1 ? '' : 's'})`);
  }
  return frameNumber - 1;
}

import { readDataset } from '../render/readDataset.js';
import { readImagePixel, frameIndex } from '../render/imagePixel.js';
import { nativeFrame, encapsulatedFrame } from '../render/extractFrame.js';

/**
 * The raw bytes of the requested frames (1-based), without decoding: native frames as little-endian
 * pixel bytes, encapsulated ones as their codestream. Out-of-range numbers throw a RangeError.
 */
export function getFrames(part10: Uint8Array, frameNumbers: number[]): { transferSyntaxUid: string; frames: Buffer[]; encapsulated: boolean } {
  const parsed = readDataset(part10);
  const px = readImagePixel(parsed.dataSet);
  const encapsulated = !!px.pixelData.encapsulatedPixelData;
  const frames = frameNumbers.map((n) => {
    if (!Number.isInteger(n) || n < 1 || n > px.numberOfFrames) throw new RangeError(`frame ${n} is outside 1..${px.numberOfFrames}`);
    const idx = frameIndex(px, n);
    const b = encapsulated ? encapsulatedFrame(parsed, px, idx) : nativeFrame(parsed, px, idx);
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  });
  return { transferSyntaxUid: parsed.transferSyntaxUid, frames, encapsulated };
}

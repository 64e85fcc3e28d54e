/** Decoding, transcoding and rendering of stored instances for WADO-RS (dcmjs-codecs, dcmjs-imaging, sharp). */
export { initCodecs } from './codecs.js';
export { decodeFrame, DECODABLE_SYNTAXES, type DecodedFrame } from './decodeFrame.js';
export { transcodeToExplicitLittleEndian, GATEWAY_IMPLEMENTATION_CLASS_UID, GATEWAY_IMPLEMENTATION_VERSION_NAME } from './transcode.js';
export { renderFrame, type RenderOptions, type RenderFormat, type RenderedImage } from './renderFrame.js';
export { renderThumbnail, type ThumbnailOptions } from './renderThumbnail.js';
export type { WindowFunction } from './imagingElements.js';
export { TranscodeError, type TranscodeFailure } from './TranscodeError.js';

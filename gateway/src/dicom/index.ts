/** Reading instances: header parse for the index, DICOM JSON, character sets, frames and bulk data. */
export { parseInstance } from './parseInstance.js';
export { getFrames } from './frames.js';
export { readBulk } from './bulk.js';
export { normalizeName } from './normalize.js';
export { decodeText, parseCharsets } from './charsets.js';
export { STUDY_TAGS, SERIES_TAGS, INSTANCE_TAGS } from './levels.js';
export { DicomParseError, type ParsedInstance, type IndexFields, type InstanceJson, type ParseFailure } from './types.js';

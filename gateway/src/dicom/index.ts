/** Reading instances: header parse for the index, DICOM JSON, character sets, frames and bulk data. */
export { parseInstance } from './parseInstance.js';
export { readDataset, type DicomDataset, type ReadOptions } from './readDataset.js';
export { toDicomJson, datasetJson, elementJson, INLINE_BINARY_LIMIT, type DicomJsonOptions, type JsonContext } from './dicomJson.js';
export { getFrames, framesOf, type Frames } from './frames.js';
export { readBulk } from './bulk.js';
export { datasetOffset, metaTransferSyntax, sameDataset } from './fileMeta.js';
export { normalizeName } from './normalize.js';
export { charsetDecoder, decodeText, parseCharsets, CHARSET_VRS, type CharsetDecoder } from './charsets.js';
export { STUDY_TAGS, SERIES_TAGS, INSTANCE_TAGS, LEVEL_OF } from './levels.js';
export { IMPLICIT_LE, EXPLICIT_LE, DEFLATED_LE, EXPLICIT_BE } from './transferSyntax.js';
export { DicomParseError, type ParsedInstance, type IndexFields, type InstanceJson, type ParseFailure } from './types.js';

import dcmjsCodecs from 'dcmjs-codecs';

/** The dcmjs-codecs WebAssembly decoders (RLE, JPEG 8/12/16-bit all processes, JPEG-LS, J2K, HTJ2K, JPEG XL). */
export const { NativeCodecs, Context } = dcmjsCodecs;
export type CodecContext = InstanceType<typeof dcmjsCodecs.Context>;

/**
 * Loads the codecs WebAssembly (about 4 MB, ~100 ms) once, shared with the anonymizer (one module instance
 * of dcmjs-codecs in the workspace). Safe to call on every request; a failed load is retried on the next call.
 */
export { initCodecs } from '@hoichan/anonymizer';

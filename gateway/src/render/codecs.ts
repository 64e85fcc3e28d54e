import dcmjsCodecs from 'dcmjs-codecs';

/** The dcmjs-codecs WebAssembly decoders (RLE, JPEG 8/12/16-bit all processes, JPEG-LS, J2K, HTJ2K, JPEG XL). */
export const { NativeCodecs, Context } = dcmjsCodecs;
export type CodecContext = InstanceType<typeof dcmjsCodecs.Context>;

let ready: Promise<void> | undefined;

/**
 * Loads the codecs WebAssembly (about 4 MB, ~100 ms) once. Safe to call on every request; a failed load
 * is retried on the next call instead of being cached.
 */
export function initCodecs(): Promise<void> {
  if (NativeCodecs.isInitialized()) return Promise.resolve();
  ready ??= NativeCodecs.initializeAsync().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

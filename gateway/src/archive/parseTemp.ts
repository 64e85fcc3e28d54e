import type { TempBlob } from './blob/BlobStore.js';
import { DicomParseError, type ParsedInstance } from '../dicom/types.js';

export type ParseFn = (bytes: Buffer, opts?: { partial?: boolean; totalLength?: number }) => ParsedInstance;

/**
 * Header windows of an in-memory body. A CT header is a few KB, so the usual case parses a view of the
 * first chunk(s): no copy of the body, which on these VMs costs ~1 ms per 500 KB (fresh pages are faulted
 * in), more than everything else STOW does per instance.
 */
const MEMORY_WINDOWS = [32 * 1024, 1024 * 1024];
/** Header windows tried, in turn, for a body spilled to disk (as large as it may be). */
const SPILLED_WINDOWS = [4 * 1024 * 1024, 256 * 1024 * 1024];

/**
 * Parses a received body's header. In memory: the first window is accepted only when it ends inside a Pixel
 * Data that ends the body (`totalLength`), so the result is the whole-body parse's; otherwise (or on any
 * parse error) the whole body is parsed, which also gives the authoritative error. Spilled: header windows.
 */
export function parseTemp(temp: TempBlob, parse: ParseFn): ParsedInstance {
  // head() views the first chunk(s): the body is concatenated only when the windows fail.
  if (temp.inMemory) return parseWindows(temp.size, (n) => temp.head(n), () => temp.memory!, parse);
  for (const [i, window] of SPILLED_WINDOWS.entries()) {
    try {
      return parse(temp.head(window), { partial: true });
    } catch (err) {
      if (!(err instanceof DicomParseError && err.reason === 'truncated' && i < SPILLED_WINDOWS.length - 1)) throw err;
    }
  }
  throw new DicomParseError('truncated', 'no header window holds the whole header');
}

/**
 * The in-memory case of `parseTemp`, for a body that is one buffer (also run by the hashing worker on a pooled
 * STOW part, see hashWorker.ts).
 */
export function parseBody(body: Buffer, parse: ParseFn): ParsedInstance {
  return parseWindows(body.length, (n) => body.subarray(0, n), () => body, parse);
}

/** Header windows first (accepted only when they end inside a Pixel Data that ends the body), the whole body on any parse error. */
function parseWindows(size: number, head: (n: number) => Buffer, whole: () => Buffer, parse: ParseFn): ParsedInstance {
  for (const window of MEMORY_WINDOWS) {
    if (size <= window) break;
    try {
      return parse(head(window), { partial: true, totalLength: size });
    } catch (err) {
      // By name too: in a worker the error class may be another module instance's.
      if (!(err instanceof DicomParseError || (err as Error).name === 'DicomParseError')) throw err;
    }
  }
  return parse(whole());
}

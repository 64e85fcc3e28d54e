import v8 from 'node:v8';

/** Old-generation headroom after each full GC, as V8's `--heap-growing-percent` (limit = live × (1 + p/100)). */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Lets the old generation grow to twice what survived the last full GC before the next one, unless the operator
 * set `--heap-growing-percent` (NODE_OPTIONS or the command line).
 * Why: a STOW of 50 parts promotes ~1 MB (each part's parsed header waits for the request's index commit). After
 * an idle spell V8 had left a margin of 10–20 MB over the live ~56 MB, less than its young generation, so every
 * request started a mark-compact (2026-11-27, 500 instances right after a 12 s pause: 6–17 full GCs and
 * 0.85–1.1 s of gateway CPU, against 0.45–0.55 s before the pause; with this setting 0–1 and 0.53 s).
 * The cost is memory: the heap may hold up to ~2× its live size (~110 MB here) before collecting.
 */
export function tuneHeap(argv: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]): boolean {
  if (argv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

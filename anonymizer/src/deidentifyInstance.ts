/**
 * The whole de-identification of one instance, as the gateway's pipeline stage and case packs use it (issue 4):
 * pixel stage (burned-in text, faces) → header rules (PS3.15 Table E.1-1) → leak gate. The result is either a
 * file that may be released, or a quarantine with the reason; an instance is never released on a doubt
 * (G-2.3, G-2.4).
 */
import { deidentifyParsed, type DeidentifyOptions, type DeidReport } from './deidentify.js';
import { readPart10 } from './dicom/io.js';
import type { LeakHit } from './leakScan.js';
import { cleanPixels, type PixelCleanOptions, type PixelCleanReport } from './pixels/cleanPixels.js';

/** Options of `deidentifyInstance`: those of `deidentify` (the leak gate always runs) plus the pixel stage's. */
export interface DeidentifyInstanceOptions extends Omit<DeidentifyOptions, 'verify' | 'pixels'> {
  /** Pixel stage options; default: Clean Pixel Data and Clean Recognizable Visual Features both on. */
  readonly pixels?: PixelCleanOptions;
}

/** Why an instance was quarantined. */
export type QuarantineCode = 'PIXELS_UNCLEANABLE' | 'LEAK';

/** What was done to one instance (never holds an original value). */
export interface InstanceReport {
  readonly pixels: PixelCleanReport;
  /** Header de-identification report (absent when the pixel stage already quarantined the instance). */
  readonly header?: DeidReport;
  /** Leak gate hits: kind and path or offset, never the value. */
  readonly leakHits?: readonly LeakHit[];
}

/** Outcome of `deidentifyInstance`. */
export type InstanceOutcome =
  | { readonly status: 'released'; readonly part10: Buffer; readonly sopInstanceUid: string; readonly report: InstanceReport }
  | { readonly status: 'quarantined'; readonly code: QuarantineCode; readonly reason: string; readonly report: InstanceReport };

/**
 * De-identifies one Part 10 file (or bare dataset). Throws `AnonymizerError` for bad input or options
 * (NOT_DICOM, UNREADABLE, BAD_KEY, BAD_OPTIONS); content that cannot be made safe is quarantined instead.
 */
export async function deidentifyInstance(part10: ArrayBuffer | Uint8Array, opts: DeidentifyInstanceOptions): Promise<InstanceOutcome> {
  const input = part10 instanceof ArrayBuffer ? new Uint8Array(part10) : part10;
  const parsed = readPart10(input);
  const pixels = await cleanPixels(parsed.dataset, parsed.transferSyntaxUid, opts.pixels);
  if (pixels.status === 'uncleanable') {
    return { status: 'quarantined', code: 'PIXELS_UNCLEANABLE', reason: pixels.reason ?? 'pixels cannot be cleaned', report: { pixels } };
  }
  parsed.transferSyntaxUid = pixels.transferSyntaxUid;
  const { part10: out, report: header, leaks } = deidentifyParsed(parsed, input, {
    ...opts,
    verify: true,
    pixels: {
      cleanPixelData: pixels.cleanedPixelData,
      cleanRecognizableVisualFeatures: pixels.cleanedRecognizableVisualFeatures,
    },
  });
  if (!leaks || !leaks.clean) {
    const n = leaks?.hits.length ?? 0;
    return {
      status: 'quarantined',
      code: 'LEAK',
      reason: leaks?.parseError ? `leak gate could not read the output (${leaks.parseError})` : `leak gate found ${n} trace(s) of the patient's identity`,
      report: { pixels, header, leakHits: leaks?.hits ?? [] },
    };
  }
  return { status: 'released', part10: out, sopInstanceUid: header.sopInstanceUid, report: { pixels, header } };
}

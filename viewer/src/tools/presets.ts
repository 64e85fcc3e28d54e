import type { MessageKey } from '../i18n/i18n';

/** Window presets (width / level in Hounsfield units) for CT; other modalities get `auto` only. */
export const WINDOW_PRESETS = {
  auto: { label: 'preset.auto', window: null, key: '0' },
  brain: { label: 'preset.brain', window: { width: 80, center: 40 }, key: '1' },
  lung: { label: 'preset.lung', window: { width: 1500, center: -600 }, key: '2' },
  bone: { label: 'preset.bone', window: { width: 2000, center: 300 }, key: '3' },
  abdomen: { label: 'preset.abdomen', window: { width: 400, center: 40 }, key: '4' },
} as const satisfies Record<string, { label: MessageKey; window: { width: number; center: number } | null; key: string }>;

export type PresetId = keyof typeof WINDOW_PRESETS;

/** The presets offered for a series: all for CT, only `auto` otherwise. */
export function presetsFor(hounsfield: boolean): PresetId[] {
  return hounsfield ? (Object.keys(WINDOW_PRESETS) as PresetId[]) : ['auto'];
}

/** The VOI range (lower, upper) of a window, by the DICOM linear function (PS3.3 C.11.2.1.2.1). */
export function voiRangeOf(w: { width: number; center: number }): { lower: number; upper: number } {
  return { lower: w.center - 0.5 - (w.width - 1) / 2, upper: w.center - 0.5 + (w.width - 1) / 2 };
}

/** The window (width, center) shown for a VOI range: the inverse of {@link voiRangeOf}. */
export function windowOf(r: { lower: number; upper: number }): { width: number; center: number } {
  return { width: Math.abs(r.upper - r.lower) + 1, center: (r.lower + r.upper + 1) / 2 };
}

/**
 * A window from the image's own values: from the `low` to the `high` quantile of a sample of the pixels.
 * For PET, whose stored window is often in other units than the rescaled values (Bq/ml), and where a few
 * hot voxels would otherwise make the whole image black.
 */
export function quantileRange(pixels: ArrayLike<number>, low = 0, high = 0.995): { lower: number; upper: number } | null {
  const n = pixels.length;
  if (!n) return null;
  const step = Math.max(1, Math.floor(n / 65536));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) sample.push(pixels[i]!);
  sample.sort((a, b) => a - b);
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))))]!;
  const lower = at(low);
  let upper = at(high);
  if (upper <= lower) upper = sample[sample.length - 1]!;
  return upper > lower ? { lower, upper } : null;
}

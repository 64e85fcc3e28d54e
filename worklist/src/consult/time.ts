/** ISO 8601 date-time with an explicit offset (Z or ±hh:mm); a local time would be ambiguous between sites. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch for an ISO 8601 instant with offset, or null when it is not one. */
export function parseInstant(s: unknown): number | null {
  if (typeof s !== 'string' || !ISO_INSTANT.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/** One day, the notice G-3.2 asks for. */
export const DAY_MS = 24 * 60 * 60 * 1000;

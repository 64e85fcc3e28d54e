/**
 * Retain Longitudinal Temporal Information with Modified Dates (PS3.15 E.3.6): every date of a patient moves by
 * the same number of days, so intervals between studies survive while the real dates do not. Times of day are kept.
 */
import { createHmac } from 'node:crypto';

/** Range of the derived shift, in days (inclusive): always into the past, at least a month. */
export const DATE_SHIFT_RANGE = { min: -365, max: -30 } as const;

/**
 * The patient's shift in days, derived from HMAC-SHA256(siteSecret, "date-shift" ‖ patientKey), where patientKey is
 * the original Patient ID (or another stable patient key): the same patient always gets the same shift at a site.
 */
export function dateShiftDays(secret: Uint8Array, patientKey: string): number {
  const digest = createHmac('sha256', secret).update(`hoichan-date-shift\0${patientKey}`, 'utf8').digest();
  const span = DATE_SHIFT_RANGE.max - DATE_SHIFT_RANGE.min + 1;
  return DATE_SHIFT_RANGE.min + (digest.readUInt32BE(0) % span);
}

const DAY_MS = 86_400_000;

function parseDate(s: string): Date | undefined {
  // DA is YYYYMMDD; the ACR-NEMA form YYYY.MM.DD still appears in old files.
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return date;
}

function formatDate(date: Date): string {
  const y = String(date.getUTCFullYear()).padStart(4, '0');
  const m = String(date.getUTCMonth() + 1).padStart(2, '0');
  const d = String(date.getUTCDate()).padStart(2, '0');
  return `${y}${m}${d}`;
}

/** Shifts one DA value (YYYYMMDD, or a range "A-B"); undefined when the value is not a date. */
export function shiftDA(value: string, days: number): string | undefined {
  const v = value.trim();
  if (v === '') return '';
  if (v.includes('-')) {
    const parts = v.split('-');
    if (parts.length !== 2) return undefined;
    const shifted = parts.map((p) => (p === '' ? '' : shiftDA(p, days)));
    return shifted.some((p) => p === undefined) ? undefined : shifted.join('-');
  }
  const date = parseDate(v);
  if (!date) return undefined;
  return formatDate(new Date(date.getTime() + days * DAY_MS));
}

/**
 * Shifts the date part of one DT value (YYYYMMDDHHMMSS.FFFFFF&ZZXX); time and offset are kept. A DT with only a
 * year or year-month cannot be shifted by days and is reported as not a date (undefined).
 */
export function shiftDT(value: string, days: number): string | undefined {
  const v = value.trim();
  if (v === '') return '';
  const m = /^(\d{8})(.*)$/.exec(v);
  if (!m) return undefined;
  const date = shiftDA(m[1], days);
  return date === undefined ? undefined : date + m[2];
}

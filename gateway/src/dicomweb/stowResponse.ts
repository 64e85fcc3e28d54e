import type { StoreOutcome } from '../archive/Archive.js';
import type { HoiError } from '../errors.js';

/** A part that never became a candidate (unreadable, wrong media type, study mismatch…). */
export interface PartFailure {
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  error: HoiError;
}

const us = (n: number): string => `{"vr":"US","Value":[${n}]}`;
const ui = (v: string | null): string => (v ? `{"vr":"UI","Value":[${JSON.stringify(v)}]}` : '{"vr":"UI"}');
const ur = (v: string): string => `{"vr":"UR","Value":[${JSON.stringify(v)}]}`;

/**
 * The STOW-RS Store Instances Response Module (PS3.18 10.5.3): ReferencedSOPSequence for what is stored,
 * FailedSOPSequence with FailureReason for the rest, and the HTTP status the standard gives
 * (200 all stored, 202 some failed or stored with warnings, 409 none stored).
 */
export function stowResponse(outcomes: StoreOutcome[], failures: PartFailure[], baseUrl: string, studyUid: string | null): { status: number; body: string } {
  const refs: string[] = [];
  const failed: string[] = [];
  let warnings = 0;
  for (const o of outcomes) {
    if (o.status === 'failed') {
      failed.push(`{"00081150":${ui(o.sopClassUid)},"00081155":${ui(o.sopInstanceUid)},"00081197":${us(o.error.dimse)}}`);
    } else {
      const url = `${baseUrl}/studies/${o.studyUid}/series/${o.seriesUid}/instances/${o.sopInstanceUid}`;
      // 0xB000: the index holds attributes the bytes lack (coercion), PS3.18 Table 10.5.3-3.
      const warn = o.coerced.length ? `,"00081196":${us(0xb000)}` : '';
      if (warn) warnings++;
      refs.push(`{"00081150":${ui(o.sopClassUid)},"00081155":${ui(o.sopInstanceUid)},"00081190":${ur(url)}${warn}}`);
    }
  }
  for (const f of failures) failed.push(`{"00081150":${ui(f.sopClassUid)},"00081155":${ui(f.sopInstanceUid)},"00081197":${us(f.error.dimse)}}`);
  const parts: string[] = [];
  const studies = new Set(outcomes.flatMap((o) => (o.status !== 'failed' ? [o.studyUid] : [])));
  const study = studyUid ?? (studies.size === 1 ? [...studies][0]! : null);
  if (study) parts.push(`"00081190":${ur(`${baseUrl}/studies/${study}`)}`);
  if (failed.length) parts.push(`"00081198":{"vr":"SQ","Value":[${failed.join(',')}]}`);
  if (refs.length) parts.push(`"00081199":{"vr":"SQ","Value":[${refs.join(',')}]}`);
  const status = failed.length === 0 && warnings === 0 ? 200 : refs.length === 0 ? 409 : 202;
  return { status, body: `{${parts.join(',')}}` };
}

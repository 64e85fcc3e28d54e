import { HoiError } from '../../errors.js';
import type { JobServices } from '../types.js';
import type { Peer } from '../../dimse/peers.js';
import { checkAeTitle } from '../../dimse/peers.js';
import type { ScuSelf } from '../../scu/dimseScu.js';

const UID = /^[0-9]+(\.[0-9]+)*$/;

export function obj(params: unknown): Record<string, unknown> {
  if (!params || typeof params !== 'object' || Array.isArray(params)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'params must be a JSON object');
  return params as Record<string, unknown>;
}

export function uid(v: unknown, name: string, optional: true): string | null;
export function uid(v: unknown, name: string): string;
export function uid(v: unknown, name: string, optional = false): string | null {
  if ((v === undefined || v === null) && optional) return null;
  if (typeof v !== 'string' || v.length > 64 || !UID.test(v)) throw new HoiError('HOI_ERR_BAD_REQUEST', `${name} must be a UID`);
  return v;
}

/** A registered DIMSE peer by AE title (checked when the job is created and again when it runs). */
export function dimsePeer(services: JobServices, ae: unknown): Peer {
  const title = checkAeTitle(ae);
  const p = services.dimse.peers.get(title);
  if (!p) throw new HoiError('HOI_ERR_NOT_FOUND', `no DICOM peer ${title}; register it in /api/dicom/peers`);
  return p;
}

export function scuSelf(services: JobServices): ScuSelf {
  return { aeTitle: services.config.aeTitle, maxPdu: services.config.dicomMaxPdu || 65536, timeoutMs: services.config.scuTimeoutSeconds * 1000 };
}

/** Keep reports small: the first 100 failures. */
export const MAX_FAILURES = 100;

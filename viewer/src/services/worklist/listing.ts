import { CONSULT_STATES } from '@worklist/model/Consult';
import { isFinal } from '@worklist/consult/machine';
import type { ConsultItem, ConsultState } from './types';

/** The states of consults still in progress (every state but declined, cancelled, closed). */
export const ACTIVE_STATES: readonly ConsultState[] = CONSULT_STATES.filter((s) => !isFinal(s));

/**
 * Emergencies first (G-3.4), then the server's order (most recently updated first). The server already sorts
 * so; the list keeps the rule when a live update inserts or moves a consult.
 */
export function sortConsults(items: readonly ConsultItem[]): ConsultItem[] {
  return items.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}

const rank = (c: ConsultItem): number => (c.urgency === 'emergency' && !isFinal(c.state) ? 0 : 1);

/** The time to show in the list: the scheduled start, else the requested time, else when it was submitted. */
export function listTime(c: ConsultItem): string | null {
  return c.schedule?.start ?? c.requestedTime ?? c.submittedAt ?? c.createdBy.at;
}

import type { User } from '../auth/Accounts.js';

/**
 * What the live room needs from the rest of the gateway: the consult (state and approved participants, from
 * the worklist: `getConsultForLive` in gateway/src/worklist) and the audit log (G-2.11). A seam so the room
 * does not depend on the worklist's storage; `memoryLivePorts` serves tests and demos.
 */
export interface LiveConsult {
  id: string;
  /** Worklist state; a room opens only in `in_session` (G-3.6). */
  state: string;
  /** Usernames on the approved participant list (G-2.7). */
  approvedUserIds: string[];
  /** Each participant's consult role (requesting_doctor, consultant_expert, …), by username. */
  roles: Record<string, string>;
  /** The study opened in the viewer for this consult, and the pseudonym shown (never identity, G-2.3). */
  studyUid: string | null;
  pseudonym: string | null;
}

/** One access to a live room, for the hash-chained audit log. */
export interface LiveAuditEvent {
  userId: string;
  /** The logged-in account (the worklist derives the audit actor's facility and roles from it). */
  user: User;
  action: 'live.join' | 'live.leave' | 'live.role' | 'live.refused' | 'live.connectionTest';
  consultId: string;
  outcome: 'ok' | 'denied';
  detail?: Record<string, string | number | boolean | null>;
}

export interface LivePorts {
  consult(id: string): Promise<LiveConsult | null>;
  audit(e: LiveAuditEvent): Promise<void>;
  /** Records an IT connection test on the consult (worklist command `recordConnectionTest`, G-3.5); null when not wired. */
  recordConnectionTest?: (user: User, consultId: string, result: ConnectionTestResult) => Promise<void>;
}

export interface ConnectionTestResult {
  result: 'ok' | 'failed';
  rttMs?: number;
  bandwidthMbps?: number;
  notes?: string;
}

/** Until a consult source is wired every room is refused (no consult known): closed by default. */
export const unwiredLivePorts: LivePorts = {
  consult: async () => null,
  audit: async () => undefined,
};

/** In-memory consults and audit entries (tests, demos). */
export function memoryLivePorts(consults: LiveConsult[] = []): LivePorts & { consults: Map<string, LiveConsult>; audited: LiveAuditEvent[]; tests: { userId: string; consultId: string; result: ConnectionTestResult }[] } {
  const map = new Map(consults.map((c) => [c.id, c]));
  const audited: LiveAuditEvent[] = [];
  const tests: { userId: string; consultId: string; result: ConnectionTestResult }[] = [];
  return {
    consults: map, audited, tests,
    consult: async (id) => map.get(id) ?? null,
    audit: async (e) => { audited.push(e); },
    recordConnectionTest: async (user, consultId, result) => { tests.push({ userId: user.username, consultId, result }); },
  };
}

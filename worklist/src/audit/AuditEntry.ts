/** What came of an access: done, refused by policy (403), or failed (409, 422, 5xx). */
export type AuditOutcome = 'ok' | 'denied' | 'error';

/** Small structured details (never the patient's identity: directors read the log). */
export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

/**
 * G-2.11: one access or change, as the caller describes it (who, facility, role, action, object, time,
 * outcome). `transition()` and `auditAccess()` return these; `appendEntry()` chains them.
 */
export interface AuditEntryFields {
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly userId: string;
  readonly facilityId: string;
  /** The role that allowed the action; on a refusal, the actor's roles joined by ',' (or 'none'). */
  readonly role: string;
  /** e.g. 'consult.submit', 'consult.read', 'image.read', 'dimse.c-move'. */
  readonly action: string;
  /** e.g. 'consult', 'casePack', 'instance', 'study', 'audit'. */
  readonly objectType: string;
  readonly objectId: string;
  readonly outcome: AuditOutcome;
  readonly detail?: AuditDetail;
}

/** A chained entry: `hash` = SHA-256 of the canonical JSON of every other field (prevHash included). */
export interface AuditEntry extends AuditEntryFields {
  /** 1, 2, 3 … with no gaps. */
  readonly seq: number;
  /** The previous entry's hash; 64 zeros for seq 1. */
  readonly prevHash: string;
  /** Lowercase hex SHA-256. */
  readonly hash: string;
}

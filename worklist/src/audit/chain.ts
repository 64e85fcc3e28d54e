import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import type { AuditEntry, AuditEntryFields } from './AuditEntry.js';

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of an entry (G-2.11): SHA-256 over the canonical JSON of exactly these fields. Listing them keeps
 * extra columns a store may add out of the hash; a missing `detail` and a null one hash the same, so a store
 * that writes NULL for "no detail" still verifies.
 */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    userId: e.userId,
    facilityId: e.facilityId,
    role: e.role,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    outcome: e.outcome,
    detail: e.detail ?? null,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * G-2.11: the entry that follows `prev` (null for the first): seq + 1, prevHash = prev.hash, hash computed.
 * Pure; the caller stores it in the same transaction as the change it records.
 */
export function appendEntry(prev: AuditEntry | null, fields: AuditEntryFields): AuditEntry {
  const unhashed = {
    ...fields,
    ...(fields.detail !== undefined ? { detail: { ...fields.detail } } : {}),
    seq: prev === null ? 1 : prev.seq + 1,
    prevHash: prev === null ? GENESIS_HASH : prev.hash,
  };
  return { ...unhashed, hash: entryHash(unhashed) };
}

/** Chains several entries after `prev`; returns them in order. */
export function appendEntries(prev: AuditEntry | null, fields: readonly AuditEntryFields[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  let last = prev;
  for (const f of fields) {
    last = appendEntry(last, f);
    out.push(last);
  }
  return out;
}

/** verifyChain's answer: intact, or the seq where the chain first breaks and why. */
export type ChainVerdict = { readonly ok: true; readonly count: number; readonly head: string } | { readonly ok: false; readonly brokenAt: number; readonly reason: string };

/** Where a verified segment starts (the entry before it) and, optionally, the head it must end at. */
export interface VerifyOptions {
  /** The entry just before `entries[0]`, when verifying a segment (e.g. after archiving old entries). */
  readonly after?: { readonly seq: number; readonly hash: string };
  /**
   * The head recorded elsewhere (a signed daily checkpoint, a copy in the backup). Without it, deleting the
   * last entries cannot be told from a chain that ended earlier.
   */
  readonly expectedHead?: { readonly seq: number; readonly hash: string };
}

/**
 * G-2.11: checks entries in storage order. Detects an edited entry (its hash no longer matches), a deleted or
 * inserted one (seq gap or duplicate, prevHash not the previous hash), reordering (seq out of order) and, with
 * `expectedHead`, a truncated tail. `brokenAt` is the seq of the first entry that does not fit (for a position
 * with a forged seq, the seq the chain expected there).
 */
export function verifyChain(entries: readonly AuditEntry[], opts: VerifyOptions = {}): ChainVerdict {
  let expectedSeq = opts.after ? opts.after.seq + 1 : 1;
  let prevHash = opts.after ? opts.after.hash : GENESIS_HASH;
  for (const [i, e] of entries.entries()) {
    if (e.seq !== expectedSeq) {
      const later = entries.slice(i + 1).some((x) => x.seq === expectedSeq);
      const why = e.seq < expectedSeq || later ? 'entries out of order or duplicated' : 'entries missing before it (deleted)';
      return { ok: false, brokenAt: expectedSeq, reason: `expected seq ${expectedSeq}, found ${e.seq}: ${why}` };
    }
    if (e.prevHash !== prevHash) {
      return { ok: false, brokenAt: e.seq, reason: `seq ${e.seq}: prevHash does not match the previous entry's hash (entry inserted, removed or replaced before it)` };
    }
    const h = entryHash(e);
    if (h !== e.hash) {
      return { ok: false, brokenAt: e.seq, reason: `seq ${e.seq}: hash mismatch (entry edited)` };
    }
    prevHash = e.hash;
    expectedSeq += 1;
  }
  if (opts.expectedHead) {
    const lastSeq = expectedSeq - 1;
    if (lastSeq !== opts.expectedHead.seq || prevHash !== opts.expectedHead.hash) {
      return {
        ok: false,
        brokenAt: Math.min(lastSeq + 1, opts.expectedHead.seq),
        reason: `chain ends at seq ${lastSeq}, the recorded head is seq ${opts.expectedHead.seq} (entries removed from the end, or a different chain)`,
      };
    }
  }
  return { ok: true, count: entries.length, head: prevHash };
}

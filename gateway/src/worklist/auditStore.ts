import { sql } from 'kysely';
import { appendEntries, verifyChain, type AuditEntry, type AuditEntryFields, type AuditQuery, type AuditSink, type ChainVerdict } from '@hoichan/worklist';
import type { Dialect } from '../archive/index/migrations.js';
import type { AuditLogTable, WDb, WTx } from './tables.js';

type Conn = WDb | WTx;

function toEntry(r: AuditLogTable): AuditEntry {
  return {
    seq: Number(r.seq), at: r.at, userId: r.user_id, facilityId: r.facility_id, role: r.role, action: r.action,
    objectType: r.object_type, objectId: r.object_id, outcome: r.outcome as AuditEntry['outcome'],
    ...(r.detail !== null ? { detail: JSON.parse(r.detail) as AuditEntry['detail'] } : {}),
    prevHash: r.prev_hash, hash: r.hash,
  };
}

function toRow(e: AuditEntry): AuditLogTable {
  return {
    seq: e.seq, at: e.at, user_id: e.userId, facility_id: e.facilityId, role: e.role, action: e.action,
    object_type: e.objectType, object_id: e.objectId, outcome: e.outcome,
    detail: e.detail === undefined ? null : JSON.stringify(e.detail), prev_hash: e.prevHash, hash: e.hash,
  };
}

async function head(conn: Conn): Promise<AuditEntry | null> {
  const r = await conn.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return r ? toEntry(r) : null;
}

/** Reads entries in seq order with the AuditQuery filters (the caller applies the actor's scope first). */
export async function readAudit(conn: Conn, q: AuditQuery): Promise<AuditEntry[]> {
  let s = conn.selectFrom('audit_log').selectAll();
  if (q.facilityId !== undefined) s = s.where('facility_id', '=', q.facilityId);
  if (q.userId !== undefined) s = s.where('user_id', '=', q.userId);
  if (q.objectType !== undefined) s = s.where('object_type', '=', q.objectType);
  if (q.objectId !== undefined) s = s.where('object_id', '=', q.objectId);
  if (q.action !== undefined) s = s.where('action', '=', q.action);
  if (q.outcome !== undefined) s = s.where('outcome', '=', q.outcome);
  if (q.from !== undefined) s = s.where('at', '>=', q.from);
  if (q.to !== undefined) s = s.where('at', '<', q.to);
  if (q.afterSeq !== undefined) s = s.where('seq', '>', q.afterSeq);
  const rows = await s.orderBy('seq').limit(Math.min(q.limit ?? 1000, 10_000)).execute();
  return rows.map(toEntry);
}

/**
 * G-2.11: appends inside the caller's transaction. The chain's head is read under a lock held to commit
 * (PostgreSQL: a table lock that lets readers through; SQLite: the one writer), so two writers never fork it.
 */
export async function appendAudit(trx: WTx, dialect: Dialect, fields: readonly AuditEntryFields[]): Promise<AuditEntry[]> {
  if (fields.length === 0) return [];
  if (dialect === 'postgres') await sql`LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
  const entries = appendEntries(await head(trx), fields);
  for (let i = 0; i < entries.length; i += 200) await trx.insertInto('audit_log').values(entries.slice(i, i + 200).map(toRow)).execute();
  return entries;
}

/** The AuditSink port bound to one transaction. */
export function auditSinkIn(trx: WTx, dialect: Dialect): AuditSink {
  return {
    append: (fields) => appendAudit(trx, dialect, fields),
    head: () => head(trx),
    read: (q) => readAudit(trx, q),
  };
}

/** The whole chain verified page by page (constant memory), optionally against a head recorded elsewhere. */
export async function verifyAuditLog(db: WDb, opts: { expectedHead?: { seq: number; hash: string } } = {}): Promise<ChainVerdict> {
  const PAGE = 5000;
  let prev = null as AuditEntry | null;
  let count = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', prev?.seq ?? 0).orderBy('seq').limit(PAGE).execute();
    if (rows.length === 0) break;
    const page = rows.map(toEntry);
    const v = verifyChain(page, prev ? { after: prev } : {});
    if (!v.ok) return v;
    count += page.length;
    prev = page[page.length - 1]!;
    if (rows.length < PAGE) break;
  }
  const e = opts.expectedHead;
  if (e !== undefined && (prev?.seq !== e.seq || prev.hash !== e.hash)) {
    return { ok: false, brokenAt: Math.min(count + 1, e.seq), reason: `the chain ends at seq ${count}, the recorded head is seq ${e.seq} ${e.hash.slice(0, 12)}…: entries were removed or rewritten` };
  }
  return prev === null ? verifyChain([]) : { ok: true, count, head: prev.hash };
}

export { head as auditHead };

import type { Archive, InstanceLocation } from '../archive/Archive.js';
import { HoiError } from '../errors.js';
import { CMD, STATUS, responseFor, type Command } from './command.js';
import type { Element } from './dataset.js';
import { TAG, parseIdentifier } from './identifier.js';
import { finalStatus, instancesFor, runSubOps, type SubOpCounts } from './retrieve.js';
import type { Operation } from './association.js';
import type { PeerRegistry } from './peers.js';
import type { ProposedContext } from './pdu/associate.js';
import { ScuAssociation } from './scu.js';
import { sendStoredIn } from './sendSyntax.js';
import { TS } from './uids.js';

export interface RetrieveDeps {
  archive: Archive;
  peers: PeerRegistry;
  aeTitle: string;
  maxPdu: number;
  timeoutMs: number;
}

/** Counts for a pending or final C-MOVE/C-GET response; Remaining only while pending (or cancelled). */
export function countsOf(c: SubOpCounts, final: boolean, cancelled = false): Partial<Command> {
  return { ...(!final || cancelled ? { remaining: c.remaining } : {}), completed: c.completed, failed: c.failed, warning: c.warning };
}

/** Failed SOP Instance UID List (0008,0058) for a final response with failures. */
export function failedList(c: SubOpCounts): Element[] | undefined {
  if (!c.failedUids.length) return undefined;
  return [{ tag: TAG.failedSopInstanceUidList, vr: 'UI', value: Buffer.from(c.failedUids.join('\\'), 'latin1') }];
}

/**
 * One presentation context per (SOP class, stored transfer syntax), to send instances as stored; then, while
 * there is room (128 contexts), one per SOP class offering Explicit and Implicit VR Little Endian, for a peer
 * that takes uncompressed data only (`sendSyntax.ts` decodes for it).
 */
export function contextsFor(items: InstanceLocation[]): ProposedContext[] {
  const seen = new Set<string>();
  const out: ProposedContext[] = [];
  const add = (abstractSyntax: string, transferSyntaxes: string[]) => {
    const key = `${abstractSyntax}|${transferSyntaxes.join(',')}`;
    if (seen.has(key) || out.length >= 128) return;
    seen.add(key);
    out.push({ id: out.length * 2 + 1, abstractSyntax, transferSyntaxes });
  };
  for (const it of items) add(it.sopClassUid, [it.transferSyntaxUid]);
  for (const it of items) if (it.transferSyntaxUid !== TS.implicitLE) add(it.sopClassUid, [TS.explicitLE, TS.implicitLE]);
  return out;
}

/** C-MOVE SCP: sends the matched instances to a registered move destination over a new association. */
export function moveService(deps: RetrieveDeps) {
  return async (op: Operation): Promise<void> => {
    const { assoc, pc, rq } = op;
    const respond = (status: number, extra: Partial<Command> = {}, identifier?: Element[]) => assoc.respond(pc, responseFor(rq, CMD.cMoveRsp, status, extra), identifier);
    const destAe = rq.moveDestination ?? '';
    const dest = deps.peers.get(destAe);
    if (!dest || !dest.mayMoveTo) return respond(STATUS.moveDestinationUnknown, { errorComment: `unknown move destination ${destAe}`.slice(0, 64) });
    let items: InstanceLocation[];
    try {
      items = await instancesFor(deps.archive, parseIdentifier(op.identifier));
    } catch (err) {
      if (err instanceof HoiError) return respond(err.dimse, { errorComment: err.message.slice(0, 64) });
      throw err;
    }
    if (!items.length) return respond(STATUS.success, { completed: 0, failed: 0, warning: 0 });

    let scu: ScuAssociation;
    try {
      scu = await ScuAssociation.open({
        host: dest.host, port: dest.port, callingAe: deps.aeTitle, calledAe: dest.aeTitle,
        contexts: contextsFor(items), maxPdu: deps.maxPdu, timeoutMs: deps.timeoutMs,
      });
    } catch (err) {
      return respond(STATUS.outOfResourcesSubOps, { completed: 0, failed: items.length, warning: 0, errorComment: `${dest.aeTitle}: ${(err as Error).message}`.slice(0, 64) });
    }
    const originator = { aeTitle: assoc.caller!.aeTitle, messageId: rq.messageId ?? 0 };
    let result;
    try {
      result = await runSubOps(deps.archive, items,
        async (loc, part10) => (await sendStoredIn(part10, loc.transferSyntaxUid, (ts) => scu.contextFor(loc.sopClassUid, ts),
          (ctx, ds) => scu.store(ctx, loc.sopClassUid, loc.sopUid, ds, originator))) ?? STATUS.outOfResourcesSubOps,
        (c) => (c.remaining > 0 ? respond(STATUS.pending, countsOf(c, false)) : Promise.resolve()),
        () => op.cancelled);
    } finally {
      await scu.release().catch(() => scu.abort());
    }
    await respond(finalStatus(result, result.cancelled), countsOf(result, true, result.cancelled), failedList(result));
  };
}

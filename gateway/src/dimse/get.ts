import type { InstanceLocation } from '../archive/Archive.js';
import { HoiError } from '../errors.js';
import { CMD, STATUS, responseFor, type Command } from './command.js';
import type { Element } from './dataset.js';
import { parseIdentifier } from './identifier.js';
import { finalStatus, instancesFor, runSubOps } from './retrieve.js';
import { countsOf, failedList, type RetrieveDeps } from './move.js';
import type { Operation } from './association.js';
import { sendStoredIn } from './sendSyntax.js';

/**
 * C-GET SCP: the matched instances go back over the calling association, on the storage contexts for
 * which the caller took the SCP role: in their stored transfer syntax, else decoded to Explicit or Implicit VR LE.
 */
export function getService(deps: Pick<RetrieveDeps, 'archive'>) {
  return async (op: Operation): Promise<void> => {
    const { assoc, pc, rq } = op;
    const respond = (status: number, extra: Partial<Command> = {}, identifier?: Element[]) => assoc.respond(pc, responseFor(rq, CMD.cGetRsp, status, extra), identifier);
    let items: InstanceLocation[];
    try {
      items = await instancesFor(deps.archive, parseIdentifier(op.identifier));
    } catch (err) {
      if (err instanceof HoiError) return respond(err.dimse, { errorComment: err.message.slice(0, 64) });
      throw err;
    }
    if (!items.length) return respond(STATUS.success, { completed: 0, failed: 0, warning: 0 });
    const result = await runSubOps(deps.archive, items,
      async (loc, part10) => (await sendStoredIn(part10, loc.transferSyntaxUid, (ts) => assoc.storeContextFor(loc.sopClassUid, ts),
        (ctx, ds) => assoc.storeToPeer(ctx, loc.sopClassUid, loc.sopUid, ds))) ?? STATUS.outOfResourcesSubOps,
      (c) => (c.remaining > 0 ? respond(STATUS.pending, countsOf(c, false)) : Promise.resolve()),
      () => op.cancelled);
    await respond(finalStatus(result, result.cancelled), countsOf(result, true, result.cancelled), failedList(result));
  };
}

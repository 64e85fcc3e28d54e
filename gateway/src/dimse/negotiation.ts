import type { AssociateRq, ContextResult, RoleSelection } from './pdu/associate.js';
import { COMMAND_TRANSFER_SYNTAXES, STORAGE_TRANSFER_SYNTAXES, serviceOf, type QueryModel, type Service } from './uids.js';

/** A presentation context in use on an association. */
export interface AcceptedContext {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
  service: Service;
  model?: QueryModel;
  /** We may send C-STORE requests on it (C-GET sub-operations): the requestor took the SCP role. */
  storeToPeer: boolean;
}

export interface Negotiated {
  results: ContextResult[];
  accepted: Map<number, AcceptedContext>;
  /** Role selection answers for the A-ASSOCIATE-AC. */
  roles: RoleSelection[];
}

export const RESULT = { accepted: 0, userRejection: 1, noReason: 2, abstractSyntax: 3, transferSyntaxes: 4 } as const;

/**
 * Accepts Verification, Q/R FIND/MOVE/GET (Implicit/Explicit LE) and every storage class with the first
 * proposed transfer syntax we can store as is. Private (non-1.2.840.10008) abstract syntaxes count as storage.
 */
export function negotiate(rq: AssociateRq): Negotiated {
  const roleAsked = new Map(rq.user.roles.map((r) => [r.sopClass, r]));
  const roles: RoleSelection[] = [];
  const granted = new Map<string, RoleSelection>();
  for (const r of rq.user.roles) {
    const kind = serviceOf(r.sopClass);
    // Storage: the requestor may be SCU, SCP (C-GET receiver) or both; other services: SCU only.
    const g = kind?.service === 'storage' ? { sopClass: r.sopClass, scu: r.scu, scp: r.scp } : { sopClass: r.sopClass, scu: true, scp: false };
    granted.set(r.sopClass, g);
    roles.push(g);
  }
  const results: ContextResult[] = [];
  const accepted = new Map<number, AcceptedContext>();
  for (const pc of rq.contexts) {
    const kind = serviceOf(pc.abstractSyntax);
    const reject = (result: number) => results.push({ id: pc.id, result, transferSyntax: pc.transferSyntaxes[0] ?? '' });
    if (!kind || !pc.abstractSyntax) {
      reject(RESULT.abstractSyntax);
      continue;
    }
    const known = kind.service === 'storage' ? STORAGE_TRANSFER_SYNTAXES : COMMAND_TRANSFER_SYNTAXES;
    const ts = pc.transferSyntaxes.find((t) => known.has(t));
    if (!ts) {
      reject(RESULT.transferSyntaxes);
      continue;
    }
    results.push({ id: pc.id, result: RESULT.accepted, transferSyntax: ts });
    const role = granted.get(pc.abstractSyntax);
    // Without a role item the requestor is SCU only; we still allow C-GET sub-operations there (some
    // SCUs forget the item and expect them anyway).
    const storeToPeer = kind.service === 'storage' && (role ? role.scp : !roleAsked.has(pc.abstractSyntax));
    accepted.set(pc.id, { id: pc.id, abstractSyntax: pc.abstractSyntax, transferSyntax: ts, service: kind.service, model: kind.model, storeToPeer });
  }
  return { results, accepted, roles };
}

import type { Peer } from '../dimse/peers.js';
import { AssociationRejected, ScuAssociation, type ScuContext, type ScuOptions } from '../dimse/scu.js';
import { CMD, STATUS, type Command } from '../dimse/command.js';
import { readDataset, writeDataset, type Element } from '../dimse/dataset.js';
import { SOP, TS } from '../dimse/uids.js';
import type { ProposedContext, RoleSelection } from '../dimse/pdu/associate.js';
import { JobError } from '../jobs/types.js';
import { identifierFor, type Level } from './query.js';

/** Who we are when we call a peer. */
export interface ScuSelf {
  aeTitle: string;
  maxPdu: number;
  timeoutMs: number;
}

const QUERY_TS = [TS.explicitLE, TS.implicitLE];

/** PS3.8 Table 9-21: why an association was rejected, in words an operator can act on. */
function rejectionText(e: AssociationRejected, peer: Peer, self: ScuSelf): string {
  const why: Record<string, string> = {
    '1.1': 'no reason given', '1.2': 'application context not supported', '1.3': `calling AE title ${self.aeTitle} not recognized — register ${self.aeTitle} on the peer`,
    '1.7': `called AE title ${peer.aeTitle} not recognized`, '2.1': 'protocol version not supported', '3.1': 'temporary congestion', '3.2': 'local limit exceeded',
  };
  return `${peer.aeTitle} (${peer.host}:${peer.port}) rejected the association${e.result === 2 ? ' (transient)' : ''}: ${why[`${e.source}.${e.reason}`] ?? `source ${e.source}, reason ${e.reason}`}`;
}

/**
 * Opens an association to a peer. Failures become JobErrors: refused connections, timeouts and
 * transient rejections are worth retrying; a permanent rejection or an unknown host is not.
 */
export async function connect(peer: Peer, self: ScuSelf, contexts: ProposedContext[], extra: Pick<ScuOptions, 'roles' | 'onStore'> = {}): Promise<ScuAssociation> {
  try {
    return await ScuAssociation.open({ host: peer.host, port: peer.port, callingAe: self.aeTitle, calledAe: peer.aeTitle, contexts, maxPdu: self.maxPdu, timeoutMs: self.timeoutMs, ...extra });
  } catch (err) {
    if (err instanceof AssociationRejected) throw new JobError(rejectionText(err, peer, self), err.result === 2);
    const code = (err as { code?: string }).code;
    const where = `${peer.aeTitle} at ${peer.host}:${peer.port}`;
    if (code === 'ENOTFOUND') throw new JobError(`cannot resolve host ${peer.host} of ${peer.aeTitle}`, false);
    throw new JobError(`cannot reach ${where}: ${code ?? (err as Error).message}`, true);
  }
}

function needContext(a: ScuAssociation, sop: string, peer: Peer, what: string): ScuContext {
  const pc = a.contextFor(sop);
  if (!pc) {
    a.abort();
    throw new JobError(`${peer.aeTitle} does not support ${what}`, false);
  }
  return pc;
}

/** Sends C-CANCEL when the signal fires; aborts the association if the peer does not end the operation soon. */
function cancelOn(signal: AbortSignal, a: ScuAssociation, pcId: number): () => void {
  let t: NodeJS.Timeout | null = null;
  const onAbort = () => {
    a.cancel(pcId);
    t = setTimeout(() => a.abort(), 5000);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    if (t) clearTimeout(t);
  };
}

const statusText = (s: number): string => `0x${s.toString(16).padStart(4, '0')}`;

async function finish(a: ScuAssociation): Promise<void> {
  await a.release().catch(() => a.abort());
}

/** C-FIND at a level (study root; patient root for PATIENT). Answers as element lists. */
export async function cFind(peer: Peer, self: ScuSelf, level: Level, keys: Record<string, unknown>, signal: AbortSignal, limit = 10_000): Promise<Element[][]> {
  const sop = level === 'PATIENT' ? SOP.patientRootFind : SOP.studyRootFind;
  const a = await connect(peer, self, [{ id: 1, abstractSyntax: sop, transferSyntaxes: QUERY_TS }]);
  const pc = needContext(a, sop, peer, 'C-FIND');
  const explicit = pc.transferSyntax === TS.explicitLE;
  const answers: Element[][] = [];
  const stop = cancelOn(signal, a, pc.id);
  try {
    const { rsp } = await a.request(pc.id, { commandField: CMD.cFindRq, affectedSopClassUid: sop, priority: 0, hasDataset: true },
      writeDataset(identifierFor(level, keys), explicit),
      (_c, ds) => {
        if (ds) answers.push(readDataset(ds, explicit));
        if (answers.length === limit) a.cancel(pc.id);
      });
    if (signal.aborted) throw signal.reason;
    if (rsp.status !== STATUS.success && rsp.status !== STATUS.cancel) {
      throw new JobError(`${peer.aeTitle} answered C-FIND with status ${statusText(rsp.status ?? 0xffff)}${rsp.errorComment ? `: ${rsp.errorComment}` : ''}`, false);
    }
  } finally {
    stop();
    await finish(a);
  }
  return answers;
}

export interface RetrieveCounts {
  remaining: number | null;
  completed: number;
  failed: number;
  warning: number;
}

export interface RetrieveResult extends RetrieveCounts {
  status: number;
  failedUids: string[];
  comment: string | null;
}

const countsOf = (c: Command): RetrieveCounts => ({ remaining: c.remaining ?? null, completed: c.completed ?? 0, failed: c.failed ?? 0, warning: c.warning ?? 0 });

function failedUidsOf(ds: Buffer | null, explicit: boolean): string[] {
  if (!ds) return [];
  try {
    const el = readDataset(ds, explicit).find((e) => e.tag === 0x00080058);
    return el?.value ? el.value.toString('latin1').replace(/[\0 ]+$/, '').split('\\').filter(Boolean) : [];
  } catch {
    return [];
  }
}

/** What to retrieve: a study, one series of it, or listed instances of one series. */
export interface RetrieveTarget {
  studyUid: string;
  seriesUid: string | null;
  /** SOP Instance UIDs (IMAGE level; needs seriesUid). */
  sops?: string[];
}

/** The C-MOVE/C-GET identifier: unique keys only, at the level the target names (PS3.4 C.4.2.2.1). */
function retrieveElements(t: RetrieveTarget): Element[] {
  const level = t.sops?.length && t.seriesUid ? 'IMAGE' : t.seriesUid ? 'SERIES' : 'STUDY';
  const keys: Record<string, string> = { StudyInstanceUID: t.studyUid };
  if (t.seriesUid) keys.SeriesInstanceUID = t.seriesUid;
  if (level === 'IMAGE') keys.SOPInstanceUID = t.sops!.join('\\');
  return identifierFor(level, keys).filter((e) => e.tag === 0x00080052 || (e.value && e.value.length > 0));
}

/**
 * C-MOVE of a study (or series) from the peer to `destination` (us: the instances arrive through our SCP).
 * Some peers send no pending responses: `watchActivity` lets instances arriving elsewhere keep the
 * response timer from firing (it registers a callback and returns its unsubscribe).
 */
export async function cMove(peer: Peer, self: ScuSelf, destination: string, target: RetrieveTarget, signal: AbortSignal,
  onPending: (c: RetrieveCounts) => void, watchActivity?: (touch: () => void) => () => void): Promise<RetrieveResult> {
  const sop = SOP.studyRootMove;
  const a = await connect(peer, self, [{ id: 1, abstractSyntax: sop, transferSyntaxes: QUERY_TS }]);
  const pc = needContext(a, sop, peer, 'C-MOVE (study root)');
  const explicit = pc.transferSyntax === TS.explicitLE;
  const stop = cancelOn(signal, a, pc.id);
  const unwatch = watchActivity?.(() => a.touch()) ?? (() => undefined);
  try {
    const ident = retrieveElements(target);
    const { rsp, dataset } = await a.request(pc.id, { commandField: CMD.cMoveRq, affectedSopClassUid: sop, priority: 0, moveDestination: destination, hasDataset: true },
      writeDataset(ident, explicit), (c) => onPending(countsOf(c)));
    return { ...countsOf(rsp), status: rsp.status ?? 0xffff, failedUids: failedUidsOf(dataset, explicit), comment: rsp.errorComment ?? null };
  } finally {
    unwatch();
    stop();
    await finish(a);
  }
}

/** Transfer syntaxes offered per storage class for C-GET: native first, then each compressed one on its own context. */
const GET_COMPRESSED = ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.5', TS.deflatedLE];

/** Storage classes to offer when the peer's IMAGE-level C-FIND did not tell us which ones the study holds. */
export const COMMON_STORAGE = [
  '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.1', '1.2.840.10008.5.1.4.1.1.1.1', '1.2.840.10008.5.1.4.1.1.7',
  '1.2.840.10008.5.1.4.1.1.6.1', '1.2.840.10008.5.1.4.1.1.12.1', '1.2.840.10008.5.1.4.1.1.20', '1.2.840.10008.5.1.4.1.1.128', '1.2.840.10008.5.1.4.1.1.1.2',
  '1.2.840.10008.5.1.4.1.1.3.1', '1.2.840.10008.5.1.4.1.1.88.22',
];

/** Presentation contexts for C-GET: the query model plus, per storage class, native and compressed syntaxes (≤ 128). */
export function getContexts(sopClasses: string[]): { contexts: ProposedContext[]; roles: RoleSelection[] } {
  const contexts: ProposedContext[] = [{ id: 1, abstractSyntax: SOP.studyRootGet, transferSyntaxes: QUERY_TS }];
  const perClass = 1 + GET_COMPRESSED.length;
  const withCompressed = sopClasses.length * perClass <= 127;
  for (const sop of sopClasses.slice(0, 127)) {
    contexts.push({ id: contexts.length * 2 + 1, abstractSyntax: sop, transferSyntaxes: [TS.explicitLE, TS.implicitLE] });
    if (withCompressed) for (const ts of GET_COMPRESSED) contexts.push({ id: contexts.length * 2 + 1, abstractSyntax: sop, transferSyntaxes: [ts] });
  }
  return { contexts, roles: sopClasses.slice(0, 127).map((sopClass) => ({ sopClass, scu: false, scp: true })) };
}

/**
 * C-GET of a study (or series): the peer sends the instances on this association; `onStore` gets each
 * dataset with the transfer syntax of its context and answers the C-STORE status.
 */
export async function cGet(peer: Peer, self: ScuSelf, target: RetrieveTarget, sopClasses: string[], signal: AbortSignal,
  onStore: (cmd: Command, dataset: Buffer, transferSyntax: string) => Promise<number>, onPending: (c: RetrieveCounts) => void): Promise<RetrieveResult> {
  const { contexts, roles } = getContexts(sopClasses.length ? sopClasses : COMMON_STORAGE);
  let a: ScuAssociation | null = null;
  a = await connect(peer, self, contexts, {
    roles,
    onStore: (cmd, ds, pcId) => onStore(cmd, ds, a!.accepted.get(pcId)?.transferSyntax ?? TS.implicitLE),
  });
  const pc = needContext(a, SOP.studyRootGet, peer, 'C-GET (study root)');
  const explicit = pc.transferSyntax === TS.explicitLE;
  const stop = cancelOn(signal, a, pc.id);
  try {
    const ident = retrieveElements(target);
    const { rsp, dataset } = await a.request(pc.id, { commandField: CMD.cGetRq, affectedSopClassUid: SOP.studyRootGet, priority: 0, hasDataset: true },
      writeDataset(ident, explicit), (c) => onPending(countsOf(c)));
    return { ...countsOf(rsp), status: rsp.status ?? 0xffff, failedUids: failedUidsOf(dataset, explicit), comment: rsp.errorComment ?? null };
  } finally {
    stop();
    await finish(a);
  }
}

export { statusText };

import type { ArchiveEvent, InstanceLocation } from '../../archive/Archive.js';
import { HoiError } from '../../errors.js';
import { STATUS } from '../../dimse/command.js';
import { fileMetaPrefix } from '../../dimse/part10.js';
import { contextsFor } from '../../dimse/move.js';
import { sendStoredIn } from '../../dimse/sendSyntax.js';
import { runSubOps } from '../../dimse/retrieve.js';
import { cFind, cGet, cMove, connect, statusText, type RetrieveCounts, type RetrieveResult, type RetrieveTarget } from '../../scu/dimseScu.js';
import { storePart10 } from '../../scu/storeBytes.js';
import { answerJson, str } from '../../scu/query.js';
import { registerJobKind } from '../registry.js';
import { JobError, type JobContext, type JobReport } from '../types.js';
import { MAX_FAILURES, dimsePeer, obj, scuSelf, uid } from './common.js';

export interface DimseImportParams {
  peer: string;
  studyUid: string;
  seriesUid: string | null;
  method: 'move' | 'get';
}

export interface DimsePushParams {
  peer: string;
  studyUid: string;
  seriesUid: string | null;
}

declare module '../types.js' {
  interface JobKindMap {
    'dimse.import': { params: DimseImportParams; report: JobReport };
    'dimse.push': { params: DimsePushParams; report: JobReport };
  }
}

/** What the peer says the study holds (IMAGE-level C-FIND): instance → series, and SOP classes for C-GET contexts. */
async function listRemote(ctx: JobContext<DimseImportParams>): Promise<{ sops: Map<string, string | null>; classes: string[] } | null> {
  const { params: p, services } = ctx;
  try {
    const keys: Record<string, string> = { StudyInstanceUID: p.studyUid, SeriesInstanceUID: p.seriesUid ?? '', SOPClassUID: '', SOPInstanceUID: '' };
    const answers = await cFind(dimsePeer(services, p.peer), scuSelf(services), 'IMAGE', keys, ctx.signal);
    const sops = new Map<string, string | null>();
    const classes = new Set<string>();
    for (const a of answers.map(answerJson)) {
      const sop = str(a, '00080018');
      const cls = str(a, '00080016');
      if (sop) sops.set(sop, str(a, '0020000E') ?? null);
      if (cls) classes.add(cls);
    }
    return { sops, classes: [...classes] };
  } catch (err) {
    // A peer that retrieves but does not answer IMAGE-level queries: go on without totals.
    if (err instanceof JobError && !err.transient) return null;
    throw err;
  }
}

/**
 * What to ask for: the whole study (or series) when we hold none of it; else only the missing instances,
 * one IMAGE-level retrieve per series (a retried or repeated import fetches only what is missing).
 */
function targetsFor(p: DimseImportParams, remote: { sops: Map<string, string | null> } | null, held: Set<string>): RetrieveTarget[] {
  const whole: RetrieveTarget[] = [{ studyUid: p.studyUid, seriesUid: p.seriesUid }];
  if (!remote || held.size === 0) return whole;
  const bySeries = new Map<string, string[]>();
  for (const [sop, series] of remote.sops) {
    if (held.has(sop)) continue;
    if (!series) return whole;
    const list = bySeries.get(series) ?? [];
    list.push(sop);
    bySeries.set(series, list);
  }
  return [...bySeries].map(([seriesUid, sops]) => ({ studyUid: p.studyUid, seriesUid, sops }));
}

function retrieveOutcome(r: RetrieveResult, peer: string, verb: string, signal: AbortSignal, report: JobReport, self: string): JobReport {
  if (signal.aborted) throw signal.reason;
  const s = r.status;
  if (s === STATUS.success) return report;
  let why = `${peer} ended ${verb} with status ${statusText(s)}${r.comment ? ` (${r.comment})` : ''}`;
  // Peers answer an unknown destination with 0xA801 or, like Orthanc, a plain 0xC000.
  if (verb === 'C-MOVE' && (s === STATUS.moveDestinationUnknown || s === STATUS.cannotUnderstand) && !r.completed) why += ` — is ${self} known to ${peer} as a move destination (AE title, host, port)?`;
  // Some or all sub-operations failed: worth another try (what arrived is kept; duplicates are harmless).
  if (s === STATUS.subOpsFailed || s === STATUS.outOfResourcesSubOps || (s & 0xff00) === 0xa700) throw new JobError(why, true, { ...report, summary: why });
  throw new JobError(why, false, { ...report, summary: why });
}

async function runImport(ctx: JobContext<DimseImportParams>): Promise<JobReport> {
  const { params: p, services, signal } = ctx;
  const peer = dimsePeer(services, p.peer);
  const self = scuSelf(services);
  const archive = services.archive;
  const verb = `C-${p.method.toUpperCase()}`;
  if (p.method === 'move' && services.dimse.port === null) throw new JobError('C-MOVE needs our DICOM listener (HOICHAN_DICOM_PORT); use method "get"', false);
  ctx.progress({ message: `C-FIND ${peer.aeTitle}` });
  const remote = await listRemote(ctx);
  const total = remote ? remote.sops.size : null;
  if (total === 0) throw new JobError(`${peer.aeTitle} has no instances of study ${p.studyUid}${p.seriesUid ? ` series ${p.seriesUid}` : ''}`, false, { summary: `nothing to import from ${peer.aeTitle}`, instances: { done: 0, failed: 0, total: 0 } });
  const heldBefore = async () => {
    const here = await archive.locate(p.studyUid, p.seriesUid ?? undefined);
    return remote ? here.filter((l) => remote.sops.has(l.sopUid)) : here;
  };
  const already = remote ? await heldBefore() : [];
  const targets = targetsFor(p, remote, new Set(already.map((l) => l.sopUid)));
  const base = remote ? already.length : 0;
  ctx.progress({ instancesTotal: total, instancesDone: base, message: `${verb} from ${peer.aeTitle}` });

  // Bytes of what has arrived so far (C-MOVE instances come in through our SCP), read at most once a second.
  let lastBytes = 0;
  let probing: Promise<void> = Promise.resolve();
  const arrivedBytes = async () => {
    if (Date.now() - lastBytes < 1000) return;
    lastBytes = Date.now();
    ctx.progress({ bytesDone: (await heldBefore()).reduce((n, l) => n + Number(l.size), 0) });
  };
  const sum: RetrieveResult = { status: STATUS.success, remaining: null, completed: 0, failed: 0, warning: 0, failedUids: [], comment: null };
  const failures: { item: string; reason: string }[] = [];
  let bytes = 0;
  for (const target of targets) {
    signal.throwIfAborted();
    const onPending = (c: RetrieveCounts) => {
      ctx.progress({ instancesDone: base + sum.completed + sum.warning + c.completed + c.warning, instancesFailed: sum.failed + c.failed });
      if (p.method === 'move') probing = probing.then(arrivedBytes).catch(() => undefined);
    };
    let r: RetrieveResult;
    if (p.method === 'move') {
      r = await cMove(peer, self, self.aeTitle, target, signal, onPending, (touch) => {
        const arrived = (e: ArchiveEvent) => { if (e.studyUid === p.studyUid) touch(); };
        archive.on('change', arrived);
        return () => archive.off('change', arrived);
      });
    } else {
      let stored = 0;
      r = await cGet(peer, self, target, remote?.classes ?? [], signal, async (cmd, ds, ts) => {
        const sopClass = cmd.affectedSopClassUid ?? '';
        const sop = cmd.affectedSopInstanceUid ?? '';
        const out = await storePart10(archive, Buffer.concat([fileMetaPrefix(sopClass, sop, ts, peer.aeTitle), ds]));
        if (out.status === 'failed') {
          if (failures.length < MAX_FAILURES) failures.push({ item: sop, reason: out.error.message });
          return out.error.dimse;
        }
        bytes += ds.length;
        stored++;
        ctx.progress({ bytesDone: bytes, instancesDone: base + sum.completed + sum.warning + stored });
        return STATUS.success;
      }, (c) => ctx.progress({ instancesFailed: sum.failed + c.failed }));
    }
    sum.completed += r.completed;
    sum.warning += r.warning;
    sum.failed += r.failed;
    sum.failedUids.push(...r.failedUids);
    if (r.status !== STATUS.success && sum.status === STATUS.success) Object.assign(sum, { status: r.status, comment: r.comment });
    if (r.status !== STATUS.success && r.status !== STATUS.subOpsFailed) break;
  }
  await probing;
  // What we hold of the study now (C-MOVE instances came in through our SCP).
  const held = await heldBefore();
  const heldBytes = held.reduce((n, l) => n + Number(l.size), 0);
  const done = base + sum.completed + sum.warning;
  for (const u of sum.failedUids) if (failures.length < MAX_FAILURES && !failures.some((f) => f.item === u)) failures.push({ item: u, reason: `sub-operation failed at ${peer.aeTitle}` });
  ctx.progress({ instancesDone: done, instancesFailed: sum.failed, bytesDone: heldBytes, bytesTotal: sum.status === STATUS.success ? heldBytes : null, message: null });
  const fetched = sum.completed + sum.warning;
  const report: JobReport = {
    summary: `imported ${fetched} instance(s) of study ${p.studyUid} from ${peer.aeTitle} by ${verb}${base ? ` (${base} already here)` : ''}${sum.failed ? `, ${sum.failed} failed` : ''}`,
    instances: { done, failed: sum.failed, total: total ?? done + sum.failed }, bytes: heldBytes, failures, studyUid: p.studyUid,
    alreadyHeld: base, fetched, held: held.length,
  };
  return retrieveOutcome(sum, peer.aeTitle, verb, signal, report, self.aeTitle);
}

async function runPush(ctx: JobContext<DimsePushParams>): Promise<JobReport> {
  const { params: p, services, signal } = ctx;
  const peer = dimsePeer(services, p.peer);
  const all = await services.archive.locate(p.studyUid, p.seriesUid ?? undefined);
  if (!all.length) throw new JobError(`study ${p.studyUid}${p.seriesUid ? ` series ${p.seriesUid}` : ''} is not in this archive`, false);
  const sent = new Set<string>(((ctx.resumeFrom as { sent?: string[] } | null)?.sent) ?? []);
  const todo = all.filter((l) => !sent.has(l.sopUid));
  const bytesTotal = all.reduce((n, l) => n + Number(l.size), 0);
  let bytesDone = all.filter((l) => sent.has(l.sopUid)).reduce((n, l) => n + Number(l.size), 0);
  ctx.progress({ instancesTotal: all.length, instancesDone: sent.size, instancesFailed: 0, bytesTotal, bytesDone, message: `C-STORE to ${peer.aeTitle}` });

  const failures: { item: string; reason: string }[] = [];
  let failed = 0;
  let transient = false;
  let lastCheckpoint = Date.now();
  const checkpoint = () => ctx.checkpoint({ sent: [...sent] });
  if (todo.length) {
    const a = await connect(peer, scuSelf(services), contextsFor(todo));
    try {
      await runSubOps(services.archive, todo,
        async (loc: InstanceLocation, part10: Buffer) => {
          // A failed decode is the data's fault (permanent); a failed store, the association's (-1: transient).
          const answer = await sendStoredIn(part10, loc.transferSyntaxUid, (ts) => a.contextFor(loc.sopClassUid, ts), (ctx, ds) => a.store(ctx, loc.sopClassUid, loc.sopUid, ds).catch(() => -1))
            .catch(() => STATUS.cannotUnderstand);
          const tookContext = answer !== null;
          const status = answer ?? STATUS.sopClassNotSupported;
          if (status === STATUS.success || status === 0x0001 || (status >= 0 && (status & 0xf000) === 0xb000)) {
            sent.add(loc.sopUid);
            bytesDone += Number(loc.size);
          } else {
            failed++;
            // Lost association or out of resources: the peer may recover. Refusals of the data are permanent.
            if (status === -1 || (status & 0xff00) === 0xa700) transient = true;
            const reason = status === -1 ? 'association lost' : !tookContext ? `${peer.aeTitle} accepts no context for ${loc.sopClassUid} in ${loc.transferSyntaxUid}` : `status ${statusText(status)}`;
            if (failures.length < MAX_FAILURES) failures.push({ item: loc.sopUid, reason });
          }
          return status < 0 ? STATUS.outOfResources : status;
        },
        async () => {
          ctx.progress({ instancesDone: sent.size, instancesFailed: failed, bytesDone });
          if (Date.now() - lastCheckpoint > 1000) {
            lastCheckpoint = Date.now();
            await checkpoint();
          }
        },
        () => signal.aborted,
      );
    } finally {
      await a.release().catch(() => a.abort());
      await checkpoint();
    }
  }
  if (signal.aborted) throw signal.reason;
  ctx.progress({ instancesDone: sent.size, instancesFailed: failed, bytesDone, message: null });
  const report: JobReport = {
    summary: `sent ${sent.size} of ${all.length} instance(s) of study ${p.studyUid} to ${peer.aeTitle}${failed ? `, ${failed} failed` : ''}`,
    instances: { done: sent.size, failed, total: all.length }, bytes: bytesDone, failures, studyUid: p.studyUid,
  };
  if (failed) throw new JobError(report.summary, transient, report);
  return report;
}

registerJobKind({
  kind: 'dimse.import',
  // The requesting side gathers a case's images from its own PACS and modalities (G-1.2).
  allowRoles: ['requesting_doctor', 'requesting_coordinator', 'it_technician'],
  parse(params, services): DimseImportParams {
    const o = obj(params);
    const method = o.method ?? 'move';
    if (method !== 'move' && method !== 'get') throw new HoiError('HOI_ERR_BAD_REQUEST', 'method must be "move" or "get"');
    const peer = dimsePeer(services, o.peer);
    // C-MOVE sub-operations come in as C-STORE from the peer: our SCP must let it store.
    if (method === 'move' && !peer.mayStore && !services.dimse.peers.acceptAny) throw new HoiError('HOI_ERR_BAD_REQUEST', `peer ${peer.aeTitle} may not store to us (mayStore: false), so a C-MOVE from it would be refused; allow it or use method "get"`);
    return { peer: peer.aeTitle, studyUid: uid(o.studyUid, 'studyUid'), seriesUid: uid(o.seriesUid, 'seriesUid', true), method };
  },
  run: runImport,
});

registerJobKind({
  kind: 'dimse.push',
  parse(params, services): DimsePushParams {
    const o = obj(params);
    const peer = dimsePeer(services, o.peer);
    return { peer: peer.aeTitle, studyUid: uid(o.studyUid, 'studyUid'), seriesUid: uid(o.seriesUid, 'seriesUid', true) };
  },
  run: runPush,
});

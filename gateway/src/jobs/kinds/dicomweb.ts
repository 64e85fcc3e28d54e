import { HoiError } from '../../errors.js';
import { WebClient, WebError } from '../../scu/webScu.js';
import { checkPeerName, type WebPeer } from '../../scu/webPeers.js';
import { storePart10 } from '../../scu/storeBytes.js';
import { str } from '../../scu/query.js';
import { registerJobKind } from '../registry.js';
import { JobError, type JobContext, type JobReport, type JobServices } from '../types.js';
import { MAX_FAILURES, obj, uid } from './common.js';

export interface WebImportParams {
  peer: string;
  studyUid: string;
  seriesUid: string | null;
}
export type WebPushParams = WebImportParams;

declare module '../types.js' {
  interface JobKindMap {
    'dicomweb.import': { params: WebImportParams; report: JobReport };
    'dicomweb.push': { params: WebPushParams; report: JobReport };
  }
}

/** STOW requests carry up to this many instances / bytes. */
const STOW_BATCH = 10;
const STOW_BATCH_BYTES = 32 * 1024 * 1024;

async function webPeer(services: JobServices, name: string): Promise<WebPeer> {
  const p = await services.webPeers.get(name);
  if (!p) throw new JobError(`no DICOMweb peer ${name}`, false);
  return p;
}

const client = (services: JobServices, peer: WebPeer) => new WebClient(peer, services.config.scuTimeoutSeconds * 1000);

async function parse(params: unknown, services: JobServices): Promise<WebImportParams> {
  const o = obj(params);
  const peer = checkPeerName(o.peer);
  if (!(await services.webPeers.get(peer))) throw new HoiError('HOI_ERR_NOT_FOUND', `no DICOMweb peer ${peer}; register it in /api/dicomweb/peers`);
  return { peer, studyUid: uid(o.studyUid, 'studyUid'), seriesUid: uid(o.seriesUid, 'seriesUid', true) };
}

/** QIDO for the instance list, then one WADO-RS retrieve per instance not already held (so a retry resumes). */
async function runImport(ctx: JobContext<WebImportParams>): Promise<JobReport> {
  const { params: p, services, signal } = ctx;
  const peer = await webPeer(services, p.peer);
  const c = client(services, peer);
  ctx.progress({ message: `QIDO ${peer.name}` });
  const path = p.seriesUid ? `/studies/${p.studyUid}/series/${p.seriesUid}/instances` : `/studies/${p.studyUid}/instances`;
  const list = (await c.qido(path, { includefield: '0020000E' }, signal))
    .map((o) => ({ series: str(o, '0020000E') ?? p.seriesUid, sop: str(o, '00080018') }))
    .filter((x): x is { series: string; sop: string } => !!x.series && !!x.sop);
  if (!list.length) throw new JobError(`${peer.name} has no instances of study ${p.studyUid}`, false);
  const held = new Map((await services.archive.locate(p.studyUid, p.seriesUid ?? undefined)).map((l) => [l.sopUid, Number(l.size)]));
  let done = 0;
  let bytes = 0;
  let failed = 0;
  const failures: { item: string; reason: string }[] = [];
  for (const x of list) if (held.has(x.sop)) { done++; bytes += held.get(x.sop)!; }
  ctx.progress({ instancesTotal: list.length, instancesDone: done, bytesDone: bytes, message: `WADO-RS from ${peer.name}` });
  for (const x of list) {
    if (held.has(x.sop)) continue;
    signal.throwIfAborted();
    const body = await c.instance(p.studyUid, x.series, x.sop, signal);
    const out = await storePart10(services.archive, body);
    if (out.status === 'failed') {
      failed++;
      if (failures.length < MAX_FAILURES) failures.push({ item: x.sop, reason: out.error.message });
    } else {
      done++;
      bytes += body.length;
    }
    ctx.progress({ instancesDone: done, instancesFailed: failed, bytesDone: bytes });
  }
  ctx.progress({ bytesTotal: failed ? null : bytes, message: null });
  const report: JobReport = {
    summary: `imported ${done} of ${list.length} instance(s) of study ${p.studyUid} from ${peer.name}${failed ? `, ${failed} refused here` : ''}`,
    instances: { done, failed, total: list.length }, bytes, failures, studyUid: p.studyUid,
  };
  if (failed) throw new JobError(report.summary, false, report);
  return report;
}

interface StowFailure { sop: string; reason: number | null }
function stowFailures(body: Record<string, unknown> | null): StowFailure[] {
  const seq = (body?.['00081198'] as { Value?: Record<string, unknown>[] } | undefined)?.Value ?? [];
  return seq.map((it) => ({ sop: str(it, '00081155') ?? '?', reason: ((it['00081197'] as { Value?: number[] } | undefined)?.Value?.[0]) ?? null }));
}

/** STOW-RS in batches; a checkpoint of what the peer accepted lets a retry send only the rest. */
async function runPush(ctx: JobContext<WebPushParams>): Promise<JobReport> {
  const { params: p, services, signal } = ctx;
  const peer = await webPeer(services, p.peer);
  const c = client(services, peer);
  const all = await services.archive.locate(p.studyUid, p.seriesUid ?? undefined);
  if (!all.length) throw new JobError(`study ${p.studyUid} is not in this archive`, false);
  const sent = new Set<string>(((ctx.resumeFrom as { sent?: string[] } | null)?.sent) ?? []);
  const bytesTotal = all.reduce((n, l) => n + Number(l.size), 0);
  let bytesDone = all.filter((l) => sent.has(l.sopUid)).reduce((n, l) => n + Number(l.size), 0);
  let failed = 0;
  const failures: { item: string; reason: string }[] = [];
  ctx.progress({ instancesTotal: all.length, instancesDone: sent.size, bytesTotal, bytesDone, message: `STOW-RS to ${peer.name}` });
  const todo = all.filter((l) => !sent.has(l.sopUid));
  for (let i = 0; i < todo.length;) {
    signal.throwIfAborted();
    const batch = [];
    let size = 0;
    while (i < todo.length && batch.length < STOW_BATCH && (batch.length === 0 || size + Number(todo[i]!.size) <= STOW_BATCH_BYTES)) {
      size += Number(todo[i]!.size);
      batch.push(todo[i++]!);
    }
    const bodies = await Promise.all(batch.map((l) => services.archive.blobs.read(l.blobKey)));
    let refused: StowFailure[];
    try {
      refused = stowFailures((await c.stow(bodies, signal)).body);
    } catch (err) {
      // 409: the peer refused every instance of the batch (a permanent answer about these instances).
      if (err instanceof WebError && err.status === 409) refused = batch.map((l) => ({ sop: l.sopUid, reason: null }));
      else throw err;
    }
    const bad = new Map(refused.map((f) => [f.sop, f.reason]));
    for (const l of batch) {
      if (bad.has(l.sopUid)) {
        failed++;
        const r = bad.get(l.sopUid);
        if (failures.length < MAX_FAILURES) failures.push({ item: l.sopUid, reason: r === null || r === undefined ? 'refused by the peer' : `FailureReason 0x${r.toString(16)}` });
      } else {
        sent.add(l.sopUid);
        bytesDone += Number(l.size);
      }
    }
    await ctx.checkpoint({ sent: [...sent] });
    ctx.progress({ instancesDone: sent.size, instancesFailed: failed, bytesDone });
  }
  const report: JobReport = {
    summary: `sent ${sent.size} of ${all.length} instance(s) of study ${p.studyUid} to ${peer.name}${failed ? `, ${failed} refused` : ''}`,
    instances: { done: sent.size, failed, total: all.length }, bytes: bytesDone, failures, studyUid: p.studyUid,
  };
  if (failed) throw new JobError(report.summary, false, report);
  return report;
}

registerJobKind({ kind: 'dicomweb.import', parse, run: runImport });
registerJobKind({ kind: 'dicomweb.push', parse, run: runPush });


import type { Archive, InstanceLocation } from '../archive/Archive.js';
import type { BlobStore } from '../archive/blob/BlobStore.js';
import type { QidoQuery } from '../dicomweb/qido/parseQuery.js';
import { MAX_RESULTS, runQuery } from '../dicomweb/qido/runQuery.js';
import { HIDE_PACK_CONTENT } from '../packs/views.js';
import { findAttribute } from '../dicomweb/qido/attributes.js';
import { HoiError } from '../errors.js';
import { STATUS } from './command.js';
import { TAG, type ParsedIdentifier } from './identifier.js';

/** The unique keys a C-MOVE/C-GET may name (relational: any of them, whatever the level). */
const UNIQUE_KEYS: [number, string][] = [
  [TAG.patientId, 'PatientID'],
  [TAG.studyInstanceUid, 'StudyInstanceUID'],
  [TAG.seriesInstanceUid, 'SeriesInstanceUID'],
  [TAG.sopInstanceUid, 'SOPInstanceUID'],
];

/** Instances a C-MOVE/C-GET identifier names, in study/series/instance order. */
export async function instancesFor(archive: Archive, ident: ParsedIdentifier): Promise<InstanceLocation[]> {
  const filters = UNIQUE_KEYS.flatMap(([tag, name]) => {
    const v = ident.text(tag);
    return v && !/^\*+$/.test(v) ? [{ attr: findAttribute(name)!, value: v }] : [];
  });
  if (!filters.length) throw new HoiError('HOI_ERR_BAD_REQUEST', 'the identifier names no patient, study, series or instance');
  const wanted = new Map<string, Set<string>>();
  for (let offset = 0; ; offset += MAX_RESULTS) {
    const q: QidoQuery = { filters, includeTags: [], includeAll: false, limit: MAX_RESULTS, offset, fuzzy: false, ignored: [] };
    const page = await runQuery(archive.db, 'instance', q, { restrict: HIDE_PACK_CONTENT }, '');
    for (const item of page.items) {
      const o = JSON.parse(item) as Record<string, { Value?: string[] } | undefined>;
      const study = o['0020000D']?.Value?.[0];
      const sop = o['00080018']?.Value?.[0];
      if (!study || !sop) continue;
      let set = wanted.get(study);
      if (!set) wanted.set(study, (set = new Set()));
      set.add(sop);
    }
    if (!page.more) break;
  }
  const out: InstanceLocation[] = [];
  for (const [study, sops] of wanted) for (const loc of await archive.locate(study)) if (sops.has(loc.sopUid)) out.push(loc);
  return out;
}

export interface SubOpCounts {
  remaining: number;
  completed: number;
  failed: number;
  warning: number;
  failedUids: string[];
}

/** Status of a C-STORE sub-operation as counted by C-MOVE/C-GET (PS3.4 C.4.2.1.5). */
export function countSubOp(c: SubOpCounts, sopUid: string, status: number): void {
  c.remaining--;
  if (status === STATUS.success) c.completed++;
  else if (status === 0x0001 || (status & 0xf000) === 0xb000) c.warning++;
  else {
    c.failed++;
    c.failedUids.push(sopUid);
  }
}

/** Final C-MOVE/C-GET status from the counts. */
export function finalStatus(c: SubOpCounts, cancelled: boolean): number {
  if (cancelled) return STATUS.cancel;
  if (c.failed || c.warning) return c.completed || c.warning ? STATUS.subOpsFailed : STATUS.outOfResourcesSubOps;
  return STATUS.success;
}

/**
 * Reads stored datasets for sending into two buffers used in turn (instance n+1 is read while n is on the wire;
 * n's buffer is free again once its C-STORE-RSP is in), so a retrieve allocates nothing per instance: a fresh
 * 0.5 MB per read made V8 collect garbage every few instances.
 */
class DatasetReader {
  private readonly bufs = [Buffer.alloc(0), Buffer.alloc(0)];
  private turn = 0;

  constructor(private readonly blobs: BlobStore) {}

  /** The stored Part 10 file (a view of one of the two buffers, valid until the read after next). */
  read(loc: InstanceLocation): Buffer {
    const i = (this.turn = 1 - this.turn);
    if (this.bufs[i]!.length < loc.size) this.bufs[i] = Buffer.allocUnsafe(Math.max(loc.size, Math.ceil(this.bufs[i]!.length * 1.5)));
    const b = this.bufs[i]!.subarray(0, loc.size);
    this.blobs.readInto(loc.blobKey, b);
    return b;
  }
}

/**
 * Runs the sub-operations: each instance's stored Part 10 file goes to `send`, and the next one is read (from
 * the page cache, synchronously) while the peer stores the current one; counts are reported after each.
 * Once a sub-operation is answered, the next one goes out before its counts are reported: the destination
 * starts storing it while the (C-MOVE) pending response is written, and waking the caller's process cannot
 * preempt us between the two on a busy CPU.
 */
export async function runSubOps(
  archive: Archive, items: InstanceLocation[],
  send: (loc: InstanceLocation, part10: Buffer) => Promise<number>,
  progress: (c: SubOpCounts) => Promise<void>,
  cancelled: () => boolean,
): Promise<SubOpCounts & { cancelled: boolean }> {
  const c: SubOpCounts = { remaining: items.length, completed: 0, failed: 0, warning: 0, failedUids: [] };
  const reader = new DatasetReader(archive.blobs);
  const read = (loc: InstanceLocation): Buffer | null => {
    try {
      return reader.read(loc);
    } catch {
      return null;
    }
  };
  let next: Buffer | null = null;
  // send() has written what it could by the time it returns: reading the next file overlaps the transfer.
  // (The reader's two buffers: instance i + 1 is read only once instance i - 1 has been answered.)
  const start = (i: number, ds: Buffer | null): Promise<number> => {
    const sending = ds ? send(items[i]!, ds).catch(() => STATUS.outOfResources) : Promise.resolve(STATUS.outOfResources);
    next = i + 1 < items.length ? read(items[i + 1]!) : null;
    return sending;
  };
  if (!items.length) return { ...c, cancelled: false };
  if (cancelled()) return { ...c, cancelled: true };
  let sending = start(0, read(items[0]!));
  for (let i = 0; i < items.length; i++) {
    const status = await sending;
    countSubOp(c, items[i]!.sopUid, status);
    const more = i + 1 < items.length;
    if (more && cancelled()) {
      await progress(c);
      return { ...c, cancelled: true };
    }
    if (more) sending = start(i + 1, next);
    await progress(c);
  }
  return { ...c, cancelled: false };
}

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yazl from 'yazl';
import type { Archive } from '../archive/Archive.js';
import { HoiError } from '../errors.js';
import type { Pack, PackStore } from './PackStore.js';
import { caseSummary } from './summary.js';

const run = promisify(execFile);

/** A PS3.10 file ID component: ≤ 8 characters of A-Z 0-9 _. */
const fid = (prefix: string, n: number): string => `${prefix}${String(n).padStart(8 - prefix.length, '0')}`;

/**
 * The pack for offline rooms: a zip with the files under DICOM/STnnnnnn/SEnnnnnn/IMnnnnnn, a DICOMDIR made
 * by DCMTK's dcmmkdir (profile STD-GEN-MIME, which takes any transfer syntax), and CASE.JSON (the case
 * summary). Files are staged in a temp dir because dcmmkdir reads them from disk; the zip then streams
 * from there and the dir is removed when the stream ends.
 */
export async function exportPackZip(store: PackStore, archive: Archive, pack: Pack, opts: { dcmmkdir?: string } = {}): Promise<Readable> {
  const items = await store.released(pack.id);
  if (!items.length) throw new HoiError('HOI_ERR_PACK_NOT_READY', `pack ${pack.id} has no released instance to export`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-pack-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const files: string[] = [];
    const studyNo = new Map<string, number>();
    const seriesNo = new Map<string, number>();
    const perSeries = new Map<string, number>();
    for (const it of items) {
      if (!studyNo.has(it.studyUid)) studyNo.set(it.studyUid, studyNo.size + 1);
      if (!seriesNo.has(it.seriesUid)) seriesNo.set(it.seriesUid, [...seriesNo.keys()].length + 1);
      const k = (perSeries.get(it.seriesUid) ?? 0) + 1;
      perSeries.set(it.seriesUid, k);
      const rel = ['DICOM', fid('ST', studyNo.get(it.studyUid)!), fid('SE', seriesNo.get(it.seriesUid)!), fid('IM', k)].join('/');
      const [loc] = await archive.locate(it.studyUid, it.seriesUid, it.sopUid);
      if (!loc) continue; // deleted from the archive since: nothing to ship
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), await archive.blobs.read(loc.blobKey));
      files.push(rel);
    }
    try {
      await run(opts.dcmmkdir ?? 'dcmmkdir', ['--recurse', '--input-directory', dir, '--output-file', path.join(dir, 'DICOMDIR'),
        '--general-mime', '--invent', '--fileset-id', 'HOICHAN', '--no-xfer-check', '--no-encoding-check', '--no-resolution-check', '--quiet', 'DICOM'],
      { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      throw new HoiError('HOI_ERR_EXPORT_FAILED', e.code === 'ENOENT' ? 'dcmmkdir (DCMTK) is not installed on the gateway' : `dcmmkdir failed: ${(e.stderr ?? e.message).slice(0, 500)}`);
    }
    const summary = await caseSummary(store, archive, pack);
    const zip = new yazl.ZipFile();
    zip.addFile(path.join(dir, 'DICOMDIR'), 'DICOMDIR');
    for (const f of files) zip.addFile(path.join(dir, f), f, { compress: false });
    zip.addBuffer(Buffer.from(JSON.stringify(summary, null, 2)), 'CASE.JSON');
    zip.end();
    const out = zip.outputStream as Readable;
    out.once('close', cleanup);
    out.once('end', cleanup);
    out.once('error', cleanup);
    return out;
  } catch (err) {
    cleanup();
    throw err;
  }
}

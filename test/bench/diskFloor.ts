/**
 * The floor of one durable instance on this machine's disk (issue 3, item 5), outside any server: what a C-STORE
 * answered only once its bytes and its index row are on disk must wait for at least, before any receive, hash
 * or parse. Per instance: one O_DIRECT write of a 527 KB body into a file made beforehand, cut to length and
 * fdatasynced (the gateway's own `writeDirectSync`), then one SQLite WAL commit of a row with ~2 KB of JSON at
 * `synchronous = FULL`. Compare with storescp's round trip in `npm run bench -- dimse`.
 * Run: npm run bench -- diskFloor
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AlignedBuffers, gather, writeDirectSync } from '../../gateway/src/archive/blob/directWrite.js';
import { stats } from './lib.js';

const N = Number(process.env.FLOOR_INSTANCES ?? 300);
const LOOPS = 3;
const SIZE = 527 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-bench-floor-'));
try {
  const buffers = AlignedBuffers.open(dir);
  if (!buffers) throw new Error(`O_DIRECT is refused in ${dir}`);
  const buf = buffers.take(SIZE)!;
  gather([Buffer.alloc(SIZE, 7)], buf);
  const db = new Database(path.join(dir, 'index.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table instance (id integer primary key, sop_uid text unique, meta text)');
  const insert = db.prepare('insert into instance (sop_uid, meta) values (?, ?)');
  const meta = JSON.stringify({ tags: 'x'.repeat(2000) });
  const perLoop: { write: number; index: number }[] = [];
  for (let loop = 0; loop < LOOPS; loop++) {
    // Files made first, as the gateway's spares are: creating an inode is not part of the floor.
    const fds = Array.from({ length: N }, (_, i) => fs.openSync(path.join(dir, `${loop}-${i}.spare`), fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_DIRECT, 0o640));
    let write = 0;
    let index = 0;
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      writeDirectSync(fds[i]!, buf, SIZE, true);
      const t1 = performance.now();
      insert.run(`1.2.826.0.1.3680043.8.498.${loop}.${i}`, meta);
      index += performance.now() - t1;
      write += t1 - t0;
    }
    for (const fd of fds) fs.closeSync(fd);
    perLoop.push({ write: write / N, index: index / N });
  }
  db.close();
  const w = stats(perLoop.map((l) => l.write)).p50;
  const ix = stats(perLoop.map((l) => l.index)).p50;
  console.log(`durable floor per 527 KB instance, median of ${LOOPS} loops of ${N} (${os.cpus().length} CPUs):`);
  console.log(`  O_DIRECT write + cut to length + fdatasync  ${w.toFixed(3)} ms   (loops: ${perLoop.map((l) => l.write.toFixed(3)).join(' / ')})`);
  console.log(`  index commit (WAL, synchronous = FULL)      ${ix.toFixed(3)} ms   (loops: ${perLoop.map((l) => l.index.toFixed(3)).join(' / ')})`);
  console.log(`  together                                    ${(w + ix).toFixed(3)} ms = at most ${(1000 / (w + ix)).toFixed(0)} instances/s on one association, with nothing else to do`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * DIMSE benchmark (issue 3, item 6): Hoichan, Orthanc and DCMTK storescp side by side in one run.
 *   C-STORE of the 500-instance CT (storescu, TCP_NODELAY=1): one association, and four in parallel
 *   (Hoichan: `instance` durability for one, `batch` for four; storescp: `--fork` for four) ·
 *   C-MOVE of the study to storescp · C-GET of the study.
 * Runs are interleaved round-robin (RUNS, default 3) and each waits for a mostly idle CPU; medians are shown.
 * Run: pnpm exec tsx test/bench/dimse.ts   (needs dcmtk, orthanc, python3-pydicom from apt)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, spawnGateway, waitExit, ROOT } from '../helpers/process.js';
import { ANCHORS, ensureSeries, orthancDown, orthancUp } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 3);
const N = 500;
const ENV = { ...process.env, TCP_NODELAY: '1' };
// Free ports, not the anchors' 11112/11113: a gateway started with defaults may hold 11112. Orthanc's
// STORESCP modality follows MOVE_DEST_PORT (orthanc-up.sh).
const MOVE_PORT = await freePort();
const SCP_PORT = await freePort();
process.env.MOVE_DEST_PORT = String(MOVE_PORT);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-bench-dimse-'));

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('close', (code) => resolve({ code, out, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** CPU idle share over `ms` (from /proc/stat). */
async function idle(ms = 1000): Promise<number> {
  const read = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const d = b.map((v, i) => v - a[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  return total ? (d[3]! + (d[4] ?? 0)) / total : 1;
}

/** Waits (up to 30 s) for ≥ 85 % idle CPU, so that other work on the machine skews a run less. */
async function quiet(): Promise<number> {
  let last = 0;
  for (let i = 0; i < 30; i++) {
    spawnSync('sync');
    last = await idle();
    if (last >= 0.85) break;
  }
  return last;
}

const files = ensureSeries('/tmp/s500', N);
const split = (k: number): string[][] => Array.from({ length: k }, (_, i) => files.slice(Math.ceil(N / k) * i, Math.ceil(N / k) * (i + 1)));
const STUDY = /\[([^\]]+)\]/.exec(spawnSync('dcmdump', ['-s', '-Un', '+P', '0020,000d', files[0]!], { encoding: 'utf8' }).stdout)![1]!.trim();

/** storescu over `assocs` parallel associations; inst/s of the whole (scan/parse of the files included, as for any modality). */
async function cstore(port: number, aec: string, assocs: number): Promise<number> {
  const t0 = performance.now();
  const rs = await Promise.all(split(assocs).map((part, i) => run('storescu', ['-v', '-aet', `BENCH${i}`, '-aec', aec, '127.0.0.1', String(port), ...part])));
  const secs = (performance.now() - t0) / 1000;
  const ok = rs.reduce((n, r) => n + (r.out.match(/Received Store Response \((Success|Warning)/g) ?? []).length, 0);
  if (ok !== N) throw new Error(`${aec}: ${ok}/${N} stored: ${rs.map((r) => r.out.split('\n').slice(-4).join(' | ')).join(' // ')}`);
  return N / secs;
}

async function cmove(port: number, aec: string): Promise<number> {
  const dir = path.join(work, 'moved');
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync('bash', [path.join(ANCHORS, 'storescp-up.sh'), String(MOVE_PORT), dir], { stdio: 'ignore', env: ENV });
  try {
    const r = await run('movescu', ['-S', '-aet', 'BENCH', '-aec', aec, '-aem', 'STORESCP', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY}`, '127.0.0.1', String(port)]);
    const got = fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
    if (got !== N) throw new Error(`${aec} C-MOVE: ${got}/${N} received: ${r.out.slice(-400)}`);
    return N / r.seconds;
  } finally {
    spawnSync('bash', [path.join(ANCHORS, 'storescp-down.sh'), String(MOVE_PORT)], { stdio: 'ignore' });
  }
}

async function cget(port: number, aec: string): Promise<number> {
  const dir = path.join(work, 'got');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  const r = await run('getscu', ['-S', '-aet', 'BENCH', '-aec', aec, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY}`, '-od', dir, '127.0.0.1', String(port)]);
  const got = fs.readdirSync(dir).length;
  if (got !== N) throw new Error(`${aec} C-GET: ${got}/${N} received: ${r.out.slice(-400)}`);
  return N / r.seconds;
}

type Key = 'store1' | 'store4' | 'move' | 'get';
const results: Record<string, Record<Key, number[]>> = {};
const record = (who: string, k: Key, v: number) => {
  results[who] ??= { store1: [], store4: [], move: [], get: [] };
  results[who]![k].push(v);
  process.stdout.write(`  ${who} ${k}: ${v.toFixed(0)} inst/s\n`);
};

async function hoichanRound(durability: 'instance' | 'batch', assocs: number, retrieve: boolean): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(work, 'hoichan-'));
  const port = await freePort();
  const peers = path.join(dataDir, 'peers.json');
  fs.writeFileSync(peers, JSON.stringify([{ aeTitle: 'STORESCP', host: '127.0.0.1', port: MOVE_PORT, mayStore: false, mayMoveTo: true }]));
  const gw = await spawnGateway({
    HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: 'bench-password-1', HOICHAN_DICOM_PORT: String(port),
    HOICHAN_DICOM_ACCEPT_ANY: 'true', HOICHAN_DIMSE_DURABILITY: durability, HOICHAN_DICOM_PEERS_FILE: peers,
    HOICHAN_MIN_FREE_MB: '512', // the default disk reserve (the test helpers switch it off)
  }, { compiled: process.env.BENCH_COMPILED !== '0' && fs.existsSync(path.join(ROOT, 'gateway/dist/main.js')) });
  try {
    const who = `Hoichan (${durability})`;
    process.stdout.write(`  [idle ${(100 * (await quiet())).toFixed(0)}%] `);
    record(who, assocs === 1 ? 'store1' : 'store4', await cstore(port, 'HOICHAN', assocs));
    if (retrieve) {
      await quiet();
      record(who, 'move', await cmove(port, 'HOICHAN'));
      await quiet();
      record(who, 'get', await cget(port, 'HOICHAN'));
    }
  } finally {
    gw.child.kill('SIGTERM');
    await waitExit(gw.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function orthancRound(assocs: number, retrieve: boolean): Promise<void> {
  orthancUp();
  try {
    process.stdout.write(`  [idle ${(100 * (await quiet())).toFixed(0)}%] `);
    record('Orthanc', assocs === 1 ? 'store1' : 'store4', await cstore(4242, 'ORTHANC', assocs));
    if (retrieve) {
      await quiet();
      record('Orthanc', 'move', await cmove(4242, 'ORTHANC'));
      await quiet();
      record('Orthanc', 'get', await cget(4242, 'ORTHANC'));
    }
  } finally {
    orthancDown();
  }
}

async function storescpRound(assocs: number): Promise<void> {
  const dir = path.join(work, 'storescp');
  fs.rmSync(dir, { recursive: true, force: true });
  spawnSync('bash', [path.join(ANCHORS, 'storescp-up.sh'), String(SCP_PORT), dir, ...(assocs > 1 ? ['--fork'] : [])], { stdio: 'ignore', env: ENV });
  try {
    process.stdout.write(`  [idle ${(100 * (await quiet())).toFixed(0)}%] `);
    record(assocs > 1 ? 'storescp --fork' : 'storescp', assocs === 1 ? 'store1' : 'store4', await cstore(SCP_PORT, 'STORESCP', assocs));
  } finally {
    spawnSync('bash', [path.join(ANCHORS, 'storescp-down.sh'), String(SCP_PORT)], { stdio: 'ignore' });
  }
}

const median = (xs: number[] | undefined): number => {
  if (!xs?.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  for (let r = 1; r <= RUNS; r++) {
    console.log(`round ${r}/${RUNS}`);
    await hoichanRound('instance', 1, true);
    await orthancRound(1, true);
    await storescpRound(1);
    await hoichanRound('batch', 4, false);
    await orthancRound(4, false);
    await storescpRound(4);
    if (process.env.BENCH_ALL === '1') {
      await hoichanRound('batch', 1, false);
      await hoichanRound('instance', 4, false);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

const m = (who: string, k: Key) => median(results[who]?.[k]);
const f = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(0));
const ratio = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '–' : `${(a / b).toFixed(2)}×`);
const rows: [string, number, number, number, string][] = [
  ['C-STORE, 1 association (Hoichan `instance`)', m('Hoichan (instance)', 'store1'), m('Orthanc', 'store1'), m('storescp', 'store1'), '≥ 2.5× Orthanc'],
  ['C-STORE, 4 associations (Hoichan `batch`; storescp --fork)', m('Hoichan (batch)', 'store4'), m('Orthanc', 'store4'), m('storescp --fork', 'store4'), '≥ 3× Orthanc, ≥ 0.7× storescp'],
  ['C-MOVE of the study to storescp', m('Hoichan (instance)', 'move'), m('Orthanc', 'move'), NaN, '≥ Orthanc'],
  ['C-GET of the study', m('Hoichan (instance)', 'get'), m('Orthanc', 'get'), NaN, '≥ Orthanc'],
];
if (process.env.BENCH_ALL === '1') {
  rows.push(['C-STORE, 1 association (Hoichan `batch`)', m('Hoichan (batch)', 'store1'), m('Orthanc', 'store1'), m('storescp', 'store1'), '']);
  rows.push(['C-STORE, 4 associations (Hoichan `instance`)', m('Hoichan (instance)', 'store4'), m('Orthanc', 'store4'), m('storescp --fork', 'store4'), '']);
}
console.log(`\nmedian of ${RUNS} interleaved runs, ${N} × 527 KB CT, instances/s (machine: ${os.cpus().length} CPUs)\n`);
console.log('| metric | Hoichan | Orthanc | storescp | H/Orthanc | H/storescp | target |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const [name, h, o, s, target] of rows) console.log(`| ${name} | ${f(h)} | ${f(o)} | ${f(s)} | ${ratio(h, o)} | ${ratio(h, s)} | ${target} |`);

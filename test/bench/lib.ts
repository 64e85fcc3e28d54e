import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SHARED } from '../helpers/gateway.js';

export const ANCHORS = path.join(SHARED, 'tools/anchors');

/** Median and 95th percentile of a sample, in the sample's unit. */
export function stats(xs: number[]): { p50: number; p95: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), min: s[0]! };
}

/** The 500-slice synthetic CT of the anchors (527 KB per file), generated once into `dir`. */
export function ensureSeries(dir: string, n: number, env: Record<string, string> = {}): string[] {
  const have = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.dcm')) : [];
  if (have.length !== n) {
    fs.rmSync(dir, { recursive: true, force: true });
    const r = spawnSync('bash', [path.join(ANCHORS, 'gen-series.sh'), dir, String(n)], { stdio: 'inherit', env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error('gen-series.sh failed (needs python3-pydicom: apt-get install python3-pydicom)');
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => path.join(dir, f));
}

export function orthancUp(): void {
  spawnSync('bash', [path.join(ANCHORS, 'orthanc-down.sh')], { stdio: 'ignore' });
  execFileSync('bash', [path.join(ANCHORS, 'orthanc-up.sh'), '--fresh'], { stdio: 'inherit' });
}

export function orthancDown(): void {
  spawnSync('bash', [path.join(ANCHORS, 'orthanc-down.sh'), '--wipe'], { stdio: 'ignore' });
}

/** Prints a table of figures with the Hoichan / Orthanc ratio and the target. */
export function printTable(rows: { metric: string; hoichan: number; orthanc: number; unit: string; better: 'higher' | 'lower'; target?: string }[]): void {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(line(['metric', 'Hoichan', 'Orthanc', 'ratio (H/O)', 'target']));
  console.log(line(['---', '---:', '---:', '---:', '---']));
  for (const r of rows) {
    const ratio = r.hoichan / r.orthanc;
    const fmt = (x: number) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3)} ${r.unit}`;
    console.log(line([r.metric, fmt(r.hoichan), fmt(r.orthanc), `${ratio.toFixed(2)}× (${r.better} is better)`, r.target ?? '']));
  }
}

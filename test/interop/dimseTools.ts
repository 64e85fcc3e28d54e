import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../helpers/gateway.js';

/** Helpers for driving DCMTK (and raw sockets) against the gateway's DICOM port. */

export const ANCHORS = path.join(SHARED, 'tools/anchors');

/** DCMTK leaves Nagle on unless told (see shared/tools/anchors/README.md). */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

export interface RunResult {
  code: number | null;
  out: string;
}

/** Runs a DCMTK tool to completion (stdout+stderr together). */
export function dcmtk(tool: string, args: string[], opts: { timeoutMs?: number; cwd?: string; onOutput?: (text: string, child: ChildProcess) => void } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: DCMTK_ENV, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      opts.onOutput?.(out, child);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * Starts DCMTK storescp (bit-preserving) and waits until it listens. `syntaxes`: '+xa' every transfer syntax
 * (default), '+x=' uncompressed only (storescp's own default), '+xi' Implicit VR Little Endian only.
 */
export async function startStorescp(port: number, dir: string, aet = 'STORESCP', syntaxes: '+xa' | '+x=' | '+xi' = '+xa'): Promise<ChildProcess> {
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn('storescp', ['-aet', aet, '-od', dir, '+B', syntaxes, String(port)], { env: DCMTK_ENV, stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('storescp did not start');
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The 500-instance CT series (shared/tools/anchors/gen-series.sh, seed 1). Reuses $HOICHAN_S500 or
 * /tmp/s500 when complete, else generates it into a temp dir (needs python3-pydicom; ~10 s).
 */
export async function ensureSeries(n = 500): Promise<string> {
  const known = process.env.HOICHAN_S500 ?? '/tmp/s500';
  if (fs.existsSync(known) && fs.readdirSync(known).filter((f) => f.endsWith('.dcm')).length === n) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hoichan-s${n}-`));
  const r = await dcmtk('bash', [path.join(ANCHORS, 'gen-series.sh'), dir, String(n)], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`gen-series.sh failed: ${r.out}`);
  return dir;
}

/** Offset of the dataset after the preamble and file meta group (0 for a bare dataset). */
export function datasetOffset(b: Buffer): number {
  if (b.length < 132 || b.toString('latin1', 128, 132) !== 'DICM') return 0;
  let off = 132;
  while (off + 8 <= b.length && b.readUInt16LE(off) === 0x0002) {
    const vr = b.toString('latin1', off + 4, off + 6);
    off += ['OB', 'OW', 'UN', 'UT', 'SQ', 'UC', 'UR'].includes(vr) ? 12 + b.readUInt32LE(off + 8) : 8 + b.readUInt16LE(off + 6);
  }
  return off;
}

export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
export const datasetSha = (b: Buffer): string => sha256(b.subarray(datasetOffset(b)));

/** Reads (0002,0010), (0008,0016), (0008,0018) of each file with dcmdump. */
export async function uidsOf(files: string[]): Promise<Map<string, { ts: string | null; sopClass: string | null; sop: string | null }>> {
  const r = await dcmtk('dcmdump', ['-q', '-Un', '+F', '+P', '0002,0010', '+P', '0008,0016', '+P', '0008,0018', ...files]);
  const out = new Map<string, { ts: string | null; sopClass: string | null; sop: string | null }>();
  let cur: { ts: string | null; sopClass: string | null; sop: string | null } | null = null;
  for (const line of r.out.split('\n')) {
    const file = /^# dcmdump \(\d+\/\d+\): (.*)$/.exec(line);
    if (file) {
      cur = { ts: null, sopClass: null, sop: null };
      out.set(file[1]!.trim(), cur);
      continue;
    }
    const m = /^\((0002,0010|0008,0016|0008,0018)\) UI \[([^\]]*)\]/.exec(line);
    if (m && cur) {
      if (m[1] === '0002,0010') cur.ts = m[2]!.trim();
      else if (m[1] === '0008,0016') cur.sopClass ??= m[2]!.trim();
      else cur.sop ??= m[2]!.trim();
    }
  }
  return out;
}

/** A storescu configuration proposing exactly one SOP class with one transfer syntax (sends files as they are). */
export function storescuConfig(dir: string, sopClass: string, ts: string): string {
  const file = path.join(dir, `storescu-${sha256(Buffer.from(sopClass + ts)).slice(0, 8)}.cfg`);
  fs.writeFileSync(file, [
    '[[TransferSyntaxes]]', '[Stored]', `TransferSyntax1 = ${ts}`,
    '[[PresentationContexts]]', '[Ctx]', `PresentationContext1 = ${sopClass}\\Stored`,
    '[[Profiles]]', '[AsStored]', 'PresentationContexts = Ctx', '',
  ].join('\n'));
  return file;
}

/** The identifiers of findscu -v output, one map (tag "gggg,eeee" → value) per pending response. */
export function findResponses(out: string): Map<string, string>[] {
  const blocks = out.split(/Find Response: \d+ \(Pending\)/).slice(1);
  return blocks.map((b) => {
    const m = new Map<string, string>();
    for (const line of b.split('\n')) {
      if (/Received Final Find Response|Releasing Association/.test(line)) break;
      const e = /^I: \(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (?:\[(.*?)\]|\(no value available\)|=\S*)/.exec(line);
      if (e) m.set(e[1]!, (e[2] ?? '').trim());
    }
    return m;
  });
}

/** Final status line DCMTK prints, e.g. "Success", "Cancel", "Failed: ..." (findscu/movescu). */
export function finalStatus(out: string, what: 'Find' | 'Move'): string | null {
  return new RegExp(`Received Final ${what} Response \\(([^)]*)\\)`).exec(out)?.[1] ?? null;
}

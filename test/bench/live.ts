/**
 * Live consult benchmark (issue 7, item 8): three Chromium pages in one room over HTTPS on loopback, fake
 * camera (640×480 face video) and microphone, peer-to-peer mesh.
 *   - sync latency: the presenter changes W/L 120 times (one change every 100 ms); each viewer records the
 *     time from the presenter's change to its own render of it (same machine, same clock): p50 / p95;
 *   - gateway CPU: the in-process gateway's CPU time (process.cpuUsage of this process, which also runs the
 *     playwright driver: an upper bound) over the window, per endpoint and per media stream forwarded (mesh:
 *     the gateway forwards none, it only relays signaling and view state);
 *   - bandwidth per endpoint: WebRTC bytes sent / received per second (getStats), and the view-state bytes the
 *     gateway relayed per endpoint.
 * The sync window runs twice per room, the presenter sharing its view through the gateway only ('ws') and through
 * the data channels as well ('both', the default); and the room runs twice, with the fake camera and with audio only
 * (BENCH_LIVE_VIDEO=on|off|both, default both), to tell transport costs from CPU starvation by video encoding on
 * a small machine. The breakdown per hop (presenter → gateway → viewer page → drawn) comes from the gateway's relay
 * stamp; the browsers' CPU is the Chromium process tree's (from /proc).
 * Target: sync p95 ≤ 150 ms on loopback. Run: pnpm exec tsx test/bench/live.ts   (needs chromium)
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Page } from 'playwright-core';
import { startLiveRoom, until, CONSULT } from '../e2e/liveRoom.js';

const CHANGES = Number(process.env.BENCH_LIVE_CHANGES ?? 120);
const VIDEO = (process.env.BENCH_LIVE_VIDEO ?? 'both') === 'both' ? [true, false] : [process.env.BENCH_LIVE_VIDEO !== 'off'];
const PATHS = (process.env.BENCH_LIVE_PATHS ?? 'ws,both').split(',') as ('ws' | 'both')[];
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks on Linux. */
const TICK = 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const waitFor = (page: Page, fn: string, timeout = 90_000): Promise<void> => until(page, fn, timeout);

type PeerStats = Record<string, { bytesSent: number; bytesReceived: number; framesDecoded: number }>;
const statsOf = (p: Page) => p.evaluate(() => window.hoichanLive!.debug.stats() as Promise<PeerStats>);
const sum = (s: PeerStats, k: 'bytesSent' | 'bytesReceived') => Object.values(s).reduce((a, x) => a + x[k], 0);

interface Hops { wsUp: number[]; wsDown: number[]; ws: number[]; dc: number[] }

/** CPU seconds of this process's descendants (Linux /proc): the whole Chromium, renderers and GPU included. */
function childrenCpuSeconds(root = process.pid): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / TICK);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  let sum = -(cpu.get(root) ?? 0);
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    sum += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return sum;
}

async function runRoom(video: boolean): Promise<[string, string, string][]> {
  const room = await startLiveRoom();
  const rows: [string, string, string][] = [];
  const tag = video ? 'camera on' : 'audio only';
  try {
    const users = ['an', 'binh', 'chi'];
    const pages: Page[] = [];
    for (const u of users) {
      const p = await room.open(u, undefined, { video });
      await waitFor(p, `document.querySelector('[data-testid="live-screen"]')?.dataset.connected === 'true' && document.querySelector('[data-testid="live-screen"]')?.dataset.viewer === 'ready'`);
      pages.push(p);
    }
    const linked = video
      ? `window.hoichanLive.debug.stats().then(s => Object.values(s).length === 2 && Object.values(s).every(x => x.framesDecoded > 0))`
      : `window.hoichanLive.debug.stats().then(s => Object.values(s).length === 2 && Object.values(s).every(x => x.state === 'connected'))`;
    for (const p of pages) await waitFor(p, linked);
    const [presenter, ...viewers] = pages as [Page, ...Page[]];

    for (const paths of PATHS) {
      await presenter.evaluate((v) => { window.hoichanLive!.syncPaths = v; }, paths);
      const s0 = await Promise.all(pages.map(statsOf));
      const cpu0 = process.cpuUsage();
      const chrome0 = childrenCpuSeconds();
      const t0 = performance.now();
      const relayed0 = new Map(room.gw.live.room(CONSULT)!.relayedBytes);
      for (const v of viewers) {
        await v.evaluate(() => {
          const d = window.hoichanLive!.debug;
          d.latencies.length = 0; d.arrivals.length = 0; d.appliedIn.length = 0;
          for (const k of ['wsUp', 'wsDown', 'ws', 'dc']) d.hops[k].length = 0;
          d.firstBy.ws = 0; d.firstBy.dc = 0;
        });
      }
      // The presenter moves the window width one step every 100 ms (as a W/L drag would, but measurable).
      await presenter.evaluate(async (n) => {
        const vp = window.hoichan!.viewer!.viewport(0)!;
        for (let i = 0; i < n; i++) {
          vp.setProperties({ voiRange: { lower: -200 - i, upper: 400 + i } });
          vp.render();
          await new Promise((r) => setTimeout(r, 100));
        }
      }, CHANGES);
      await presenter.waitForTimeout(1500);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const chromeCpu = childrenCpuSeconds() - chrome0;
      const s1 = await Promise.all(pages.map(statsOf));
      const relayed = room.gw.live.room(CONSULT)!.relayedBytes;
      const got = await Promise.all(viewers.map((v) => v.evaluate(() => {
        const d = window.hoichanLive!.debug;
        return { latencies: [...d.latencies] as number[], appliedIn: [...d.appliedIn] as number[], arrivals: [...d.arrivals] as number[], hops: JSON.parse(JSON.stringify(d.hops)) as Hops, firstBy: { ...d.firstBy } as { ws: number; dc: number } };
      })));
      const latencies = got.flatMap((g) => g.latencies);
      const arrivals = got.flatMap((g) => g.arrivals);
      const hop = (k: keyof Hops) => got.flatMap((g) => g.hops[k]);
      const pp = (xs: number[]) => (xs.length ? `${pct(xs, 50).toFixed(1)} / ${pct(xs, 95).toFixed(1)} ms` : '—');

      const cpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
      const up = pages.map((_, i) => ((sum(s1[i]!, 'bytesSent') - sum(s0[i]!, 'bytesSent')) * 8) / seconds / 1e6);
      const down = pages.map((_, i) => ((sum(s1[i]!, 'bytesReceived') - sum(s0[i]!, 'bytesReceived')) * 8) / seconds / 1e6);
      const sig = [...relayed.entries()].map(([id, b]) => ((b - (relayed0.get(id) ?? 0)) * 8) / seconds / 1000);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const perStreamUp = mean(up) / 2;
      const w = `${tag}, paths ${paths}`;
      rows.push(
        [`**${w}**: sync latency p50 (presenter change → viewer drawn)`, `${pct(latencies, 50).toFixed(1)} ms`, ''],
        [`${w}: sync latency p95`, `${pct(latencies, 95).toFixed(1)} ms`, '≤ 150 ms'],
        [`${w}: change → message in the viewer page (first copy), p50 / p95`, pp(arrivals), ''],
        [`${w}: change → state applied, draw scheduled (the figure before issue 7's fix), p50 / p95`, pp(got.flatMap((g) => g.appliedIn)), ''],
        [`${w}: gateway path: presenter → gateway relay, p50 / p95`, pp(hop('wsUp')), ''],
        [`${w}: gateway path: gateway relay → viewer page, p50 / p95`, pp(hop('wsDown')), ''],
        [`${w}: gateway path end to end (every copy), p50 / p95`, pp(hop('ws')), ''],
        [`${w}: data channel end to end (every copy), p50 / p95`, pp(hop('dc')), ''],
        [`${w}: first copy by gateway / data channel`, `${got.reduce((a, g) => a + g.firstBy.ws, 0)} / ${got.reduce((a, g) => a + g.firstBy.dc, 0)}`, ''],
        [`${w}: state changes received / expected`, `${latencies.length} / ${CHANGES * viewers.length}`, 'coalesced ≤ 30/s'],
        [`${w}: Chromium CPU, all processes (2 cores = 200 %)`, `${((chromeCpu / seconds) * 100).toFixed(0)} %`, ''],
        [`${w}: gateway CPU, whole room (3 endpoints, signaling + state)`, `${cpuPct.toFixed(1)} % of one core`, ''],
        [`${w}: gateway CPU per endpoint`, `${(cpuPct / 3).toFixed(2)} % of one core`, ''],
      );
      if (video && paths === PATHS[0]) {
        rows.push(
          ['gateway CPU per forwarded media stream', 'none forwarded (mesh)', ''],
          ['media sent per endpoint (2 peers)', `${mean(up).toFixed(2)} Mbit/s`, ''],
          ['media received per endpoint (2 peers)', `${mean(down).toFixed(2)} Mbit/s`, ''],
          ['media per stream (one direction)', `${perStreamUp.toFixed(2)} Mbit/s`, ''],
          ['uplink per endpoint in a full room of 8 (7 streams)', `${(perStreamUp * 7).toFixed(1)} Mbit/s`, 'LAN: ≪ 100 Mbit/s'],
        );
      }
      rows.push([`${w}: signaling + state relayed per endpoint`, `${mean(sig).toFixed(1)} kbit/s`, '']);
    }
  } finally {
    await room.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const load0 = os.loadavg();
  const rows: [string, string, string][] = [];
  const t0 = performance.now();
  for (const video of VIDEO) rows.push(...(await runRoom(video)));
  console.log(`\nLive room on loopback, ${CHANGES} changes per window, ${((performance.now() - t0) / 1000).toFixed(0)} s in all, ${os.cpus().length} cores, load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| metric | value | target |');
  console.log('| --- | ---: | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

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
 * Target: sync p95 ≤ 150 ms on loopback. Run: pnpm exec tsx test/bench/live.ts   (needs chromium)
 */
import type { Page } from 'playwright-core';
import { startLiveRoom, CONSULT } from '../e2e/liveRoom.js';

const CHANGES = Number(process.env.BENCH_LIVE_CHANGES ?? 120);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function waitFor(page: Page, fn: string, timeout = 90_000): Promise<void> {
  await page.waitForFunction(fn, null, { timeout, polling: 200 });
}

type PeerStats = Record<string, { bytesSent: number; bytesReceived: number; framesDecoded: number }>;
const statsOf = (p: Page) => p.evaluate(() => window.hoichanLive!.debug.stats() as Promise<PeerStats>);
const sum = (s: PeerStats, k: 'bytesSent' | 'bytesReceived') => Object.values(s).reduce((a, x) => a + x[k], 0);

async function main(): Promise<void> {
  const room = await startLiveRoom();
  try {
    const users = ['an', 'binh', 'chi'];
    const pages: Page[] = [];
    for (const u of users) {
      const p = await room.open(u);
      await waitFor(p, `document.querySelector('[data-testid="live-screen"]')?.dataset.connected === 'true' && document.querySelector('[data-testid="live-screen"]')?.dataset.viewer === 'ready'`);
      pages.push(p);
    }
    for (const p of pages) await waitFor(p, `window.hoichanLive.debug.stats().then(s => Object.values(s).length === 2 && Object.values(s).every(x => x.framesDecoded > 0))`);
    const [presenter, ...viewers] = pages as [Page, ...Page[]];

    const s0 = await Promise.all(pages.map(statsOf));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const relayed0 = new Map(room.gw.live.room(CONSULT)!.relayedBytes);
    for (const v of viewers) await v.evaluate(() => { window.hoichanLive!.debug.latencies.length = 0; window.hoichanLive!.debug.arrivals.length = 0; });
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
    const s1 = await Promise.all(pages.map(statsOf));
    const relayed = room.gw.live.room(CONSULT)!.relayedBytes;
    const latencies = (await Promise.all(viewers.map((v) => v.evaluate(() => [...window.hoichanLive!.debug.latencies] as number[])))).flat();
    const arrivals = (await Promise.all(viewers.map((v) => v.evaluate(() => [...window.hoichanLive!.debug.arrivals] as number[])))).flat();

    const cpuPct = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
    const up = pages.map((_, i) => ((sum(s1[i]!, 'bytesSent') - sum(s0[i]!, 'bytesSent')) * 8) / seconds / 1e6);
    const down = pages.map((_, i) => ((sum(s1[i]!, 'bytesReceived') - sum(s0[i]!, 'bytesReceived')) * 8) / seconds / 1e6);
    const sig = [...relayed.entries()].map(([id, b]) => ((b - (relayed0.get(id) ?? 0)) * 8) / seconds / 1000);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perStreamUp = mean(up) / 2;
    const rows: [string, string, string][] = [
      ['sync latency p50 (presenter change → viewer render)', `${pct(latencies, 50).toFixed(1)} ms`, ''],
      ['sync latency p95', `${pct(latencies, 95).toFixed(1)} ms`, '≤ 150 ms'],
      ['of which: change → message in the viewer page, p50 / p95', `${pct(arrivals, 50).toFixed(1)} / ${pct(arrivals, 95).toFixed(1)} ms`, ''],
      ['state changes received / expected', `${latencies.length} / ${CHANGES * viewers.length}`, 'coalesced ≤ 30/s'],
      ['gateway CPU, whole room (3 endpoints, signaling + state)', `${cpuPct.toFixed(1)} % of one core`, ''],
      ['gateway CPU per endpoint', `${(cpuPct / 3).toFixed(2)} % of one core`, ''],
      ['gateway CPU per forwarded media stream', 'none forwarded (mesh)', ''],
      ['media sent per endpoint (2 peers)', `${mean(up).toFixed(2)} Mbit/s`, ''],
      ['media received per endpoint (2 peers)', `${mean(down).toFixed(2)} Mbit/s`, ''],
      ['media per stream (one direction)', `${perStreamUp.toFixed(2)} Mbit/s`, ''],
      ['uplink per endpoint in a full room of 8 (7 streams)', `${(perStreamUp * 7).toFixed(1)} Mbit/s`, 'LAN: ≪ 100 Mbit/s'],
      ['signaling + state relayed per endpoint', `${mean(sig).toFixed(1)} kbit/s`, ''],
    ];
    console.log(`\nLive room on loopback, ${seconds.toFixed(1)} s window, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log('| metric | value | target |');
    console.log('| --- | ---: | --- |');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await room.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

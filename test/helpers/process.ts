import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Starts the real gateway process (`gateway/src/main.ts` under tsx) and resolves once /healthz answers. */
export async function spawnGateway(env: Record<string, string>, opts: { compiled?: boolean } = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = env.HOICHAN_HTTP_PORT ?? String(await freePort());
  let out = '';
  // Benchmarks run the compiled gateway; tests run the sources under tsx (no build step needed).
  // `node --import tsx` keeps one process (the tsx CLI would fork a child that a SIGKILL does not reach).
  const [cmd, args] = opts.compiled ? [process.execPath, [path.join(ROOT, 'gateway/dist/main.js')]] : [process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')]];
  const child = spawn(cmd, args, {
    env: { ...process.env, HOICHAN_HOST: '127.0.0.1', HOICHAN_LOG_LEVEL: 'warn', HOICHAN_DICOM_PORT: 'off', HOICHAN_MIN_FREE_MB: '0', ...env, HOICHAN_HTTP_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url, output: () => out };
}

/** SIGTERM to a spawned gateway, resolved once it has exited (a no-op for one never started). */
export async function stopGateway(gw: { child: ChildProcess } | undefined): Promise<void> {
  if (!gw) return;
  gw.child.kill('SIGTERM');
  await waitExit(gw.child);
}

export function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

#!/usr/bin/env node
// The README's two commands land here: `npm start` and `npm test` on a fresh clone with only Node 20 and npm.
// It bootstraps pnpm 12.4.2 (pinned in package.json), installs the workspace, builds it, then starts or tests.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const toolsDir = path.join(root, '.tools');
const env = { ...process.env };
// node-gyp (better-sqlite3) would download Node headers, which this network refuses; use the system's.
if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env, ...opts });
  if (r.status !== 0) {
    console.error(`hoichan bootstrap: "${cmd} ${args.join(' ')}" failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function pnpmBin() {
  const which = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() === PNPM_VERSION) return 'pnpm';
  const local = path.join(toolsDir, 'node_modules', '.bin', 'pnpm');
  if (!fs.existsSync(local)) {
    console.log(`hoichan: installing pnpm ${PNPM_VERSION} into .tools/ …`);
    run('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', toolsDir, `pnpm@${PNPM_VERSION}`]);
  }
  return local;
}

function newer(a, b) {
  try {
    return fs.statSync(a).mtimeMs > fs.statSync(b).mtimeMs;
  } catch {
    return true;
  }
}

function install(pnpm) {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  if (!fs.existsSync(marker) || newer(path.join(root, 'pnpm-lock.yaml'), marker)) {
    console.log('hoichan: installing dependencies …');
    run(pnpm, ['install', '--frozen-lockfile']);
  }
}

/** The newest modification time under a file or folder (0 when missing). */
function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

function build(pnpm) {
  run(pnpm, ['exec', 'tsc', '-b']);
  if (fs.existsSync(path.join(root, 'viewer', 'vite.config.ts'))) {
    const out = path.join(root, 'viewer', 'dist', 'index.html');
    // Rebuilt when missing or older than any of its sources (after a pull), or when asked.
    const sources = ['viewer/src', 'viewer/index.html', 'viewer/vite.config.ts', 'viewer/package.json', 'worklist/src', 'gateway/src/live/protocol.ts'];
    const stale = !fs.existsSync(out) || sources.some((s) => newestMtime(path.join(root, s)) > fs.statSync(out).mtimeMs);
    if (stale || process.env.HOICHAN_REBUILD_VIEWER) run(pnpm, ['--filter', '@hoichan/viewer', 'build']);
  }
}

const cmd = process.argv[2] ?? 'start';
const pnpm = pnpmBin();
install(pnpm);
build(pnpm);

if (cmd === 'build') process.exit(0);
if (cmd === 'start') {
  const child = spawn(process.execPath, [path.join(root, 'gateway', 'dist', 'main.js'), ...process.argv.slice(3)], { stdio: 'inherit', cwd: process.cwd(), env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
} else if (cmd === 'test') {
  const report = path.join(root, 'test', '.tmp', 'vitest-report.json');
  fs.mkdirSync(path.dirname(report), { recursive: true });
  fs.rmSync(report, { force: true });
  const r = spawnSync(pnpm, ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(3)], { stdio: 'inherit', cwd: root, env });
  // One plain closing line that any CI can read.
  try {
    const j = JSON.parse(fs.readFileSync(report, 'utf8'));
    // A suite that could not run, or an unhandled error, fails the run with no test counted as failed: say so.
    const why = r.status !== 0 && j.numFailedTests === 0 ? ` (the run failed: ${j.numFailedTestSuites} suite(s) failed or an error was not handled; see above)` : '';
    console.log(`\n${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + j.numTodoTests} skipped${why}`);
  } catch {
    console.log('\n0 passed, 1 failed (no test report was written)');
  }
  process.exit(r.status ?? 1);
} else if (cmd === 'bench') {
  const r = spawnSync(pnpm, ['exec', 'tsx', 'test/bench/run.ts', ...process.argv.slice(3)], { stdio: 'inherit', cwd: root, env });
  process.exit(r.status ?? 1);
} else {
  console.error(`unknown command ${cmd}: use start, test, bench or build`);
  process.exit(2);
}

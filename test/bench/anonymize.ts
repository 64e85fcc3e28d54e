/**
 * De-identification benchmark (issue 4 §8): instances/s on the 500-instance synthetic CT of the anchors, Hoichan
 * (`deidentifyInstance`: pixel stage + PS3.15 E.1-1 rules + leak gate, files written) against GDCM's gdcmanon
 * (Basic Profile, -e with a throw-away certificate, one process for the directory) and Orthanc 1.10's
 * /instances/{id}/anonymize (one request per instance, answer read), in one run; then a side-by-side of what each
 * tool leaves on three inputs: a CT of the series, the burned-in ultrasound fixture and the dense-PHI fixture.
 * Run: npm run bench -- anonymize   (needs libgdcm-tools, orthanc, python3-pydicom, openssl from apt)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deidentifyInstance, identityOf, leakScan, readPart10, decodeImage } from '../../anonymizer/src/index.js';
import { SHARED } from '../helpers/gateway.js';
import { ensureSeries, orthancDown, orthancUp } from './lib.js';

const N = Number(process.env.BENCH_ANON_INSTANCES ?? 500);
const ORTHANC = 'http://127.0.0.1:8042';
const SECRET = 'hoichan-bench-site-secret-0001';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-bench-anon-'));

async function orthancUpload(file: string): Promise<string> {
  const r = await fetch(`${ORTHANC}/instances`, { method: 'POST', body: fs.readFileSync(file) });
  if (!r.ok) throw new Error(`Orthanc upload answered ${r.status}`);
  return ((await r.json()) as { ID: string }).ID;
}

async function orthancAnonymize(id: string): Promise<Buffer> {
  const r = await fetch(`${ORTHANC}/instances/${id}/anonymize`, { method: 'POST', body: '{}' });
  if (!r.ok) throw new Error(`Orthanc anonymize answered ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

function gdcmanon(input: string, output: string, cert: string): void {
  execFileSync('gdcmanon', ['-e', '--continue', '-c', cert, '-i', input, '-o', output], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** What a de-identified file still holds, checked independently of every tool's rules. */
async function inspect(source: Buffer, out: Buffer | undefined): Promise<Record<string, string>> {
  if (!out) return { released: 'no (quarantined)' };
  const src = readPart10(source).dataset;
  const ds = readPart10(out).dataset;
  const str = (d: typeof ds, t: string): string => {
    const v = d[t]?.Value?.[0];
    return typeof v === 'string' ? v : v && typeof v === 'object' ? JSON.stringify(v) : '';
  };
  const privateTags = Object.keys(ds).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1).length;
  const hits = leakScan(out, identityOf(src)).hits;
  let banner = 'n/a';
  if (str(src, '00080060') === 'US' && str(src, '00280301') === 'YES') {
    const img = await decodeImage(ds, readPart10(out).transferSyntaxUid);
    banner = img.frames[0].subarray(0, img.columns * 38).some((v) => v > 40) ? 'left in pixels' : 'blanked';
  }
  return {
    released: 'yes',
    'leak-gate hits': String(hits.length),
    'Patient Sex': str(ds, '00100040') ? 'kept' : str(src, '00100040') ? 'EMPTIED' : '(none in source)',
    'Patient Address': str(ds, '00101040') ? 'KEPT' : str(src, '00101040') ? 'removed' : '(none in source)',
    'Patient Phone': str(ds, '00102154') ? 'KEPT' : str(src, '00102154') ? 'removed' : '(none in source)',
    'private tags': String(privateTags),
    'burned-in banner': banner,
  };
}

function orthancBusy(): boolean {
  try {
    process.kill(Number(fs.readFileSync('/tmp/orthanc-bench/orthanc.pid', 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

function printSpeed(hoichan: number, gdcm: number, orthanc: number, load: string): void {
  console.log(`\n500-instance CT (512×512, 16-bit, Explicit VR LE), ${N} instances, sequential; load ${load} on ${os.cpus().length} cores`);
  console.log('| tool | inst/s | Hoichan / tool |');
  console.log('| --- | ---: | ---: |');
  console.log(`| Hoichan deidentifyInstance (pixel stage + rules + leak gate) | ${hoichan.toFixed(1)} | 1.00× |`);
  console.log(`| gdcmanon -e (Basic Profile, GDCM 3.0) | ${gdcm.toFixed(1)} | ${(hoichan / gdcm).toFixed(2)}× |`);
  console.log(`| Orthanc 1.10 /instances/{id}/anonymize | ${orthanc.toFixed(1)} | ${(hoichan / orthanc).toFixed(2)}× |`);
}

async function main(): Promise<void> {
  const files = ensureSeries(path.join(os.tmpdir(), `hoichan-bench-series${N}`), N);
  const inputs = files.map((f) => fs.readFileSync(f));
  const cert = path.join(tmp, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(tmp, 'key.pem'), '-out', cert, '-days', '2', '-subj', '/CN=bench'], { stdio: 'ignore' });
  const load = () => os.loadavg()[0].toFixed(1);

  // Hoichan, in process, sequential, every output written
  const outDir = path.join(tmp, 'hoichan');
  fs.mkdirSync(outDir);
  await deidentifyInstance(inputs[0], { siteSecret: SECRET, pseudonym: 'HC-BENCH' }); // codecs / first-call warm-up
  let t0 = performance.now();
  for (const input of inputs) {
    const r = await deidentifyInstance(input, { siteSecret: SECRET, pseudonym: 'HC-BENCH' });
    if (r.status !== 'released') throw new Error(`quarantined: ${r.reason}`);
    fs.writeFileSync(path.join(outDir, `${r.sopInstanceUid}.dcm`), r.part10);
  }
  const hoichan = N / ((performance.now() - t0) / 1000);
  console.log(`hoichan: ${hoichan.toFixed(1)} inst/s (load ${load()})`);

  // gdcmanon, one process for the directory
  const gdcmOut = path.join(tmp, 'gdcm');
  fs.mkdirSync(gdcmOut);
  t0 = performance.now();
  gdcmanon(path.dirname(files[0]), gdcmOut, cert);
  const gdcm = N / ((performance.now() - t0) / 1000);
  console.log(`gdcmanon: ${gdcm.toFixed(1)} inst/s (load ${load()})`);

  // Orthanc: upload (not timed), then /anonymize per instance. An Orthanc already running belongs to another run on
  // this machine: it is left alone (orthancUp would restart and wipe it).
  let orthanc = NaN;
  const sideBySide: { name: string; source: Buffer; outs: Record<string, Buffer | undefined> }[] = [];
  if (orthancBusy()) {
    console.log('orthanc: already running (another run uses it): skipped');
    printSpeed(hoichan, gdcm, orthanc, load());
    fs.rmSync(tmp, { recursive: true, force: true });
    return;
  }
  orthancUp();
  try {
    const ids: string[] = [];
    for (const f of files) ids.push(await orthancUpload(f));
    await orthancAnonymize(ids[0]);
    t0 = performance.now();
    for (const id of ids) await orthancAnonymize(id);
    orthanc = N / ((performance.now() - t0) / 1000);
    console.log(`orthanc: ${orthanc.toFixed(1)} inst/s (load ${load()})`);

    // side by side on three inputs
    const real = path.join(SHARED, 'fixtures/real');
    for (const [name, file] of [
      ['CT of the series', files[0]],
      ['US_GREYSCALE_burnedin_PHI', path.join(real, 'US_GREYSCALE_burnedin_PHI.dcm')],
      ['CT_brain_synthetic_PHI', path.join(real, 'CT_brain_synthetic_PHI.dcm')],
    ] as const) {
      const source = fs.readFileSync(file);
      const r = await deidentifyInstance(source, { siteSecret: SECRET, pseudonym: 'HC-BENCH' });
      const g = path.join(tmp, `side-${path.basename(file)}`);
      gdcmanon(file, g, cert);
      const oid = await orthancUpload(file);
      sideBySide.push({ name, source, outs: { Hoichan: r.status === 'released' ? r.part10 : undefined, gdcmanon: fs.readFileSync(g), Orthanc: await orthancAnonymize(oid) } });
    }
  } finally {
    orthancDown();
  }

  printSpeed(hoichan, gdcm, orthanc, load());

  for (const s of sideBySide) {
    const rows = await Promise.all(Object.entries(s.outs).map(async ([tool, out]) => [tool, await inspect(s.source, out)] as const));
    const keys = Object.keys(rows[0][1]);
    console.log(`\nWhat is left: ${s.name}`);
    console.log(`| | ${rows.map(([t]) => t).join(' | ')} |`);
    console.log(`| --- |${rows.map(() => ' --- |').join('')}`);
    for (const k of keys) console.log(`| ${k} | ${rows.map(([, r]) => r[k] ?? '').join(' | ')} |`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});

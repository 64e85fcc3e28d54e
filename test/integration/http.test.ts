import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, waitExit } from '../helpers/process.js';
import { stowBody } from '../helpers/multipart.js';
import { makeInstance, newUid } from '../helpers/synth.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-http-'));
const PASSWORD = 'http-test-password';
const basic = `admin:${PASSWORD}`;
let gw: Awaited<ReturnType<typeof spawnGateway>>;

beforeAll(async () => {
  gw = await spawnGateway({ HOICHAN_DATA_DIR: dataDir, HOICHAN_ADMIN_PASSWORD: PASSWORD, HOICHAN_DICOM_PORT: '0' });
});
afterAll(async () => {
  gw?.child.kill('SIGTERM');
  if (gw) await waitExit(gw.child);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A DICOM part whose Pixel Data (8-bit, rows × cols) is streamed as zeros instead of built in memory. */
function bigPart(study: string, rows: number, cols: number): { head: Buffer; pixelBytes: number; sop: string } {
  const sop = newUid();
  const small = makeInstance({ StudyInstanceUID: study, SOPInstanceUID: sop, Rows: rows, Columns: cols }, { pixels: new Uint8Array(16) });
  // The last element is (7FE0,0010) OB: 4 tag bytes, 'OB', 2 reserved, 4 length bytes, then 16 value bytes.
  const head = Buffer.from(small.subarray(0, small.length - 16));
  head.writeUInt32LE(rows * cols, head.length - 4);
  return { head, pixelBytes: rows * cols, sop };
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

describe('HTTP behaviour of the running gateway', () => {
  it('answers Expect: 100-continue instead of letting the client stall', () => {
    const body = stowBody([makeInstance()]);
    const file = path.join(dataDir, 'body.mp');
    fs.writeFileSync(file, body.body);
    // curl -v prints the interim response on stderr; --expect100-timeout 30 makes a missing 100 visible as a stall.
    const r = spawnSync('curl', ['-sv', '--expect100-timeout', '30', '-u', basic, '-H', 'Expect: 100-continue', '-H', `Content-Type: ${body.contentType}`, '--data-binary', `@${file}`, '-o', '/dev/null', '-w', '%{http_code}', `${gw.url}/dicom-web/studies`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('200');
    expect(r.stderr).toMatch(/< HTTP\/1\.1 100 Continue/);
  });

  it('streams a 500 MB STOW (one 200 MB part) to disk without holding it in memory', async () => {
    const study = newUid();
    const parts = [...Array.from({ length: 6 }, () => bigPart(study, 5000, 10000)), bigPart(study, 10000, 20000)];
    const boundary = 'big-upload-boundary';
    const total = parts.reduce((s, p) => s + p.pixelBytes, 0);
    expect(total).toBeGreaterThan(480 * 1e6);
    async function* generate(): AsyncGenerator<Buffer> {
      const zeros = Buffer.alloc(1 << 20);
      for (const p of parts) {
        yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
        yield p.head;
        for (let left = p.pixelBytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    }
    const before = peakRssMb(gw.child.pid!);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gw.url}/dicom-web/studies`, { method: 'POST', auth: basic, headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          if (res.statusCode !== 200) console.error('STOW answered', res.statusCode, res.headers.warning, text.slice(0, 500));
          resolve(res.statusCode!);
        });
      });
      req.on('error', reject);
      Readable.from(generate()).pipe(req);
    });
    expect(status).toBe(200);
    const peak = peakRssMb(gw.child.pid!);
    // The body is 500 MB; the gateway's peak resident memory grows by a small fraction of it.
    expect(peak - before, `peak RSS grew from ${before} to ${peak} MB`).toBeLessThan(150);
    const q = await fetch(`${gw.url}/dicom-web/studies/${study}/instances`, { headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } });
    const rows = (await q.json()) as unknown[];
    expect(rows.length).toBe(7);
    const big = parts[6]!;
    const series = ((rows as Record<string, { Value: string[] }>[]).find((r) => r['00080018']!.Value[0] === big.sop)!)['0020000E']!.Value[0];
    const res = await fetch(`${gw.url}/dicom-web/studies/${study}/series/${series}/instances/${big.sop}`, { headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}`, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
    let got = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) got += chunk.length;
    expect(got).toBeGreaterThan(big.head.length + big.pixelBytes);
  });
});

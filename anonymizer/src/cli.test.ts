import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { readPart10 } from './dicom/io.js';
import { el, first, HAVE_FIXTURES, part10, REAL_FIXTURES, SOP } from './testing/build.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('hoichan-anonymize CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hoichan-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function inputDir(): string {
    const input = path.join(dir, 'in');
    mkdirSync(path.join(input, 'sub'), { recursive: true });
    writeFileSync(
      path.join(input, 'a.dcm'),
      part10({
        '00080016': el('UI', SOP.ct),
        '00080018': el('UI', '1.2.3.4.5.6'),
        '00100010': el('PN', { Alphabetic: 'Lê^Văn Tám' }),
        '00100020': el('LO', 'BN-77'),
        '00080005': el('CS', 'ISO_IR 192'),
      }),
    );
    writeFileSync(path.join(input, 'sub', 'notes.txt'), 'not a dicom file');
    if (HAVE_FIXTURES) copyFileSync(path.join(REAL_FIXTURES, 'CT_small.dcm'), path.join(input, 'sub', 'ct.dcm'));
    return input;
  }

  it('de-identifies a directory, names outputs by new SOP Instance UID, reports bad input and goes on', async () => {
    const input = inputDir();
    const out = path.join(dir, 'out');
    const key = path.join(dir, 'site.key');
    const c = capture();
    const code = await main([input, '--out', out, '--key', key, '--pseudonym', 'HC-2026-0042', '--reports'], c.io);
    expect(code).toBe(1); // notes.txt is not DICOM
    expect(c.err.join('\n')).toMatch(/notes\.txt: NOT_DICOM/);
    const dcms = readdirSync(out).filter((f) => f.endsWith('.dcm'));
    expect(dcms).toHaveLength(HAVE_FIXTURES ? 2 : 1);
    for (const f of dcms) {
      const parsed = readPart10(readFileSync(path.join(out, f)));
      expect(f).toBe(`${String(first(parsed.dataset, '00080018'))}.dcm`);
      expect(first(parsed.dataset, '00100020')).toBe('HC-2026-0042');
      expect(existsSync(path.join(out, f.replace(/\.dcm$/, '.report.json')))).toBe(true);
    }
    // the key file was created, private to its owner, and is reused: same outputs on a second run
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(c.err.join('\n')).toMatch(/created new site key/);
    const out2 = path.join(dir, 'out2');
    await main([input, '--out', out2, '--key', key, '--pseudonym', 'HC-2026-0042'], capture().io);
    for (const f of dcms) expect(readFileSync(path.join(out2, f)).equals(readFileSync(path.join(out, f)))).toBe(true);
  });

  it('applies --profile and --option', async () => {
    const input = inputDir();
    const c = capture();
    const code = await main(
      [path.join(input, 'a.dcm'), '--out', path.join(dir, 'o'), '--key', path.join(dir, 'k'), '--profile', 'basic', '--option', 'retain-uids'],
      c.io,
    );
    expect(code).toBe(0);
    const [f] = readdirSync(path.join(dir, 'o'));
    expect(f).toBe('1.2.3.4.5.6.dcm');
  });

  it('refuses bad usage with exit code 2', async () => {
    expect(await main([], capture().io)).toBe(2);
    expect(await main(['x', '--out', dir, '--key', path.join(dir, 'k'), '--option', 'nope'], capture().io)).toBe(2);
    expect(await main(['x', '--out', dir, '--key', path.join(dir, 'k'), '--profile', 'nope'], capture().io)).toBe(2);
    expect(await main(['x', '--out', dir], capture().io)).toBe(2); // no key
  });

  const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
  it('runs as a program on a directory', () => {
    const input = inputDir();
    const out = path.join(dir, 'out');
    let status = 0;
    let stdout = '';
    try {
      stdout = execFileSync(tsx, [path.join(here, 'cli.ts'), input, '--out', out, '--key', path.join(dir, 'k')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      status = e.status;
      stdout = e.stdout;
    }
    expect(status).toBe(1);
    expect(stdout).toMatch(/written, 1 failed, 0 blocked/);
    expect(readdirSync(out).length).toBeGreaterThan(0);
  });
});

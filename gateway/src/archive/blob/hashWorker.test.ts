import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../dicom/index.js';
import { parseBody } from '../parseTemp.js';
import os from 'node:os';
import { afterAll } from 'vitest';
import { HashWorker } from './hashWorker.js';

const REAL = path.join(process.env.HOICHAN_SHARED ?? path.join(import.meta.dirname, '../../../../../shared'), 'fixtures/real');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-hashworker-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** The bytes in a new file, open for reading and writing (as a written spare is), with a few bytes of slack after them. */
const inFile = (bytes: Buffer): number => {
  const fd = fs.openSync(path.join(dir, `${files++}.spare`), 'w+');
  fs.writeSync(fd, Buffer.concat([bytes, Buffer.from('slack')]));
  return fd;
};

describe('HashWorker.digestAndParse (STOW: SHA-256 and header parse of a written spare, off the event loop)', () => {
  const withParser = new HashWorker();
  const hashOnly = new HashWorker(null);

  // The worker runs the built parser (gateway/dist): `npm test` and `npm start` build it first.
  it('answers the same header parse and hash as this thread, for every real fixture', async () => {
    expect(fs.existsSync(path.join(import.meta.dirname, '../../../dist/archive/parseTemp.js')), 'gateway/dist is built (npm run build)').toBe(true);
    const files = fs.readdirSync(REAL).filter((f) => f.endsWith('.dcm'));
    expect(files.length).toBeGreaterThan(30);
    let parsedThere = 0;
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(REAL, f));
      const fd = inFile(bytes);
      const r = await withParser.digestAndParse(fd, bytes.length);
      fs.closeSync(fd);
      expect(r.sha256, f).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
      let here: unknown;
      try {
        here = parseBody(bytes, parseInstance);
      } catch (err) {
        here = { name: (err as Error).name, reason: (err as { reason?: string }).reason };
      }
      if ('parseError' in r) {
        expect({ name: r.parseError.name, reason: r.parseError.reason }, f).toEqual(here);
      } else {
        expect(r.parsed, f).toEqual(here);
        parsedThere++;
      }
    }
    expect(parsedThere).toBeGreaterThan(30);
  });

  it('reports an unreadable body as a DicomParseError with its reason', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm')).subarray(0, 2000);
    const r = await withParser.digestAndParse(inFile(Buffer.from(bytes)), bytes.length);
    expect('parseError' in r && r.parseError.name).toBe('DicomParseError');
    expect('parseError' in r && r.parseError.reason).toBe('truncated');
  });

  it('without a built parser it only hashes, and the caller parses', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm'));
    const r = await hashOnly.digestAndParse(inFile(bytes), bytes.length);
    expect(r).toEqual({ sha256: crypto.createHash('sha256').update(bytes).digest('hex'), parsed: null });
  });

  it('fails, without answering a hash, when the file holds fewer bytes than asked or is closed', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm'));
    await expect(withParser.digestAndParse(inFile(bytes), bytes.length + 100)).rejects.toThrow(/ended at/);
    const fd = inFile(bytes);
    fs.closeSync(fd);
    await expect(withParser.digestAndParse(fd, bytes.length)).rejects.toThrow(/EBADF|bad file/i);
  });
});

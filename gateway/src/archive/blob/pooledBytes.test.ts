import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../dicom/index.js';
import { parseBody } from '../parseTemp.js';
import { HashWorker, SlotPool } from './pooledBytes.js';

const REAL = path.join(process.env.HOICHAN_SHARED ?? path.join(import.meta.dirname, '../../../../../shared'), 'fixtures/real');

const inSlot = (pool: SlotPool, bytes: Buffer) => {
  const slot = pool.get(bytes.length)!;
  bytes.copy(slot.buf);
  return slot;
};

describe('HashWorker.digestAndParse (STOW: SHA-256 and header parse off the event loop)', () => {
  const pool = new SlotPool();
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
      const slot = inSlot(pool, bytes);
      const r = await withParser.digestAndParse(slot.sab, bytes.length);
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
      pool.put(slot);
    }
    expect(parsedThere).toBeGreaterThan(30);
  });

  it('reports an unreadable body as a DicomParseError with its reason', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm')).subarray(0, 2000);
    const slot = inSlot(pool, Buffer.from(bytes));
    const r = await withParser.digestAndParse(slot.sab, bytes.length);
    expect('parseError' in r && r.parseError.name).toBe('DicomParseError');
    expect('parseError' in r && r.parseError.reason).toBe('truncated');
  });

  it('without a built parser it only hashes, and the caller parses', async () => {
    const bytes = fs.readFileSync(path.join(REAL, 'CT_small.dcm'));
    const slot = inSlot(pool, bytes);
    const r = await hashOnly.digestAndParse(slot.sab, bytes.length);
    expect(r).toEqual({ sha256: crypto.createHash('sha256').update(bytes).digest('hex'), parsed: null });
  });
});

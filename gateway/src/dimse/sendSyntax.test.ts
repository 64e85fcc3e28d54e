import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranscodeError } from '../render/index.js';
import { readDataset } from './dataset.js';
import { datasetOffset } from './part10.js';
import { chooseSendSyntax, datasetIn, sendStoredIn } from './sendSyntax.js';
import { TS } from './uids.js';
import { parseInstance } from '../dicom/index.js';

const DIR = join(process.env.HOICHAN_SHARED ?? join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const FILES = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.dcm')).sort() : [];

describe('what a C-STORE sub-operation sends', () => {
  it('the stored syntax when taken, else Explicit, else Implicit VR Little Endian, else nothing', () => {
    const peer = (takes: string[]) => (ts: string) => (takes.includes(ts) ? `ctx:${ts}` : null);
    const JPEG = '1.2.840.10008.1.2.4.50';
    expect(chooseSendSyntax(JPEG, peer([JPEG, TS.explicitLE]))).toEqual({ ctx: `ctx:${JPEG}`, ts: JPEG });
    expect(chooseSendSyntax(JPEG, peer([TS.implicitLE, TS.explicitLE]))).toEqual({ ctx: `ctx:${TS.explicitLE}`, ts: TS.explicitLE });
    expect(chooseSendSyntax(JPEG, peer([TS.implicitLE]))).toEqual({ ctx: `ctx:${TS.implicitLE}`, ts: TS.implicitLE });
    expect(chooseSendSyntax(JPEG, peer([]))).toBeNull();
  });

  it('every fixture we can decode goes out in Implicit VR LE with the same elements and values as in Explicit VR LE', async () => {
    expect(FILES.length).toBeGreaterThan(30);
    let converted = 0;
    for (const f of FILES) {
      const part10 = readFileSync(join(DIR, f));
      let stored: string;
      try {
        stored = parseInstance(part10).fields.transferSyntaxUid;
      } catch {
        continue; // not a Part 10 file our parser takes (the archive would not hold it either)
      }
      if (stored === TS.implicitLE) continue; // sent as stored (the last test)
      let ele: Buffer;
      try {
        ele = await datasetIn(part10, stored, TS.explicitLE);
      } catch (err) {
        if (err instanceof TranscodeError) continue; // a syntax we cannot decode: that sub-operation fails
        throw err;
      }
      const ile = await datasetIn(part10, stored, TS.implicitLE);
      const explicit = readDataset(ele, true);
      const implicit = readDataset(ile, false);
      expect(implicit.map((e) => e.tag), f).toEqual(explicit.map((e) => e.tag));
      for (const [i, e] of explicit.entries()) {
        // Values of elements that are not sequences are the same bytes (padded to even length).
        if (e.value && implicit[i]!.value) expect(implicit[i]!.value!.subarray(0, e.value.length).equals(e.value), `${f} ${e.tag.toString(16)}`).toBe(true);
      }
      converted++;
    }
    expect(converted).toBeGreaterThan(25);
  });

  it('as stored, the bytes go to store() before sendStoredIn returns (C-MOVE reads the next file meanwhile)', async () => {
    const part10 = readFileSync(join(DIR, 'CT_small.dcm'));
    const calls: Buffer[] = [];
    const store = (_ctx: string, ds: Buffer) => {
      calls.push(ds);
      return Promise.resolve(0);
    };
    const pending = sendStoredIn(part10, TS.explicitLE, (ts) => (ts === TS.explicitLE ? 'ctx' : null), store);
    expect(calls.length).toBe(1); // synchronously: no await before the store
    expect(await pending).toBe(0);
    expect(calls[0]!.equals(part10.subarray(datasetOffset(part10)))).toBe(true);
    expect(await sendStoredIn(part10, TS.explicitLE, () => null, store)).toBeNull();
    // Bytes that cannot be decoded for the peer: a rejection (a failed sub-operation), and nothing stored.
    await expect(sendStoredIn(Buffer.from('not a DICOM file at all'), '1.2.840.10008.1.2.4.50', (ts) => (ts === TS.implicitLE ? 'ctx' : null), store)).rejects.toThrow();
    expect(calls.length).toBe(1);
  });

  it('the stored syntax sends the stored dataset bytes untouched', async () => {
    const part10 = readFileSync(join(DIR, 'CT_small.dcm'));
    const ds = await datasetIn(part10, TS.explicitLE, TS.explicitLE);
    expect(ds.equals(part10.subarray(datasetOffset(part10)))).toBe(true);
  });
});

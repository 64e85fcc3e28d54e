import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetWalker, isComplete } from './complete.js';
import { datasetOffset } from './part10.js';

const FIXTURES = path.resolve(process.env.HOICHAN_SHARED ?? path.join(import.meta.dirname, '../../../../shared'), 'fixtures/real');
const tsOf = (b: Buffer, name: string): string => {
  const m = /1\.2\.840\.10008\.1\.2[0-9.]*/.exec(b.subarray(0, datasetOffset(b)).toString('latin1'));
  return m ? m[0] : /nometa/.test(name) && !/CT_small/.test(name) ? '1.2.840.10008.1.2' : '1.2.840.10008.1.2.1';
};

describe('isComplete', () => {
  const files = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.dcm')) : [];
  it('accepts every fixture whole and refuses it cut anywhere', () => {
    for (const f of files) {
      const b = fs.readFileSync(path.join(FIXTURES, f));
      const start = datasetOffset(b);
      const ts = tsOf(b, f);
      expect(isComplete(b, start, ts), f).toBe(true);
      // Streamed in uneven pieces (headers straddling pieces), the verdict is the same.
      for (const size of [1, 5, 7, 13, 1000]) {
        const w = new DatasetWalker(ts);
        for (let o = start; o < b.length; o += size) w.push(b.subarray(o, Math.min(b.length, o + size)));
        expect(w.complete, `${f} in pieces of ${size}`).toBe(true);
      }
      if (ts.endsWith('.99')) continue;
      // (A cut exactly between two elements leaves a valid, shorter dataset: these cuts are inside elements.)
      for (const cut of [start + 7, Math.floor((start + b.length) / 2) + 1, b.length - 1]) {
        if (cut <= start || cut >= b.length) continue;
        expect(isComplete(b.subarray(0, cut), start, ts), `${f} cut at ${cut}`).toBe(false);
      }
    }
  });

  it('walks undefined-length sequences and items', () => {
    const b = Buffer.concat([
      Buffer.from([0x40, 0, 0x75, 0x02, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x40, 0, 0x09, 0, 4, 0, 0, 0]), Buffer.from('SPS2'),
      Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]),
      Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
    ]);
    expect(isComplete(b, 0, '1.2.840.10008.1.2')).toBe(true);
    expect(isComplete(b.subarray(0, b.length - 8), 0, '1.2.840.10008.1.2')).toBe(false);
  });
});

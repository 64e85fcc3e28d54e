import fs from 'node:fs';
import path from 'node:path';
import type { BlobStore } from '../../gateway/src/archive/blob/BlobStore.js';

const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

/**
 * Files a store in progress leaves under a data directory's blobs: temps in `.tmp`, and spares that were
 * written into (`.spare`; empty spares are made ahead and are not debris). After a restart there must be none.
 */
export function tempDebris(dataDir: string): string[] {
  const blobs = path.join(dataDir, 'blobs');
  const spares = list(path.join(blobs, '.spare')).filter((f) => fs.statSync(path.join(blobs, '.spare', f), { throwIfNoEntry: false })?.size);
  return [...list(path.join(blobs, '.tmp')).map((f) => `.tmp/${f}`), ...spares.map((f) => `.spare/${f}`)];
}

/**
 * Counts the temps a running gateway's blob store writes out (each body's `finish`) until `restore()`: shows
 * whether a body was written at all, which the answers alone do not.
 */
export function countWrites(blobs: BlobStore): { readonly written: number; restore(): void } {
  const createTemp = blobs.createTemp.bind(blobs);
  let written = 0;
  blobs.createTemp = (o) => {
    const temp = createTemp(o);
    const finish = temp.finish.bind(temp);
    temp.finish = (...args) => {
      written++;
      return finish(...args);
    };
    return temp;
  };
  return {
    get written() {
      return written;
    },
    restore: () => {
      blobs.createTemp = createTemp;
    },
  };
}

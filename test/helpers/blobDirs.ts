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
 * Counts the bodies a running gateway's blob store writes to files from now on (whichever way: into a spare once
 * complete, at finish, or spilled while arriving): shows whether a body was written at all, which the answers
 * alone do not. `restore()` is kept for the callers' finally blocks; there is nothing to undo.
 */
export function countWrites(blobs: BlobStore): { readonly written: number; restore(): void } {
  const store = blobs as BlobStore & { readonly bodiesWritten: number };
  const start = store.bodiesWritten;
  if (typeof start !== 'number') throw new Error('countWrites needs an FsBlobStore (bodiesWritten)');
  return {
    get written() {
      return store.bodiesWritten - start;
    },
    restore: () => undefined,
  };
}

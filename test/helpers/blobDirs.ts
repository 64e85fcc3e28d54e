import fs from 'node:fs';
import path from 'node:path';

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

import { Readable } from 'node:stream';
import yazl from 'yazl';

/** One file of the ZIP: its path inside, and its bytes when the ZIP reaches it. */
export interface ZipEntry {
  path: string;
  body: () => Buffer | Readable | Promise<Buffer>;
}

/**
 * A ZIP (yazl) whose files are read one at a time as the client takes the stream: a study of any size is never
 * held in memory, and only one file is open at once. Stored, not deflated: pixel data is mostly compressed
 * already, and the gateway's CPU is better spent elsewhere. A file that cannot be read ends the stream with
 * its error (the client sees a cut download, never a ZIP missing a file without saying so).
 */
export function zipOfInstances(entries: ZipEntry[]): Readable {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    zip.addReadStreamLazy(e.path, { compress: false }, (cb) => {
      Promise.resolve()
        .then(e.body)
        .then((b) => cb(null, Buffer.isBuffer(b) ? Readable.from([b], { objectMode: false }) : b), (err: unknown) => cb(err, Readable.from([], { objectMode: false })));
    });
  }
  zip.end();
  const out = zip.outputStream as Readable;
  zip.on('error', (err: Error) => out.destroy(err));
  return out;
}

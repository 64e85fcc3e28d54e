import fs from 'node:fs';
import path from 'node:path';

let seq = 0;

/**
 * Intent journal: the blob keys a batch is about to place (or remove) are written and synced before the
 * renames, and the file is removed once the index commit is done. After a crash, `pending()` lists the
 * keys whose fate is unknown; the archive deletes those the index does not reference.
 */
export class Journal {
  constructor(private readonly dir: string, private readonly fsync: boolean) {
    fs.mkdirSync(dir, { recursive: true });
  }

  async open(keys: string[]): Promise<string> {
    const file = path.join(this.dir, `${process.pid}-${Date.now()}-${seq++}.json`);
    const fh = await fs.promises.open(file, 'wx');
    try {
      await fh.writeFile(JSON.stringify(keys));
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    return file;
  }

  close(file: string): void {
    fs.rmSync(file, { force: true });
  }

  /** Every journal left behind, with its keys (unreadable ones count as empty). */
  pending(): { file: string; keys: string[] }[] {
    return fs.readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => {
      const file = path.join(this.dir, f);
      try {
        const keys = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
        return { file, keys: Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [] };
      } catch {
        return { file, keys: [] };
      }
    });
  }
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openIndex } from './index/openIndex.js';
import { FsBlobStore } from './blob/FsBlobStore.js';
import { Archive } from './Archive.js';
import { parseTemp } from './parseTemp.js';
import { parseInstance, DicomParseError, type ParsedInstance } from '../dicom/index.js';
import { makeInstance } from '../../../test/helpers/synth.js';
import { tempDebris } from '../../../test/helpers/blobDirs.js';
import { datasetOffset } from '../dicom/fileMeta.js';
import { fileMetaPrefix } from '../dimse/part10.js';

const SC_CLASS = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

const dirs: string[] = [];
const stores: FsBlobStore[] = [];
afterEach(async () => {
  // Closed first: a store makes its spare files in the background, and one made during the rm would fail it.
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
/** An FsBlobStore closed after the test. */
const blobStore = (...args: ConstructorParameters<typeof FsBlobStore>): FsBlobStore => {
  const s = new FsBlobStore(...args);
  stores.push(s);
  return s;
};
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-archive-'));
  dirs.push(d);
  return d;
};

/** A 16-bit 256×256 image (128 KB of pixels): larger than the first header window. */
const big = (attrs: Record<string, unknown> = {}): Buffer => makeInstance({ Rows: 256, Columns: 256, BitsAllocated: 16, BitsStored: 16, HighBit: 15, ...attrs }, { pixels: new Uint8Array(256 * 256 * 2).fill(3) });

function tempOf(blobs: FsBlobStore, bytes: Buffer, chunk = 16_384) {
  const t = blobs.createTemp();
  for (let i = 0; i < bytes.length; i += chunk) t.write(bytes.subarray(i, i + chunk));
  return t;
}

describe('parseTemp (header of a received body, without copying it)', () => {
  const blobs = () => blobStore(path.join(tmp(), 'blobs'));

  it('parses a large body from a header window and gets what the whole-body parse gets', () => {
    const bytes = big();
    const windows: number[] = [];
    const spy = (b: Buffer, o?: { partial?: boolean; totalLength?: number }) => {
      windows.push(b.length);
      return parseInstance(b, o);
    };
    const got = parseTemp(tempOf(blobs(), bytes), spy);
    expect(got).toEqual(parseInstance(bytes));
    expect(windows).toEqual([32 * 1024]);
  });

  it('refuses a body cut inside its Pixel Data, as the whole-body parse does', () => {
    const cut = big().subarray(0, -100);
    expect(() => parseTemp(tempOf(blobs(), cut), parseInstance)).toThrow(DicomParseError);
    try {
      parseTemp(tempOf(blobs(), cut), parseInstance);
    } catch (err) {
      expect((err as DicomParseError).reason).toBe('truncated');
    }
  });

  it('falls back to the whole body when elements follow Pixel Data', () => {
    // (FFFC,FFFC) Data Set Trailing Padding, OB, 4 bytes: after Pixel Data, outside any header window.
    const padding = Buffer.from([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    const bytes = Buffer.concat([big(), padding]);
    expect(() => parseInstance(bytes.subarray(0, 32 * 1024), { partial: true, totalLength: bytes.length })).toThrow(DicomParseError);
    expect(parseTemp(tempOf(blobs(), bytes), parseInstance)).toEqual(parseInstance(bytes));
  });
});

describe('pooled temps (STOW: written into a spare as received, then hashed and parsed on a worker thread)', () => {
  const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
  const bytesOf = (n: number, seed: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
    return b;
  };
  const pooledOf = (blobs: FsBlobStore, body: Buffer, chunk = 65_536) => {
    const t = blobs.createTemp({ pooled: true });
    for (let i = 0; i < body.length; i += chunk) t.write(body.subarray(i, i + chunk));
    return t;
  };
  /** Files in the store's folders for temps and spares that hold bytes (empty spares are stock, not debris). */
  const written = (blobs: FsBlobStore) => tempDebris(path.dirname(blobs.root)).map((f) => path.join(blobs.root, f));

  it('hashes and parses on the worker what this thread does, from the spare it was written into; finish only names it', async () => {
    const blobs = blobStore(path.join(tmp(), 'blobs'));
    await blobs.sparesReady();
    const body = big({ PatientName: 'NGUYEN^VAN^A' });
    const t = pooledOf(blobs, body);
    expect(t.head(132)).toEqual(body.subarray(0, 132));
    const r = await t.digestAndParse!();
    expect(r.sha256).toBe(sha(body));
    // The worker runs the built parser (gateway/dist): `npm test` builds it first.
    expect('parsed' in r && r.parsed).toEqual(parseInstance(body));
    // Durable already: the spare holds the body before finish is called.
    expect(written(blobs)).toHaveLength(1);
    expect(sha(fs.readFileSync(written(blobs)[0]!))).toBe(sha(body));
    const key = `aa/one-${r.sha256.slice(0, 12)}.dcm`;
    expect(await t.finish(() => key, { release: true })).toEqual({ size: body.length, sha256: sha(body) });
    expect(t.key).toBe(key);
    expect(t.memory).toBeNull();
    blobs.place([{ temp: t, key }]);
    expect(sha(await blobs.read(key))).toBe(sha(body));
    expect(written(blobs)).toEqual([]);
  });

  it.each([['O_DIRECT', true], ['buffered', false]])('many temps written (%s) and hashed while others fill: every file has its own bytes', async (_, direct) => {
    const blobs = blobStore(path.join(tmp(), 'blobs'), true, { spares: 4, direct });
    await blobs.sparesReady();
    const bodies = Array.from({ length: 12 }, (_, k) => bytesOf(300_000 + k * 1000, 10 + k));
    const finishing: Promise<{ sha256: string }>[] = [];
    const temps = [];
    for (const [k, body] of bodies.entries()) {
      const t = pooledOf(blobs, body);
      temps.push(t);
      // More temps than spares: one that finds none ready is hashed here and written at finish.
      finishing.push(t.digestAndParse!().then(() => t.finish((h) => `cc/${k}-${h.slice(0, 12)}.dcm`, { release: true })));
      await new Promise((r) => setTimeout(r, k % 4)); // the next one fills while this one is at some stage of its write
    }
    const done = await Promise.all(finishing);
    blobs.place(temps.map((temp, k) => ({ temp, key: `cc/${k}-${done[k]!.sha256.slice(0, 12)}.dcm` })));
    for (const [k, body] of bodies.entries()) expect(sha(await blobs.read(`cc/${k}-${done[k]!.sha256.slice(0, 12)}.dcm`))).toBe(sha(body));
    expect(written(blobs)).toEqual([]);
  });

  it('once idle after a burst (no temp asked for, the event loop calm), makes spares for a burst as large, up to burstSpares; without burstSpares it keeps `spares`', async () => {
    const sparesIn = (blobs: FsBlobStore) => fs.readdirSync(path.join(blobs.root, '.spare')).filter((f) => f.endsWith('.spare')).length;
    const burst = async (blobs: FsBlobStore, n: number) => {
      for (let i = 0; i < n; i++) blobs.createTemp().discard();
      await blobs.sparesReady();
    };
    // Idle refill steps come 100 ms apart, each only if this thread's event loop was mostly idle: wait for `n`
    // (up to 5 s), then a while longer to see that no more come.
    const idle = async (blobs: FsBlobStore, n: number) => {
      for (let waited = 0; sparesIn(blobs) < n && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      await blobs.sparesReady();
    };
    const growing = blobStore(path.join(tmp(), 'blobs'), true, { spares: 2, burstSpares: 8 });
    const fixed = blobStore(path.join(tmp(), 'blobs'), true, { spares: 2 });
    for (const blobs of [growing, fixed]) {
      await blobs.sparesReady();
      expect(sparesIn(blobs)).toBe(2);
      await burst(blobs, 6);
      expect(sparesIn(blobs)).toBe(2); // during the burst, only `spares` are kept
    }
    await idle(growing, 6);
    await idle(fixed, 2);
    expect(sparesIn(growing)).toBe(6);
    expect(sparesIn(fixed)).toBe(2);
    await burst(growing, 12);
    await idle(growing, 8);
    expect(sparesIn(growing)).toBe(8); // capped
    await burst(growing, 3);
    await idle(growing, 8);
    expect(sparesIn(growing)).toBe(8); // the largest burst seen still counts

    // A busy event loop (a C-MOVE or WADO after the burst) is not idle: nothing is made until it calms down.
    const busy = blobStore(path.join(tmp(), 'blobs'), true, { spares: 2, burstSpares: 8 });
    await busy.sparesReady();
    await burst(busy, 6);
    const until = Date.now() + 1000;
    await new Promise<void>((done) => {
      const spin = () => {
        for (const t = Date.now() + 20; Date.now() < t; );
        if (Date.now() < until) setImmediate(spin);
        else done();
      };
      spin();
    });
    await busy.sparesReady();
    expect(sparesIn(busy)).toBe(2);
    await idle(busy, 6);
    expect(sparesIn(busy)).toBe(6);
  });

  it.each([['O_DIRECT', true], ['buffered', false]])('plain temps finished into spares (%s), on this thread or the pool, hold their bytes and only them', async (_, direct) => {
    const blobs = blobStore(path.join(tmp(), 'blobs'), true, { direct });
    await blobs.sparesReady();
    const keys: string[] = [];
    const bodies = [1, 4095, 4097, 527_040, 2_000_003].map((n, k) => bytesOf(n, 40 + k));
    for (const [k, body] of bodies.entries()) {
      const t = blobs.createTemp();
      for (let i = 0; i < body.length; i += 10_007) t.write(body.subarray(i, i + 10_007));
      const key = `dd/${k}.dcm`;
      await t.finish(() => key, { sync: k % 2 === 0 });
      blobs.place([{ temp: t, key }]);
      keys.push(key);
    }
    for (const [k, body] of bodies.entries()) expect((await blobs.read(keys[k]!)).equals(body), `body ${k}`).toBe(true);
    expect(written(blobs)).toEqual([]);
  });

  it('without a spare ready, or past the memory limit, it hashes on this thread and leaves the parse to the caller', async () => {
    const none = blobStore(path.join(tmp(), 'blobs'), true, { spares: 0 });
    const small = bytesOf(200_000, 4);
    const t = pooledOf(none, small);
    expect(await t.digestAndParse!()).toEqual({ sha256: sha(small), parsed: null });
    expect((await t.finish((h) => `dd/s-${h.slice(0, 12)}.dcm`)).sha256).toBe(sha(small));

    const blobs = blobStore(path.join(tmp(), 'blobs'));
    await blobs.sparesReady();
    const huge = bytesOf(17 * 1024 * 1024, 5);
    const u = pooledOf(blobs, huge, 1_000_000);
    expect(u.inMemory).toBe(false);
    expect(u.head(64)).toEqual(huge.subarray(0, 64));
    expect(await u.digestAndParse!()).toEqual({ sha256: sha(huge), parsed: null });
    const key = `bb/h-${sha(huge).slice(0, 12)}.dcm`;
    expect(await u.finish(() => key, { release: true })).toEqual({ size: huge.length, sha256: sha(huge) });
    blobs.place([{ temp: u, key }]);
    expect(sha(await blobs.read(key))).toBe(sha(huge));
  });

  it('a part whose write into its spare failed is not finished as if it were durable', async () => {
    // Buffered writes (the O_DIRECT path's failure, on the worker, is in directWrite.test.ts; both reach the
    // temp the same way: the write's promise rejects).
    const blobs = blobStore(path.join(tmp(), 'blobs'), true, { direct: false });
    await blobs.sparesReady();
    const t = pooledOf(blobs, bytesOf(300_000, 8));
    // The disk fails the write into the spare.
    const writev = vi.spyOn(fs, 'writev').mockImplementationOnce(((_fd: number, _b: unknown, cb: (e: Error | null) => void) => cb(Object.assign(new Error('EIO: i/o error, writev'), { code: 'EIO' }))) as unknown as typeof fs.writev);
    try {
      await expect(t.digestAndParse!()).rejects.toThrow(/EIO/);
      await expect(t.finish((h) => `ee/${h.slice(0, 12)}.dcm`)).rejects.toThrow(/EIO/);
    } finally {
      writev.mockRestore();
    }
    t.discard();
    await new Promise((r) => setTimeout(r, 50));
    expect(written(blobs)).toEqual([]);
  });

  it('a discarded pooled temp leaves no file, whether its write is done or still running', async () => {
    const blobs = blobStore(path.join(tmp(), 'blobs'));
    await blobs.sparesReady();
    const t = pooledOf(blobs, bytesOf(1000, 3));
    t.discard();
    expect(() => t.write(Buffer.alloc(1))).toThrow('temp blob closed');
    await expect(t.digestAndParse!()).rejects.toThrow('temp blob closed');

    const u = pooledOf(blobs, bytesOf(200_000, 4));
    const r = await u.digestAndParse!();
    expect('parseError' in r && r.parseError.name).toBe('DicomParseError');
    u.discard();

    const v = pooledOf(blobs, bytesOf(600_000, 6));
    const running = v.digestAndParse!();
    v.discard();
    await running.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(written(blobs)).toEqual([]);
  });
});

describe('archive store and crash recovery', () => {
  async function open(dataDir: string, spares?: number) {
    const index = await openIndex({ dataDir, databaseUrl: null, schema: 'unused' });
    const blobs = blobStore(path.join(dataDir, 'blobs'), true, { spares });
    const swept = blobs.sweepTemps();
    const archive = new Archive(index, blobs, { overwrite: false, fsync: true, dataDir });
    const recovered = await archive.recover();
    return { index, blobs, archive, swept, recovered };
  }
  const received = async (a: Archive, blobs: FsBlobStore, bytes: Buffer, named = true) => {
    const temp = tempOf(blobs, bytes);
    const parsed: ParsedInstance = parseTemp(temp, parseInstance);
    const { size, sha256 } = await temp.finish(named ? a.keyFor(parsed) : undefined);
    return { temp, parsed, size, sha256 };
  };
  const list = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d) : []);

  it('below the disk reserve every candidate fails with HOI_ERR_DISK_FULL and its temp is gone (imports and pack copies too)', async () => {
    const dataDir = tmp();
    const index = await openIndex({ dataDir, databaseUrl: null, schema: 'unused' });
    const blobs = blobStore(path.join(dataDir, 'blobs'));
    const archive = new Archive(index, blobs, { overwrite: false, fsync: true, dataDir, minFreeBytes: 2 ** 60 });
    try {
      expect(archive.storeRefusal()?.code).toBe('HOI_ERR_DISK_FULL');
      const [out] = await archive.store([await received(archive, blobs, big({ SOPInstanceUID: '2.25.9001' }))]);
      expect(out).toMatchObject({ status: 'failed', sopInstanceUid: '2.25.9001', error: { code: 'HOI_ERR_DISK_FULL' } });
      await new Promise((r) => setTimeout(r, 50));
      expect(list(blobs.tmpDir)).toEqual([]);
      expect(await archive.db.selectFrom('instances').select('pk').execute()).toEqual([]);
    } finally {
      await index.close();
    }
  });

  it('commits named temps without an intent journal; a restart places a temp whose row was committed and drops the rest', async () => {
    const dataDir = tmp();
    const study = '2.25.1001';
    const first = await open(dataDir, 0); // no spares: every temp is named after its key
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => big({ StudyInstanceUID: study, SeriesInstanceUID: '2.25.2002', SOPInstanceUID: `2.25.300${n}`, InstanceNumber: n }));

    // Normal store: placed under its key, nothing left in .tmp or the journal.
    const [okA] = await first.archive.store([await received(first.archive, first.blobs, a!)]);
    expect(okA!.status).toBe('stored');
    expect(list(path.join(dataDir, 'journal'))).toEqual([]);
    expect(list(first.blobs.tmpDir)).toEqual([]);

    // "Crash" between the index commit and the rename: the row is there (the sender may have its answer), the file is not placed.
    first.blobs.place = () => {
      throw new Error('killed before the rename');
    };
    const [okB] = await first.archive.store([await received(first.archive, first.blobs, b!)]);
    expect(okB!.status).toBe('stored');
    // Crash before the index commit: a finished named temp nobody indexed; and an anonymous temp.
    await received(first.archive, first.blobs, c!);
    const anon = first.blobs.createTemp();
    anon.write(d!);
    await anon.finish();
    expect(list(first.blobs.tmpDir)).toHaveLength(3);
    await first.index.close();

    const second = await open(dataDir);
    try {
      expect(second.swept).toBe(1);
      expect(second.recovered).toMatchObject({ placedTemps: 1, droppedTemps: 1 });
      expect(list(second.blobs.tmpDir)).toEqual([]);
      const locs = await second.archive.locate(study);
      expect(locs.map((l) => l.sopUid)).toEqual(['2.25.3001', '2.25.3002']);
      for (const l of locs) expect(await second.blobs.read(l.blobKey)).toEqual(l.sopUid === '2.25.3001' ? a : b);
      const files = fs.readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.dcm'));
      expect(files).toHaveLength(2);
      // The prepared-statement path keeps the counts the Kysely path keeps.
      const row = await second.archive.db.selectFrom('studies').select(['num_instances', 'num_series', 'modalities']).where('study_uid', '=', study).executeTakeFirstOrThrow();
      expect(row).toEqual({ num_instances: 2, num_series: 1, modalities: 'OT' });
    } finally {
      await second.index.close();
    }
  });

  it('writes into ready spares, placed from there; a restart places a written spare whose row was committed (its key read from its bytes) and drops the rest', async () => {
    const dataDir = tmp();
    const study = '2.25.1101';
    const first = await open(dataDir);
    const spareDir = path.join(dataDir, 'blobs', '.spare');
    const written = () => list(spareDir).filter((f) => fs.statSync(path.join(spareDir, f)).size > 0);
    await first.blobs.sparesReady();
    expect(list(spareDir).length).toBe(32);
    const [a, b, c] = [1, 2, 3].map((n) => big({ StudyInstanceUID: study, SeriesInstanceUID: '2.25.2102', SOPInstanceUID: `2.25.310${n}`, InstanceNumber: n }));

    // Normal store: the body went into a spare (nothing named in .tmp), then placed from there.
    const ra = await received(first.archive, first.blobs, a!);
    expect(written()).toHaveLength(1);
    expect(list(first.blobs.tmpDir)).toEqual([]);
    expect((await first.archive.store([ra]))[0]!.status).toBe('stored');
    expect(written()).toEqual([]);

    // "Crash" between the index commit and the rename (b), and before the index commit (c); and a spare
    // holding something that is not DICOM at all.
    first.blobs.place = () => {
      throw new Error('killed before the rename');
    };
    expect((await first.archive.store([await received(first.archive, first.blobs, b!)]))[0]!.status).toBe('stored');
    await received(first.archive, first.blobs, c!);
    fs.writeFileSync(path.join(spareDir, 'garbage.spare'), 'not DICOM');
    expect(written()).toHaveLength(3);
    await first.blobs.sparesReady();
    await first.index.close();

    const second = await open(dataDir);
    try {
      expect(second.recovered).toMatchObject({ placedTemps: 1, droppedTemps: 2 });
      expect(list(spareDir)).toEqual([]); // empty spares swept, written ones settled
      const locs = await second.archive.locate(study);
      expect(locs.map((l) => l.sopUid)).toEqual(['2.25.3101', '2.25.3102']);
      for (const l of locs) expect(await second.blobs.read(l.blobKey)).toEqual(l.sopUid === '2.25.3101' ? a : b);
    } finally {
      await second.index.close();
    }
  });

  it('an identical resend is a duplicate and leaves no temp; different bytes under the same UID fail', async () => {
    const dataDir = tmp();
    const g = await open(dataDir);
    try {
      const bytes = big({ SOPInstanceUID: '2.25.4001' });
      expect((await g.archive.store([await received(g.archive, g.blobs, bytes)]))[0]!.status).toBe('stored');
      expect((await g.archive.store([await received(g.archive, g.blobs, bytes)]))[0]!.status).toBe('duplicate');
      // The same dataset under another file meta (C-STORE from another AE, or a STOW after a C-STORE): a re-send.
      const ds = bytes.subarray(datasetOffset(bytes));
      const fromPacs = Buffer.concat([fileMetaPrefix(SC_CLASS, '2.25.4001', EXPLICIT_LE, 'PACS'), ds]);
      expect((await g.archive.store([await received(g.archive, g.blobs, fromPacs)]))[0]!.status).toBe('duplicate');
      const loc = await g.archive.db.selectFrom('instances').select(['blob_key', 'sha256']).where('sop_uid', '=', '2.25.4001').executeTakeFirstOrThrow();
      expect(loc.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
      // Other bytes under the same UID: refused (another transfer syntax named for the same bytes too: fileMeta.test).
      const other = big({ SOPInstanceUID: '2.25.4001', InstanceNumber: 7 });
      const [out] = await g.archive.store([await received(g.archive, g.blobs, other)]);
      expect(out).toMatchObject({ status: 'failed', error: { code: 'HOI_ERR_DUPLICATE_DIFFERENT' } });
      await new Promise((r) => setTimeout(r, 50)); // discards unlink on the pool
      expect(list(g.blobs.tmpDir)).toEqual([]);
    } finally {
      await g.index.close();
    }
  });
});

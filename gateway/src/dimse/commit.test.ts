import { describe, expect, it } from 'vitest';
import type { Archive, StoreCandidate, StoreOutcome } from '../archive/Archive.js';
import type { TempBlob } from '../archive/blob/BlobStore.js';
import type { ParsedInstance } from '../dicom/types.js';
import { batchCommitter, instanceCommitter } from './commit.js';

function fakeTemp(name: string): TempBlob & { discarded: boolean } {
  return {
    discarded: false,
    write: () => undefined,
    finish: async () => ({ size: 10, sha256: name }),
    digest: () => ({ size: 10, sha256: name }),
    key: null,
    inMemory: false,
    size: 10,
    memory: null,
    head: () => Buffer.alloc(0),
    discard() {
      this.discarded = true;
    },
  };
}

const parsed = (sop: string): ParsedInstance => ({ fields: { sopInstanceUid: sop, sopClassUid: '1.2', studyInstanceUid: 's', seriesInstanceUid: 'se' } } as unknown as ParsedInstance);

function fakeArchive(delayMs: number) {
  const batches: string[][] = [];
  const archive = {
    async store(cands: StoreCandidate[]): Promise<StoreOutcome[]> {
      batches.push(cands.map((c) => c.sha256));
      await new Promise((r) => setTimeout(r, delayMs));
      return cands.map((c) => ({ status: 'stored', sopClassUid: '1.2', sopInstanceUid: c.parsed.fields.sopInstanceUid, studyUid: 's', seriesUid: 'se', coerced: [] }));
    },
  } as unknown as Archive;
  return { archive, batches };
}

describe('committers', () => {
  it('instance: one archive batch per instance', async () => {
    const { archive, batches } = fakeArchive(1);
    const c = instanceCommitter(archive);
    const out = await Promise.all(['a', 'b', 'c'].map((n) => c.commit(fakeTemp(n), parsed(n))));
    expect(out.map((o) => o.sopInstanceUid)).toEqual(['a', 'b', 'c']);
    expect(batches).toEqual([['a'], ['b'], ['c']]);
  });

  it('batch: instances committed while a batch is stored share the next one, each gets its own outcome', async () => {
    const { archive, batches } = fakeArchive(20);
    const c = batchCommitter(archive, { maxWaitMs: 0 });
    const first = c.commit(fakeTemp('a'), parsed('a'));
    await new Promise((r) => setTimeout(r, 5));
    const rest = ['b', 'c', 'd'].map((n) => c.commit(fakeTemp(n), parsed(n)));
    const out = await Promise.all([first, ...rest]);
    expect(out.map((o) => o.sopInstanceUid)).toEqual(['a', 'b', 'c', 'd']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('batch: waits (briefly) for the other associations that are sending, so they share a batch', async () => {
    const { archive, batches } = fakeArchive(1);
    const c = batchCommitter(archive, { maxWaitMs: 50 });
    const [s1, s2, s3] = [{}, {}, {}];
    for (const s of [s1, s2, s3]) c.receiving!(s, 1);
    c.receiving!(s1, -1);
    const p1 = c.commit(fakeTemp('a'), parsed('a'));
    setTimeout(() => {
      c.receiving!(s2, -1);
      void c.commit(fakeTemp('b'), parsed('b'));
    }, 5);
    setTimeout(() => {
      c.receiving!(s3, -1);
      void c.commit(fakeTemp('c'), parsed('c'));
    }, 10);
    await p1;
    expect(batches[0]).toEqual(['a', 'b', 'c']);
    // A lone sender is never held back.
    const lone = batchCommitter(archive, { maxWaitMs: 1000 });
    const t0 = Date.now();
    lone.receiving!(s1, 1);
    lone.receiving!(s1, -1);
    await lone.commit(fakeTemp('z'), parsed('z'));
    expect(Date.now() - t0).toBeLessThan(200);
  });
});

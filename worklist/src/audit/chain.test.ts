import { describe, expect, it } from 'vitest';
import { appendEntries, appendEntry, entryHash, GENESIS_HASH, verifyChain } from './chain.js';
import type { AuditEntry, AuditEntryFields } from './AuditEntry.js';
import { canonicalJson } from './canonicalJson.js';

const fields = (i: number): AuditEntryFields => ({
  at: new Date(Date.UTC(2025, 2, 3, 1, i)).toISOString(),
  userId: i % 2 ? 'bs.lan' : 'khth.ha',
  facilityId: i % 2 ? 'bv-huyen' : 'bv-tw',
  role: i % 2 ? 'requesting_doctor' : 'consulting_coordinator',
  action: i % 3 ? 'consult.read' : 'image.read',
  objectType: 'consult',
  objectId: `hc-${i}`,
  outcome: i === 5 ? 'denied' : 'ok',
  ...(i % 4 === 0 ? { detail: { from: 'submitted', to: 'accepted', n: i } } : {}),
});
const chain = (): AuditEntry[] => appendEntries(null, Array.from({ length: 10 }, (_, i) => fields(i + 1)));

describe('G-2.11 audit hash chain', () => {
  it('chains: seq 1…n, prevHash links, SHA-256 hex', () => {
    const c = chain();
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(c[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < c.length; i++) expect(c[i]?.prevHash).toBe(c[i - 1]?.hash);
    expect(c[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain(c)).toEqual({ ok: true, count: 10, head: c[9]?.hash });
  });

  it('survives storage: key order, a NULL detail column, extra columns', () => {
    const stored = chain().map((e) => {
      const reordered = Object.fromEntries(Object.entries(e).reverse());
      return { ...reordered, detail: e.detail ?? null, rowid: e.seq * 7 } as unknown as AuditEntry;
    });
    expect(verifyChain(JSON.parse(JSON.stringify(stored)) as AuditEntry[]).ok).toBe(true);
  });

  it('appendEntry does not mutate its inputs', () => {
    const prev = Object.freeze(appendEntry(null, fields(1)));
    const f = Object.freeze({ ...fields(4), detail: Object.freeze({ a: 1 }) });
    const e = appendEntry(prev, f);
    expect(e.seq).toBe(2);
    expect(e.detail).not.toBe(f.detail);
  });

  describe('detects tampering of each kind', () => {
    it('an edited field (hash no longer matches)', () => {
      const c = chain();
      c[3] = { ...(c[3] as AuditEntry), outcome: 'ok', userId: 'mallory' };
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringContaining('edited') });
    });
    it('an edited detail', () => {
      const c = chain();
      c[3] = { ...(c[3] as AuditEntry), detail: { from: 'submitted', to: 'declined', n: 4 } };
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 4 });
    });
    it('an edited entry whose hash was recomputed (the next link breaks)', () => {
      const c = chain();
      const { hash: _h, ...rest } = c[4] as AuditEntry;
      const forged = { ...rest, outcome: 'ok' as const };
      c[4] = { ...forged, hash: entryHash(forged) };
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 6, reason: expect.stringContaining('prevHash') });
    });
    it('a deleted entry', () => {
      const c = chain();
      c.splice(4, 1);
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 5, reason: expect.stringContaining('deleted') });
    });
    it('a deleted first entry', () => {
      expect(verifyChain(chain().slice(1))).toMatchObject({ ok: false, brokenAt: 1 });
    });
    it('a deleted entry with the rest renumbered', () => {
      const c = chain();
      c.splice(4, 1);
      const renumbered = c.map((e, i) => ({ ...e, seq: i + 1 }));
      expect(verifyChain(renumbered)).toMatchObject({ ok: false, brokenAt: 5 });
    });
    it('an inserted entry, correctly hashed after its predecessor', () => {
      const c = chain();
      const forged = appendEntry(c[2] as AuditEntry, { ...fields(99), userId: 'mallory' });
      c.splice(3, 0, forged);
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 5 });
    });
    it('an inserted entry with the rest renumbered', () => {
      const c = chain();
      const forged = appendEntry(c[2] as AuditEntry, fields(99));
      c.splice(3, 0, forged);
      const renumbered = c.map((e, i) => ({ ...e, seq: i + 1 }));
      expect(verifyChain(renumbered)).toMatchObject({ ok: false, brokenAt: 5 });
    });
    it('two entries swapped', () => {
      const c = chain();
      [c[3], c[4]] = [c[4] as AuditEntry, c[3] as AuditEntry];
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 4, reason: expect.stringContaining('out of order') });
    });
    it('entries sorted by something else (time reversed)', () => {
      expect(verifyChain(chain().reverse())).toMatchObject({ ok: false, brokenAt: 1 });
    });
    it('a duplicated entry', () => {
      const c = chain();
      c.splice(5, 0, c[4] as AuditEntry);
      expect(verifyChain(c)).toMatchObject({ ok: false, brokenAt: 6 });
    });
    it('a truncated tail, against the head recorded elsewhere', () => {
      const c = chain();
      const head = { seq: 10, hash: (c[9] as AuditEntry).hash };
      expect(verifyChain(c, { expectedHead: head }).ok).toBe(true);
      expect(verifyChain(c.slice(0, 8), { expectedHead: head })).toMatchObject({ ok: false, brokenAt: 9 });
      // without the recorded head a truncated chain is indistinguishable from a shorter one
      expect(verifyChain(c.slice(0, 8)).ok).toBe(true);
    });
    it('a rewritten chain (all hashes recomputed) does not match the recorded head', () => {
      const c = chain();
      const head = { seq: 10, hash: (c[9] as AuditEntry).hash };
      const rewritten = appendEntries(null, c.map(({ seq: _s, prevHash: _p, hash: _h, ...f }, i) => (i === 2 ? { ...f, userId: 'mallory' } : f)));
      expect(verifyChain(rewritten).ok).toBe(true);
      expect(verifyChain(rewritten, { expectedHead: head }).ok).toBe(false);
    });
  });

  it('verifies a segment after an archived prefix', () => {
    const c = chain();
    const p = c[4] as AuditEntry;
    expect(verifyChain(c.slice(5), { after: { seq: p.seq, hash: p.hash } }).ok).toBe(true);
    expect(verifyChain(c.slice(6), { after: { seq: p.seq, hash: p.hash } }).ok).toBe(false);
  });
});

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 2, x: 1 }, skip: undefined }, '{"z":{"x":1,"y":2}}'],
    ['Nguyễn', '"Nguyễn"'],
  ] as const)('%j', (v, s) => {
    expect(canonicalJson(v)).toBe(s);
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
  });
});

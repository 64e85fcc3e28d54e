/** The pseudonym → patient map (issue 4 §3): encrypted at rest, authenticated, rotatable, found by keyed hash. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePseudonymStore, loadKeyring, parseKeyring, PseudonymMap, type PseudonymRow } from './pseudonymMap.js';

const PATIENT = { pseudonym: 'HC-2026-0007', patientId: 'BN-2024-00123', issuer: 'BVBM', patientName: 'Phạm^Thị Hồng', birthDate: '19800102' };

describe('PseudonymMap', () => {
  let dir: string;
  let file: string;
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const ring1 = { current: 'k1', keys: new Map([['k1', k1]]) };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hoichan-pmap-'));
    file = path.join(dir, 'map.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records and looks up; the file holds no identity in clear and is private', async () => {
    await new PseudonymMap(new FilePseudonymStore(file), ring1).record(PATIENT);
    const text = readFileSync(file, 'utf8');
    for (const s of ['BN-2024', '00123', 'Phạm', 'Ph\\u1ea1m', 'Hồng', '19800102', 'BVBM']) expect(text.includes(s), s).toBe(false);
    // a new process (new store object) with the same key reads it back
    const map = new PseudonymMap(new FilePseudonymStore(file), ring1);
    expect(await map.lookup('HC-2026-0007')).toMatchObject(PATIENT);
    expect(await map.lookup('HC-unknown')).toBeUndefined();
    expect(await map.pseudonymOf('BN-2024-00123', 'BVBM')).toBe('HC-2026-0007');
    expect(await map.pseudonymOf('BN-2024-00123', 'OTHER')).toBeUndefined();
  });

  it('refuses a wrong key and a tampered or moved row', async () => {
    await new PseudonymMap(new FilePseudonymStore(file), ring1).record(PATIENT);
    const wrong = new PseudonymMap(new FilePseudonymStore(file), { current: 'k1', keys: new Map([['k1', k2]]) });
    await expect(wrong.lookup('HC-2026-0007')).rejects.toMatchObject({ code: 'BAD_KEY' });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { rows: PseudonymRow[] };
    const flipped = Buffer.from(stored.rows[0].ciphertext, 'base64');
    flipped[0] ^= 1;
    writeFileSync(file, JSON.stringify({ rows: [{ ...stored.rows[0], ciphertext: flipped.toString('base64') }] }));
    await expect(new PseudonymMap(new FilePseudonymStore(file), ring1).lookup('HC-2026-0007')).rejects.toMatchObject({ code: 'BAD_KEY' });
    // the same ciphertext under another pseudonym fails too (pseudonym is authenticated data)
    writeFileSync(file, JSON.stringify({ rows: [{ ...stored.rows[0], pseudonym: 'HC-OTHER' }] }));
    await expect(new PseudonymMap(new FilePseudonymStore(file), ring1).lookup('HC-OTHER')).rejects.toMatchObject({ code: 'BAD_KEY' });
  });

  it('rotates to a new key; old rows stay readable until rotated, then the old key can go', async () => {
    await new PseudonymMap(new FilePseudonymStore(file), ring1).record(PATIENT);
    const ring12 = { current: 'k2', keys: new Map([['k1', k1], ['k2', k2]]) };
    const map = new PseudonymMap(new FilePseudonymStore(file), ring12);
    expect(await map.lookup('HC-2026-0007')).toMatchObject(PATIENT);
    expect(await map.rotate()).toBe(1);
    expect(await map.rotate()).toBe(0);
    const only2 = new PseudonymMap(new FilePseudonymStore(file), { current: 'k2', keys: new Map([['k2', k2]]) });
    expect(await only2.lookup('HC-2026-0007')).toMatchObject(PATIENT);
    expect(await only2.pseudonymOf('BN-2024-00123', 'BVBM')).toBe('HC-2026-0007');
  });

  it('reads keys from a file or the environment, in raw, hex, base64 or JSON ring form, and rejects bad ones', () => {
    const keyFile = path.join(dir, 'k');
    writeFileSync(keyFile, k1);
    expect(loadKeyring(keyFile).keys.get('k1')).toEqual(k1);
    expect(loadKeyring(undefined, { HOICHAN_PSEUDONYM_KEY: k1.toString('hex') }).keys.get('k1')).toEqual(k1);
    expect(parseKeyring(k1.toString('base64')).keys.get('k1')).toEqual(k1);
    const ring = parseKeyring(JSON.stringify({ current: 'b', keys: { a: k1.toString('base64'), b: k2.toString('base64') } }));
    expect(ring.current).toBe('b');
    expect(() => parseKeyring('short')).toThrow(/32 bytes/);
    expect(() => parseKeyring(JSON.stringify({ current: 'x', keys: { a: k1.toString('base64') } }))).toThrow(/current/);
    expect(() => loadKeyring(undefined, {})).toThrow(/no pseudonym map key/);
  });
});

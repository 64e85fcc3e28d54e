import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewerStatic, viewerDistDir } from './viewerStatic.js';

describe('viewerStatic: the built viewer at / with an SPA fallback', () => {
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoichan-viewer-dist-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = Fastify();
    // As in app.ts: unknown routes answer problem+json.
    app.setNotFoundHandler((req, reply) => reply.code(404).type('application/problem+json').send({ status: 404, detail: `no route ${req.url}` }));
    app.get('/api/known', async () => ({ ok: true }));
    await app.register(viewerStatic, { dir });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for client-side routes, revalidated', async () => {
    for (const url of ['/', '/index.html', '/view/1.2.3', '/studies?x=1']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toMatch(/text\/html/);
      expect(r.headers['cache-control'], url).toBe('no-cache');
      expect(r.body).toContain('id="app"');
    }
  });

  it('serves hashed assets as immutable', async () => {
    const r = await app.inject({ url: '/assets/index-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toContain('immutable');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('leaves API paths and missing files to the problem+json 404', async () => {
    for (const url of ['/api/nope', '/dicom-web/studies/x/nope', '/healthz/x', '/assets/missing.js', '/favicon.ico']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toMatch(/application\/problem\+json/);
    }
    expect((await app.inject({ url: '/api/known' })).json()).toEqual({ ok: true });
  });

  it('never serves files outside the directory', async () => {
    for (const url of ['/..%2f..%2fetc%2fpasswd.txt', '/%2e%2e/%2e%2e/etc/hostname.txt', '/assets/..%2f..%2f..%2fetc%2fhosts.txt']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
    }
  });

  it('finds viewer/dist only when it has been built', () => {
    expect(viewerDistDir({ HOICHAN_VIEWER_DIR: dir })).toBe(dir);
    expect(viewerDistDir({ HOICHAN_VIEWER_DIR: path.join(dir, 'assets') })).toBeNull();
  });

  it('sends a Content-Security-Policy with index.html: its inline scripts by hash, no other inline script, no framing', async () => {
    const inline = "if(location.hash)console.log('preload')";
    fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><script>${inline}</script><script type="module" src="/assets/index-abc123.js"></script><div id="app"></div>`);
    const csp = String((await app.inject({ url: '/view/1.2.3' })).headers['content-security-policy']);
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src '))!;
    const hash = (await import('node:crypto')).createHash('sha256').update(inline).digest('base64');
    expect(scriptSrc.split(' ').sort()).toEqual(['script-src', "'self'", "'wasm-unsafe-eval'", `'sha256-${hash}'`].sort());
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    // A rebuilt viewer (another inline script) gets the new hash; assets carry no page policy.
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script>console.log(2)</script><div id="app"></div>');
    const next = String((await app.inject({ url: '/' })).headers['content-security-policy']);
    expect(next).not.toContain(hash);
    expect((await app.inject({ url: '/assets/index-abc123.js' })).headers['content-security-policy']).toBeUndefined();
  });

  it('adds configured origins to connect-src and refuses anything that is not an origin', async () => {
    const other = Fastify();
    await other.register(viewerStatic, { dir, connectSrc: ['http://127.0.0.1:8042'] });
    expect(String((await other.inject({ url: '/' })).headers['content-security-policy'])).toContain("connect-src 'self' http://127.0.0.1:8042");
    await other.close();
    const bad = Fastify();
    await expect(bad.register(viewerStatic, { dir, connectSrc: ["'unsafe-inline'"] }).ready()).rejects.toThrow(/HOICHAN_VIEWER_CONNECT_SRC/);
    await bad.close().catch(() => undefined);
  });
});

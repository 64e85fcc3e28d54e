import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Paths that belong to the gateway's APIs: never answered with the app's index.html. */
const API_PREFIXES = ['api', 'dicom-web', 'healthz', 'wado'];
/** A missing path with one of these extensions is a missing file (404), not an app route (DICOM UIDs have dots). */
const FILE_EXTENSIONS = new Set(['.js', '.mjs', '.css', '.map', '.wasm', '.woff', '.woff2', '.ttf', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.ico', '.json', '.txt', '.html', '.webmanifest']);

/**
 * The built viewer (`viewer/dist`, or HOICHAN_VIEWER_DIR), or null when it has not been built: the gateway
 * then serves its APIs only. Works from `gateway/src` (tsx) and `gateway/dist` (compiled) alike.
 */
export function viewerDistDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.resolve(env.HOICHAN_VIEWER_DIR ?? path.join(here, '..', '..', '..', 'viewer', 'dist'));
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/**
 * Serves the viewer at `/`: files of `dir` as they are (hashed `/assets/*` cached for a year, the rest
 * revalidated), and `index.html` for any other GET that is not an API path, so the single-page app's deep
 * links work. API paths (`/api/*`, `/dicom-web/*`…) that match no route keep the gateway's problem+json 404.
 */
export async function viewerStatic(app: FastifyInstance, opts: { dir: string; connectSrc?: readonly string[] }): Promise<void> {
  const root = path.resolve(opts.dir);
  for (const src of opts.connectSrc ?? []) {
    if (!/^(https?|wss?):\/\/[^\s;,'"]+$/.test(src)) throw new Error(`HOICHAN_VIEWER_CONNECT_SRC: "${src}" is not an http(s) or ws(s) origin`);
  }
  const csp = new ContentSecurityPolicy(path.join(root, 'index.html'), opts.connectSrc ?? []);
  await app.register(fastifyStatic, {
    root,
    serve: false,
    index: false,
    etag: true,
    lastModified: true,
    cacheControl: false,
    setHeaders: (reply, file) => {
      const rel = path.relative(root, file).split(path.sep).join('/');
      reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      if (rel === 'index.html') {
        reply.header('x-frame-options', 'DENY');
        reply.header('content-security-policy', csp.header());
      }
    },
  });

  const serve = async (req: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const rel = decodeSafe(req.params['*'] ?? '');
    if (rel === null || rel.includes('\0')) return reply.callNotFound();
    const first = rel.split('/')[0] ?? '';
    if (API_PREFIXES.includes(first)) return reply.callNotFound();
    if (rel === '' || rel === 'index.html') return reply.sendFile('index.html');
    const file = path.resolve(root, rel);
    if (file.startsWith(root + path.sep) && isFile(file)) return reply.sendFile(rel);
    // A missing asset is a 404; anything else is a client-side route of the app.
    if (first === 'assets' || FILE_EXTENSIONS.has(path.extname(rel).toLowerCase())) return reply.callNotFound();
    return reply.sendFile('index.html');
  };
  app.get('/', serve);
  app.get('/*', serve);
}

function decodeSafe(p: string): string | null {
  try {
    return decodeURIComponent(p.split('?')[0]!).replace(/^\/+/, '');
  } catch {
    return null;
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The app page's Content-Security-Policy: scripts only from the gateway (plus the hashes of index.html's own
 * inline scripts, e.g. the viewer-chunk preload), WebAssembly for the codecs and face detection, no plugins, no
 * framing, fetches and WebSockets to the gateway only (and `HOICHAN_VIEWER_CONNECT_SRC`). An injected script
 * (a name or a report field rendered as HTML by mistake) cannot run or send data elsewhere. Recomputed when
 * index.html changes (a viewer rebuild while the gateway runs).
 */
class ContentSecurityPolicy {
  private cached: { mtimeMs: number; value: string } | null = null;

  constructor(private readonly indexFile: string, private readonly connectSrc: readonly string[]) {}

  header(): string {
    const mtimeMs = fs.statSync(this.indexFile).mtimeMs;
    if (this.cached?.mtimeMs === mtimeMs) return this.cached.value;
    const html = fs.readFileSync(this.indexFile, 'utf8');
    const hashes = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .map((m) => `'sha256-${crypto.createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
    const value = [
      "default-src 'self'",
      ['script-src', "'self'", "'wasm-unsafe-eval'", ...hashes].join(' '),
      // Cornerstone and the UI set inline styles.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "media-src 'self' blob: mediastream:",
      ['connect-src', "'self'", ...this.connectSrc].join(' '),
      "worker-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
    this.cached = { mtimeMs, value };
    return value;
  }
}

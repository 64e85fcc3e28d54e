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
export async function viewerStatic(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  const root = path.resolve(opts.dir);
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
      if (rel === 'index.html') reply.header('x-frame-options', 'DENY');
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

import { fileURLToPath } from 'node:url';
import { createLogger, defineConfig, type Plugin } from 'vite';

const BASE = '/';

// Cornerstone3D 5.x under Vite 7 (see shared/docs/stack-notes.md): the DICOM image loader ships its decode
// worker and wasm codecs as ES modules, so it must not be pre-bundled and workers must be ES too.
const gateway = process.env.HOICHAN_GATEWAY_URL ?? 'http://127.0.0.1:8090';

// The wasm codecs' Emscripten glue mentions fs/path for Node; in the browser that branch never runs.
const logger = createLogger();
const warn = logger.warn.bind(logger);
logger.warn = (msg, options) => {
  if (msg.includes('has been externalized for browser compatibility')) return;
  warn(msg, options);
};

// The worklist's pure policy and state machine run in the browser too (which actions to offer). Imported from
// its sources by path: the package's main entry also holds the audit chain, which needs node:crypto.
export const WORKLIST_ALIAS = { find: /^@worklist\/(.*)$/, replacement: `${fileURLToPath(new URL('../worklist/src/', import.meta.url))}$1` };

/**
 * Issue 6 (time to first image): on a viewer route (`#/view/…`, `#/consults/…/view/…`) the page starts
 * fetching the viewer's chunks (Cornerstone, several MB) at once, beside the app's entry, instead of after
 * the entry has downloaded and run. Other routes keep loading them when idle (main.ts).
 */
function preloadViewerChunks(): Plugin {
  return {
    name: 'hoichan-preload-viewer-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const viewer = chunks.find((c) => c.facadeModuleId?.endsWith('/src/screens/viewer/ViewerScreen.ts'));
        if (!viewer) throw new Error('viewer chunk not found: preloadViewerChunks needs updating');
        const entry = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
        const files = new Set<string>();
        const visit = (name: string) => {
          if (files.has(name) || entry.has(name)) return;
          files.add(name);
          const c = bundle[name];
          if (c?.type === 'chunk') c.imports.forEach(visit);
        };
        visit(viewer.fileName);
        const script = `if(/^#\\/(view|consults\\/[^/]+\\/view)\\//.test(location.hash))for(const f of ${JSON.stringify([...files])}){const l=document.createElement('link');l.rel='modulepreload';l.href=${JSON.stringify(BASE)}+f;document.head.append(l)}`;
        return { html, tags: [{ tag: 'script', children: script, injectTo: 'head-prepend' }] };
      },
    },
  };
}

export default defineConfig({
  base: BASE,
  plugins: [preloadViewerChunks()],
  resolve: { alias: [WORKLIST_ALIAS] },
  customLogger: logger,
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 8000,
  },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/api': gateway, '/dicom-web': gateway, '/healthz': gateway },
  },
});

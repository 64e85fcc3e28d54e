import { fileURLToPath } from 'node:url';
import { createLogger, defineConfig } from 'vite';

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

export default defineConfig({
  base: '/',
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

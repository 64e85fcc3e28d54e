import type { ViewerConfig, Lang, AuthMode } from './types';

declare global {
  interface Window {
    /** Optional deployment config, set by a `<script>` before the app loads. */
    HOICHAN_VIEWER_CONFIG?: Partial<ViewerConfig>;
  }
}

const DEFAULTS: ViewerConfig = {
  dicomWebRoot: '/dicom-web',
  apiRoot: '/api',
  auth: 'gateway',
  lang: 'vi',
  maxWebWorkers: 0,
  prefetchConcurrency: 6,
};

/**
 * The viewer's configuration: defaults, then `window.HOICHAN_VIEWER_CONFIG`, then the query string
 * (`?dicomweb=http://127.0.0.1:8042/dicom-web&auth=none&lang=en&workers=2`). The same build therefore reads
 * from the gateway or from any other DICOMweb server (the benchmark points it at Orthanc).
 */
export function loadConfig(search: string = location.search, injected: Partial<ViewerConfig> = window.HOICHAN_VIEWER_CONFIG ?? {}): ViewerConfig {
  const q = new URLSearchParams(search);
  const c: ViewerConfig = { ...DEFAULTS, ...injected };
  const root = q.get('dicomweb');
  if (root) c.dicomWebRoot = root;
  const api = q.get('api');
  if (api) c.apiRoot = api;
  const auth = q.get('auth');
  if (auth === 'none' || auth === 'gateway') c.auth = auth as AuthMode;
  const lang = q.get('lang');
  if (lang === 'vi' || lang === 'en') c.lang = lang as Lang;
  const workers = Number(q.get('workers'));
  if (Number.isInteger(workers) && workers > 0) c.maxWebWorkers = workers;
  const prefetch = Number(q.get('prefetch'));
  if (Number.isInteger(prefetch) && prefetch > 0) c.prefetchConcurrency = prefetch;
  c.dicomWebRoot = absolute(c.dicomWebRoot.replace(/\/+$/, ''));
  c.apiRoot = c.apiRoot.replace(/\/+$/, '');
  if (!c.maxWebWorkers) c.maxWebWorkers = Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2)));
  return c;
}

/** Image ids must be absolute URLs (the loader strips the `wadors:` prefix and requests the rest). */
function absolute(url: string): string {
  return new URL(url, location.href).href.replace(/\/+$/, '');
}

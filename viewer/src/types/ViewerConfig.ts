import type { Lang } from './Lang';

/** How the viewer authenticates to its DICOMweb source. */
export type AuthMode = 'gateway' | 'none';

/** Deployment configuration, from `window.HOICHAN_VIEWER_CONFIG` and the page's query string. */
export interface ViewerConfig {
  /** DICOMweb root without a trailing slash, e.g. `/dicom-web` or `http://127.0.0.1:8042/dicom-web`. */
  dicomWebRoot: string;
  /** Root of the gateway's own API (login), e.g. `/api`. */
  apiRoot: string;
  /** `gateway`: log in and send a bearer token; `none`: an open DICOMweb server (Orthanc on loopback). */
  auth: AuthMode;
  /** Language at start; the user's choice (localStorage) wins. */
  lang: Lang;
  /** Decode workers for the image loader (default: half the cores, at least 1). */
  maxWebWorkers: number;
  /** Stack images fetched at once while the rest of a series streams in. */
  prefetchConcurrency: number;
}

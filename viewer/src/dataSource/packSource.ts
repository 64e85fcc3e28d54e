import type { AppContext } from '../screens/Screen';
import { DicomWebDataSource } from './DicomWebDataSource';

/** The DICOMweb root of a consult's case pack: only its pseudonymous copies, never the source studies. */
export function packRoot(packId: string): string {
  return `/packs/${encodeURIComponent(packId)}/dicom-web`;
}

/** A data source over a pack's own DICOMweb root (`/packs/{id}/dicom-web`), with the session's token. */
export function packSource(ctx: Pick<AppContext, 'session' | 'config'>, dicomweb: string): DicomWebDataSource {
  return new DicomWebDataSource({
    root: new URL(dicomweb, location.href).href.replace(/\/+$/, ''),
    headers: () => ctx.session.authHeaders(),
    onUnauthorized: () => ctx.config.auth === 'gateway' && ctx.session.clear('expired'),
  });
}

import type { ApiHttp } from '../http/ApiHttp';
import type { JobSnapshot } from '../jobs/JobsClient';

/** A consult's case pack as GET /api/consults/:id/packs describes it (gateway/src/packs/routes.ts). */
export interface PackDescription {
  id: string;
  consultId: string;
  pseudonym: string;
  state: 'building' | 'ready' | 'failed' | string;
  counts: { released: number; quarantined: number; failed: number; pending: number; attachments: number };
  job: Pick<JobSnapshot, 'id' | 'state' | 'progress' | 'error'> | null;
  /** The pack's own DICOMweb root, e.g. `/packs/pk…/dicom-web`: pseudonymous copies only. */
  dicomweb: string;
}

/**
 * The anonymized case packs of a consult (G-2.3: the consulting side reads images only from a pack):
 * list them, build one from archive studies, add a photo or PDF attachment.
 */
export class PacksClient {
  constructor(private readonly http: ApiHttp) {}

  async list(consultId: string, signal?: AbortSignal): Promise<PackDescription[]> {
    return (await this.http.request<{ packs: PackDescription[] }>('GET', `/consults/${encodeURIComponent(consultId)}/packs`, undefined, signal)).packs;
  }

  get(packId: string, signal?: AbortSignal): Promise<PackDescription> {
    return this.http.request('GET', `/packs/${encodeURIComponent(packId)}`, undefined, signal);
  }

  /** POST /api/consults/:id/pack: anonymize these archive studies into a new pack (a job). */
  build(consultId: string, studies: string[]): Promise<{ pack: PackDescription; job: { id: string; state: string } }> {
    return this.http.request('POST', `/consults/${encodeURIComponent(consultId)}/pack`, { studies });
  }

  /** POST /api/packs/:id/attachments with the file as the body (JPEG, PNG or PDF). */
  attach(packId: string, file: Blob): Promise<unknown> {
    return this.http.request('POST', `/packs/${encodeURIComponent(packId)}/attachments`, file);
  }
}

import type { DicomJson, SeriesSummary, StudyQuery, StudySummary } from '../types';
import { HttpError, type DataSource } from './DataSource';
import { TAG, num, str, strs } from './dicomJson';

export interface DicomWebDataSourceOptions {
  /** DICOMweb root, absolute, without trailing slash. */
  root: string;
  /** Headers for each request (the bearer token); called per request so a new login is picked up. */
  headers: () => Record<string, string>;
  /** Called on 401 (the token expired or was revoked). */
  onUnauthorized?: () => void;
}

const STUDY_FIELDS = [TAG.StudyDescription, TAG.ModalitiesInStudy, TAG.NumberOfStudyRelatedSeries, TAG.NumberOfStudyRelatedInstances, TAG.AccessionNumber];

/** A {@link DataSource} over DICOMweb (QIDO-RS, WADO-RS; PS3.18) with plain fetch. */
export class DicomWebDataSource implements DataSource {
  readonly id = 'dicomweb';
  readonly query: DataSource['query'];
  readonly retrieve: DataSource['retrieve'];

  constructor(private readonly opts: DicomWebDataSourceOptions) {
    this.query = {
      studies: (q, signal) => this.studies(q, signal),
      series: (studyUid, signal) => this.series(studyUid, signal),
    };
    this.retrieve = {
      seriesMetadata: (studyUid, seriesUid, signal) => this.json<DicomJson[]>(`/studies/${studyUid}/series/${seriesUid}/metadata`, signal),
      thumbnail: (studyUid, seriesUid, signal) => this.thumbnail(studyUid, seriesUid, signal),
      frameImageId: (studyUid, seriesUid, sopUid, frame) => `wadors:${this.opts.root}/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/${frame}`,
    };
  }

  private async get(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
    const url = `${this.opts.root}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept, ...this.opts.headers() }, signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new HttpError(0, url, (err as Error).message);
    }
    if (res.status === 401) this.opts.onUnauthorized?.();
    return res;
  }

  private async json<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.get(path, 'application/dicom+json, application/json', signal);
    if (res.status === 204) return [] as T;
    if (!res.ok) throw new HttpError(res.status, res.url);
    const text = await res.text();
    return (text ? JSON.parse(text) : []) as T;
  }

  private async studies(q: StudyQuery, signal?: AbortSignal): Promise<{ items: StudySummary[]; more: boolean }> {
    const p = new URLSearchParams();
    const name = q.patientName?.trim();
    if (name) {
      p.set('PatientName', name);
      p.set('fuzzymatching', 'true');
    }
    const from = (q.dateFrom ?? '').replaceAll('-', '');
    const to = (q.dateTo ?? '').replaceAll('-', '');
    if (from || to) p.set('StudyDate', from === to ? from : `${from}-${to}`);
    if (q.modality) p.set('ModalitiesInStudy', q.modality);
    for (const f of STUDY_FIELDS) p.append('includefield', f);
    p.set('limit', String(q.limit ?? 100));
    if (q.offset) p.set('offset', String(q.offset));
    const res = await this.get(`/studies?${p}`, 'application/dicom+json', signal);
    if (res.status === 204) return { items: [], more: false };
    if (!res.ok) throw new HttpError(res.status, res.url);
    const text = await res.text();
    const rows = (text ? JSON.parse(text) : []) as DicomJson[];
    const more = /additional results/i.test(res.headers.get('warning') ?? '');
    const items = rows.map((ds): StudySummary => ({
      studyUid: str(ds, TAG.StudyInstanceUID),
      patientName: str(ds, TAG.PatientName),
      patientId: str(ds, TAG.PatientID),
      studyDate: str(ds, TAG.StudyDate),
      studyTime: str(ds, TAG.StudyTime),
      description: str(ds, TAG.StudyDescription),
      accessionNumber: str(ds, TAG.AccessionNumber),
      modalities: strs(ds, TAG.ModalitiesInStudy).filter(Boolean),
      seriesCount: num(ds, TAG.NumberOfStudyRelatedSeries),
      instanceCount: num(ds, TAG.NumberOfStudyRelatedInstances),
    }));
    // Newest first; the server's order is unspecified (PS3.18 does not define sorting).
    items.sort((a, b) => (b.studyDate + b.studyTime).localeCompare(a.studyDate + a.studyTime));
    return { items, more };
  }

  private async series(studyUid: string, signal?: AbortSignal): Promise<SeriesSummary[]> {
    const rows = await this.json<DicomJson[]>(`/studies/${studyUid}/series?includefield=${TAG.SeriesDescription}&includefield=${TAG.NumberOfSeriesRelatedInstances}`, signal);
    return rows
      .map((ds): SeriesSummary => ({
        studyUid,
        seriesUid: str(ds, TAG.SeriesInstanceUID),
        modality: str(ds, TAG.Modality),
        description: str(ds, TAG.SeriesDescription),
        seriesNumber: num(ds, TAG.SeriesNumber),
        instanceCount: num(ds, TAG.NumberOfSeriesRelatedInstances),
      }))
      .sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9) || a.seriesUid.localeCompare(b.seriesUid));
  }

  private async thumbnail(studyUid: string, seriesUid: string | null, signal?: AbortSignal): Promise<Blob | null> {
    const path = seriesUid ? `/studies/${studyUid}/series/${seriesUid}/thumbnail` : `/studies/${studyUid}/thumbnail`;
    try {
      const res = await this.get(`${path}?viewport=128,128`, 'image/jpeg', signal);
      if (!res.ok) return null;
      return await res.blob();
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      return null;
    }
  }
}

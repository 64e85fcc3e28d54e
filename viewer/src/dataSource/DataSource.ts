import type { DicomJson, SeriesSummary, StudyQuery, StudySummary } from '../types';

/**
 * Where studies come from, OHIF-shaped (`query` / `retrieve`): the gateway's DICOMweb today, another
 * DICOMweb server for benchmarks, a static case pack later. Every call takes an AbortSignal.
 */
export interface DataSource {
  /** Short id for logs, e.g. `dicomweb`. */
  readonly id: string;
  query: {
    /** QIDO-RS /studies; `more` is true when the server had more rows than it sent. */
    studies(q: StudyQuery, signal?: AbortSignal): Promise<{ items: StudySummary[]; more: boolean }>;
    /** QIDO-RS /studies/{study}/series, ordered by series number. */
    series(studyUid: string, signal?: AbortSignal): Promise<SeriesSummary[]>;
  };
  retrieve: {
    /** WADO-RS series metadata: one DICOM JSON dataset per instance. */
    seriesMetadata(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<DicomJson[]>;
    /** A small JPEG of the study (seriesUid null) or series, or null when the server has none. */
    thumbnail(studyUid: string, seriesUid: string | null, signal?: AbortSignal): Promise<Blob | null>;
    /** The `wadors:` image id of one frame (1-based), as the Cornerstone DICOM image loader expects it. */
    frameImageId(studyUid: string, seriesUid: string, sopUid: string, frame: number): string;
  };
}

/** A failed request, with the HTTP status (0 for a network failure). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly url: string, message?: string) {
    super(message ?? `HTTP ${status} for ${url}`);
    this.name = 'HttpError';
  }
}

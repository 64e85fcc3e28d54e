import type { FastifyRequest } from 'fastify';
import type { RawBuilder, SqlBool } from 'kysely';
import type { InstanceLocation } from '../archive/Archive.js';
import type { Level } from './qido/attributes.js';

/**
 * What one DICOMweb root may show (the instance filter). The main `/dicom-web` root hides case-pack copies;
 * each `/packs/{id}/dicom-web` root shows its pack's released instances only. The same QIDO/WADO route code
 * serves every root, parameterized by a view.
 */
export interface DicomwebView {
  /** The root's path as the client reaches it (for RetrieveURL, BulkDataURI, multipart Content-Location). */
  rootPath(req: FastifyRequest): string;
  /** Extra QIDO condition; `studies` is always in the query, `series` from the series level, `instances` at instance level. */
  restrict(req: FastifyRequest, level: Level): RawBuilder<SqlBool> | null;
  /** The located instances this root may serve (WADO); an empty answer is a 404. */
  filter(req: FastifyRequest, locs: InstanceLocation[]): Promise<InstanceLocation[]>;
  /** Whether DELETE is offered on this root (admins only, as before). */
  readonly deletable: boolean;
}

/** Everything in the archive under `/dicom-web`: the view before case packs existed. */
export const WHOLE_ARCHIVE: DicomwebView = {
  rootPath: () => '/dicom-web',
  restrict: () => null,
  filter: async (_req, locs) => locs,
  deletable: true,
};

import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Archive, InstanceLocation } from '../archive/Archive.js';
import { renderFrame, TranscodeError, type RenderFormat } from '../render/index.js';
import { HoiError } from '../errors.js';
import { EXPLICIT_LE } from './accept.js';
import { instanceBody, refuseUnmakeable, syntaxFor } from './instanceBody.js';
import { WHOLE_ARCHIVE, type DicomwebView } from './view.js';

/** What a WADO-URI request asks for, checked. */
export interface WadoUriRequest {
  studyUid: string;
  seriesUid: string;
  objectUid: string;
  /** The media types the client takes, in its order; empty: the default (JPEG for an image, else DICOM). */
  contentTypes: ('application/dicom' | 'image/jpeg' | 'image/png' | 'image/gif')[];
  /** For application/dicom: a transfer syntax UID, or '*' for the stored bytes; Explicit VR LE when absent. */
  transferSyntax: string;
  frameNumber: number;
  rows?: number;
  columns?: number;
  /** Fractions of the image: left, top, right, bottom (PS3.18 `region=xmin,ymin,xmax,ymax`). */
  region?: { left: number; top: number; right: number; bottom: number };
  window?: { center: number; width: number };
  quality?: number;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const MEDIA = new Set(['application/dicom', 'image/jpeg', 'image/png', 'image/gif']);
/** Largest rows/columns we render: a bigger image is a mistake or a way to exhaust memory. */
const MAX_SIDE = 8192;

const bad = (msg: string): HoiError => new HoiError('HOI_ERR_BAD_REQUEST', `WADO-URI: ${msg}`);

/**
 * Checks the query of a WADO-URI request (PS3.18 chapter 9, the URI service). Parameters we do not offer are
 * refused by name rather than ignored, so a client never takes an unwindowed or identified image for the one
 * it asked for; `annotation` and `charset` are ignored, as the rendered WADO-RS resources here do.
 */
export function parseWadoUri(query: Record<string, string | string[] | undefined>): WadoUriRequest {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw bad(`${name} is given more than once`);
    return v === undefined || v === '' ? undefined : v;
  };
  if (one('requestType') !== 'WADO') throw bad('requestType=WADO is required');
  const uid = (name: string): string => {
    const v = one(name);
    if (!v) throw bad(`${name} is required`);
    if (v.length > 64 || !UID.test(v)) throw bad(`${name} is not a UID`);
    return v;
  };
  const studyUid = uid('studyUID');
  const seriesUid = uid('seriesUID');
  const objectUid = uid('objectUID');
  if (one('anonymize') === 'yes') {
    throw bad('anonymize=yes is not done on the fly here; a consult\'s case pack (/packs/{pack}/dicom-web) holds de-identified copies');
  }
  for (const name of ['presentationUID', 'presentationSeriesUID']) {
    if (one(name) !== undefined) throw bad(`${name} is not supported`);
  }
  // contentType is a list, possibly with q-values ("image/png;q=0.9,image/jpeg"); we keep the client's order.
  const contentTypes = (one('contentType') ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase()).filter(Boolean);
  const known = contentTypes.filter((t): t is WadoUriRequest['contentTypes'][number] => MEDIA.has(t));
  if (contentTypes.length && !known.length) {
    throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', `WADO-URI: contentType ${contentTypes.join(', ')}: this server sends application/dicom, image/jpeg, image/png or image/gif`);
  }
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw bad(`${name} is an integer from ${min} to ${max}`);
    return n;
  };
  const num = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw bad(`${name} is a number`);
    return n;
  };
  const center = num('windowCenter');
  const width = num('windowWidth');
  if ((center === undefined) !== (width === undefined)) throw bad('windowCenter and windowWidth go together');
  if (width !== undefined && !(width > 0)) throw bad('windowWidth is greater than 0');
  const rows = int('rows', 1, MAX_SIDE);
  const columns = int('columns', 1, MAX_SIDE);
  const quality = int('imageQuality', 1, 100);
  let region: WadoUriRequest['region'];
  const rv = one('region');
  if (rv !== undefined) {
    const f = rv.split(',').map(Number);
    const [left = NaN, top = NaN, right = NaN, bottom = NaN] = f;
    if (f.length !== 4 || !f.every((x) => x >= 0 && x <= 1) || !(left < right) || !(top < bottom)) {
      throw bad('region is xmin,ymin,xmax,ymax, fractions from 0 to 1 with xmin < xmax and ymin < ymax');
    }
    region = { left, top, right, bottom };
  }
  const transferSyntax = one('transferSyntax') ?? EXPLICIT_LE;
  if (transferSyntax !== '*' && !UID.test(transferSyntax)) throw bad('transferSyntax is not a UID');
  return {
    studyUid, seriesUid, objectUid, contentTypes: known, transferSyntax,
    frameNumber: int('frameNumber', 1, 2 ** 31 - 1) ?? 1,
    ...(rows !== undefined ? { rows } : {}),
    ...(columns !== undefined ? { columns } : {}),
    ...(center !== undefined ? { window: { center, width: width! } } : {}),
    ...(quality !== undefined ? { quality } : {}),
    ...(region ? { region } : {}),
  };
}

/**
 * WADO-URI, the URI service of PS3.18 (what Orthanc serves at /wado): `GET {root}/wado?requestType=WADO&studyUID=…
 * &seriesUID=…&objectUID=…`, for EHR links and older viewers. One instance, as DICOM (Explicit VR Little Endian by
 * default, `transferSyntax=*` for the stored bytes) or rendered (JPEG by default, PNG, GIF; `windowCenter`/
 * `windowWidth`, `rows`/`columns`, `region`, `frameNumber`, `imageQuality`) with the rendered WADO-RS code. The root's view
 * decides what may be seen, as for WADO-RS.
 */
export async function wadoUriRoutes(app: FastifyInstance, opts: { archive: Archive; view?: DicomwebView }): Promise<void> {
  const { archive } = opts;
  const view = opts.view ?? WHOLE_ARCHIVE;

  const dicom = async (loc: InstanceLocation, ts: string): Promise<{ type: string; body: Buffer | Readable }> => {
    refuseUnmakeable([loc], ts);
    return { type: `application/dicom; transfer-syntax=${syntaxFor(loc, ts)}`, body: await instanceBody(archive.blobs, loc, ts) };
  };

  app.get('/wado', async (req: FastifyRequest<{ Querystring: Record<string, string | string[] | undefined> }>, reply) => {
    const r = parseWadoUri(req.query);
    const [loc] = await view.filter(req, await archive.locate(r.studyUid, r.seriesUid, r.objectUid));
    if (!loc) throw new HoiError('HOI_ERR_NOT_FOUND', `no instance ${r.objectUid} in series ${r.seriesUid} of study ${r.studyUid}`);
    const wanted = r.contentTypes.length ? r.contentTypes : (['image/jpeg'] as const);
    for (const type of wanted) {
      if (type === 'application/dicom') {
        const out = await dicom(loc, r.transferSyntax);
        return reply.type(out.type).send(out.body);
      }
      try {
        const out = await renderFrame(await archive.blobs.read(loc.blobKey), r.frameNumber, {
          format: type.slice('image/'.length) as RenderFormat,
          ...(r.quality !== undefined ? { quality: r.quality } : {}),
          ...(r.window ? { window: { ...r.window, fn: 'linear' as const } } : {}),
          ...(r.region ? { region: r.region } : {}),
          ...(r.rows !== undefined || r.columns !== undefined ? { viewport: { width: r.columns ?? MAX_SIDE, height: r.rows ?? MAX_SIDE } } : {}),
        });
        return reply.type(out.contentType).send(out.body);
      } catch (err) {
        if (err instanceof RangeError) throw new HoiError('HOI_ERR_NOT_FOUND', `WADO-URI: ${err.message}`);
        // Nothing to render (an SR, a KO…): the next type the client listed, or DICOM when it named none.
        if (!(err instanceof TranscodeError && err.reason === 'no-pixel-data')) throw err;
        if (!r.contentTypes.length) {
          const out = await dicom(loc, r.transferSyntax);
          return reply.type(out.type).send(out.body);
        }
      }
    }
    throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', `WADO-URI: instance ${r.objectUid} has no image; ask for contentType=application/dicom`);
  });
}

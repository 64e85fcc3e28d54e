import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Archive, InstanceLocation } from '../archive/Archive.js';
import { getFrames, readBulk, DicomParseError } from '../dicom/index.js';
import { decodeFrame, renderFrame, renderThumbnail, TranscodeError } from '../render/index.js';
import { HoiError } from '../errors.js';
import { parseAccept, EXPLICIT_LE, FRAME_MEDIA_TYPES, NATIVE_SYNTAXES, type MediaRange } from './accept.js';
import { multipartStream, newBoundary, type Part } from './multipart.js';
import { sendStoredMultipart } from './multipartSend.js';
import { baseUrlOf } from './http.js';
import { WHOLE_ARCHIVE, type DicomwebView } from './view.js';
import { zipOfInstances } from './zipOfInstances.js';
import { instanceBody, READ_WHOLE, refuseUnmakeable, syntaxFor } from './instanceBody.js';

type P = { study: string; series?: string; instance?: string; frames?: string; '*'?: string };
type Req = FastifyRequest<{ Params: P; Querystring: Record<string, string | undefined> }>;

async function found(archive: Archive, view: DicomwebView, req: Req): Promise<InstanceLocation[]> {
  const p = req.params;
  const locs = await view.filter(req, await archive.locate(p.study, p.series, p.instance));
  if (!locs.length) throw new HoiError('HOI_ERR_NOT_FOUND', `no instance under ${[p.study, p.series, p.instance].filter(Boolean).join('/')}`);
  return locs;
}

/** What a retrieve of whole instances should send: stored bytes, or Explicit VR LE; as multipart, one part, or a ZIP. */
function chooseInstanceSyntax(ranges: MediaRange[]): { ts: string | '*'; multipart: boolean; zip?: true } {
  for (const r of ranges) {
    const inner = r.params.type?.toLowerCase();
    // Supplement 211: the instances as Part 10 files in a ZIP (a study to take away, or to open in another viewer).
    if (r.type === 'application/zip') return { ts: r.params['transfer-syntax'] ?? EXPLICIT_LE, multipart: false, zip: true };
    if (r.type === 'multipart/related' && (!inner || inner === 'application/dicom')) return { ts: r.params['transfer-syntax'] ?? EXPLICIT_LE, multipart: true };
    if (r.type === 'application/dicom') return { ts: r.params['transfer-syntax'] ?? EXPLICIT_LE, multipart: false };
    if (r.type === '*/*' || r.type === 'multipart/*') return { ts: EXPLICIT_LE, multipart: true };
  }
  throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', 'instances are sent as multipart/related; type="application/dicom", or application/zip');
}

/** WADO-RS (PS3.18 10.4): instances, metadata, frames, bulk data, rendered and thumbnails; plus DELETE for admins. */
export async function wadoRoutes(app: FastifyInstance, opts: { archive: Archive; isAdmin: (req: FastifyRequest) => boolean; view?: DicomwebView }): Promise<void> {
  const { archive } = opts;
  const view = opts.view ?? WHOLE_ARCHIVE;

  const bytesOf = async (loc: InstanceLocation): Promise<Buffer> => archive.blobs.read(loc.blobKey);

  const retrieve = async (req: Req, reply: FastifyReply) => {
    const { ts, multipart, zip } = chooseInstanceSyntax(parseAccept(req.headers.accept));
    const locs = await found(archive, view, req);
    refuseUnmakeable(locs, ts);
    const base = baseUrlOf(req, view.rootPath(req));
    const bodyFor = (loc: InstanceLocation) => () => instanceBody(archive.blobs, loc, ts);
    const syntaxOf = (loc: InstanceLocation) => syntaxFor(loc, ts);
    if (zip) {
      const name = [req.params.study, req.params.series, req.params.instance].filter(Boolean).at(-1)!;
      return reply.type('application/zip').header('content-disposition', `attachment; filename="${name}.zip"`)
        .send(zipOfInstances(locs.map((loc) => ({ path: `${loc.studyUid}/${loc.seriesUid}/${loc.sopUid}.dcm`, body: bodyFor(loc) }))));
    }
    if (!multipart) {
      if (locs.length !== 1) throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', 'more than one instance: ask for multipart/related; type="application/dicom"');
      const loc = locs[0]!;
      return reply.type(`application/dicom; transfer-syntax=${syntaxOf(loc)}`).send(await bodyFor(loc)());
    }
    const boundary = newBoundary();
    const mediaType = `multipart/related; type="application/dicom"; boundary=${boundary}`;
    const locationOf = (loc: InstanceLocation) => `${base}/studies/${loc.studyUid}/series/${loc.seriesUid}/instances/${loc.sopUid}`;
    // Stored bytes as they are: straight to the socket (multipartSend.ts).
    if (locs.every((loc) => (ts === '*' || ts === loc.transferSyntaxUid) && loc.size <= READ_WHOLE)) {
      return sendStoredMultipart(reply, mediaType, boundary, locs.map((loc) => ({
        contentType: `application/dicom; transfer-syntax=${loc.transferSyntaxUid}`, location: locationOf(loc), size: loc.size,
        readInto: (into: Buffer) => archive.blobs.readInto(loc.blobKey, into),
      })));
    }
    const parts: Part[] = locs.map((loc) => ({
      contentType: `application/dicom; transfer-syntax=${syntaxOf(loc)}`,
      location: locationOf(loc),
      body: bodyFor(loc),
    }));
    return reply.type(mediaType).send(multipartStream(boundary, parts));
  };

  const metadata = async (req: Req, reply: FastifyReply) => {
    const { study, series, instance } = req.params;
    const all = await archive.locate(study, series, instance);
    const shown = await view.filter(req, all);
    if (!shown.length) throw new HoiError('HOI_ERR_NOT_FOUND', 'no such study, series or instance');
    // A view hiding part of the set: one cached metadata per shown instance (rare: views filter whole studies).
    const metas = shown.length === all.length ? await archive.metadata(study, series, instance)
      : (await Promise.all(shown.map((l) => archive.metadata(l.studyUid, l.seriesUid, l.sopUid)))).flat();
    const base = baseUrlOf(req, view.rootPath(req));
    return reply.type('application/dicom+json').send(`[${metas.join(',')}]`.replaceAll('{{BASE}}', base));
  };

  const frames = async (req: Req, reply: FastifyReply) => {
    const [loc] = await found(archive, view, req);
    const numbers = String(req.params.frames).split(',').map((s) => Number(s.trim()));
    if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'frame numbers are positive integers, comma-separated');
    const ranges = parseAccept(req.headers.accept);
    const stored = loc!.transferSyntaxUid;
    const storedMedia = NATIVE_SYNTAXES.has(stored) ? 'application/octet-stream' : (FRAME_MEDIA_TYPES[stored] ?? 'application/octet-stream');
    // Raw stored frames when the client takes the stored syntax; otherwise decoded native pixels.
    let raw: boolean | null = null;
    for (const r of ranges) {
      const inner = (r.type === 'multipart/related' ? r.params.type : r.type)?.toLowerCase() ?? 'application/octet-stream';
      const tsParam = r.params['transfer-syntax'];
      if (r.type === '*/*' || r.type === 'multipart/*') { raw = NATIVE_SYNTAXES.has(stored) && stored !== '1.2.840.10008.1.2.2' && stored !== '1.2.840.10008.1.2.1.99'; break; }
      if (inner === 'application/octet-stream') {
        const nativeLE = stored === '1.2.840.10008.1.2' || stored === EXPLICIT_LE;
        if (tsParam === '*' || tsParam === stored) { raw = nativeLE || !NATIVE_SYNTAXES.has(stored); break; }
        raw = nativeLE;
        break;
      }
      if (inner === storedMedia && (!tsParam || tsParam === '*' || tsParam === stored)) { raw = true; break; }
    }
    if (raw === null) throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', `frames of this instance are available as ${storedMedia} (stored) or application/octet-stream (decoded)`);
    const buf = await bytesOf(loc!);
    let bodies: Buffer[];
    let contentType: string;
    try {
      if (raw) {
        const got = getFrames(buf, numbers);
        bodies = got.frames;
        contentType = got.encapsulated ? `${storedMedia === 'application/octet-stream' ? 'application/octet-stream' : storedMedia}; transfer-syntax=${stored}` : `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`;
      } else {
        bodies = [];
        for (const n of numbers) bodies.push((await decodeFrame(buf, n)).pixels);
        contentType = `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`;
      }
    } catch (err) {
      if (err instanceof RangeError) throw new HoiError('HOI_ERR_NOT_FOUND', err.message);
      // Empty (or unusable) stored Pixel Data: the frame resource does not exist, it is not a server fault.
      if (err instanceof DicomParseError || (err instanceof TranscodeError && err.reason === 'no-pixel-data')) {
        throw new HoiError('HOI_ERR_NOT_FOUND', `frame ${numbers.join(',')} cannot be read from this instance's Pixel Data: ${err.message}`);
      }
      throw err;
    }
    const boundary = newBoundary();
    const inner = contentType.split(';')[0];
    return reply.type(`multipart/related; type="${inner}"; boundary=${boundary}`)
      .send(multipartStream(boundary, bodies.map((b) => ({ contentType, body: async () => b }))));
  };

  const bulk = async (req: Req, reply: FastifyReply) => {
    const [loc] = await found(archive, view, req);
    const value = readBulk(await bytesOf(loc!), String(req.params['*']));
    if (!value) throw new HoiError('HOI_ERR_NOT_FOUND', `no bulk data at ${req.params['*']}`);
    const ranges = parseAccept(req.headers.accept);
    if (ranges.some((r) => r.type === 'multipart/related' || r.type === '*/*' || r.type === 'multipart/*')) {
      const boundary = newBoundary();
      return reply.type(`multipart/related; type="application/octet-stream"; boundary=${boundary}`)
        .send(multipartStream(boundary, [{ contentType: 'application/octet-stream', body: async () => value }]));
    }
    return reply.type('application/octet-stream').send(value);
  };

  const renderedFormat = (req: Req): 'jpeg' | 'png' => {
    for (const r of parseAccept(req.headers.accept)) {
      if (r.type === 'image/png') return 'png';
      if (r.type === 'image/jpeg' || r.type === 'image/*' || r.type === '*/*') return 'jpeg';
    }
    throw new HoiError('HOI_ERR_NOT_ACCEPTABLE', 'rendered images are image/jpeg or image/png');
  };

  const rendered = async (req: Req, reply: FastifyReply) => {
    const [loc] = await found(archive, view, req);
    const q = req.query;
    const format = renderedFormat(req);
    const quality = q.quality !== undefined ? Number(q.quality) : undefined;
    if (quality !== undefined && !(quality >= 1 && quality <= 100)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'quality is 1..100');
    let window: { center: number; width: number; fn?: 'linear' | 'linear-exact' | 'sigmoid' } | undefined;
    if (q.window) {
      const [c, w, fn] = q.window.split(',');
      window = { center: Number(c), width: Number(w), fn: (fn?.toLowerCase() as 'linear' | 'linear-exact' | 'sigmoid' | undefined) ?? 'linear' };
      if (!Number.isFinite(window.center) || !(window.width > 0)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'window is center,width[,function] with width > 0');
    }
    let viewport: { width: number; height: number } | undefined;
    if (q.viewport) {
      const [w, h] = q.viewport.split(',').map(Number);
      if (!(w! > 0 && h! > 0)) throw new HoiError('HOI_ERR_BAD_REQUEST', 'viewport is width,height');
      viewport = { width: w!, height: h! };
    }
    const frame = req.params.frames ? Number(req.params.frames.split(',')[0]) : 1;
    try {
      const out = await renderFrame(await bytesOf(loc!), frame, { format, quality, window, viewport });
      return reply.type(out.contentType).send(out.body);
    } catch (err) {
      if (err instanceof RangeError) throw new HoiError('HOI_ERR_NOT_FOUND', err.message);
      throw err;
    }
  };

  const thumbnail = async (req: Req, reply: FastifyReply) => {
    const locs = await found(archive, view, req);
    const size = req.query.viewport ? Number(req.query.viewport.split(',')[0]) : undefined;
    const format = renderedFormat(req);
    // A representative instance: the middle one of the first series that has an image (SR, KO, PR… have none).
    for (const seriesUid of new Set(locs.map((l) => l.seriesUid))) {
      const inSeries = locs.filter((l) => l.seriesUid === seriesUid);
      try {
        const out = await renderThumbnail(await bytesOf(inSeries[Math.floor(inSeries.length / 2)]!), { size: size && size > 0 ? size : undefined, format });
        return reply.type(out.contentType).header('cache-control', 'private, max-age=3600').send(out.body);
      } catch (err) {
        if (!(err instanceof TranscodeError && err.reason === 'no-pixel-data')) throw err;
      }
    }
    // PS3.18 thumbnail: nothing to show is "not found", not "not acceptable" (no media type would do).
    throw new HoiError('HOI_ERR_NOT_FOUND', `no image to make a thumbnail from under ${[req.params.study, req.params.series, req.params.instance].filter(Boolean).join('/')}`);
  };

  const remove = (level: 'study' | 'series' | 'instance') => async (req: Req, reply: FastifyReply) => {
    if (!view.deletable) throw new HoiError('HOI_ERR_FORBIDDEN', 'this DICOMweb root is read-only');
    if (!opts.isAdmin(req)) throw new HoiError('HOI_ERR_FORBIDDEN', 'only an admin can delete');
    const uid = level === 'study' ? req.params.study : level === 'series' ? req.params.series! : req.params.instance!;
    await found(archive, view, req);
    const n = await archive.delete(level, uid);
    req.log.info({ level, uid, instances: n }, 'deleted');
    return reply.code(204).send();
  };

  const S = '/studies/:study';
  const SE = `${S}/series/:series`;
  const I = `${SE}/instances/:instance`;
  app.get(S, retrieve);
  app.get(SE, retrieve);
  app.get(I, retrieve);
  app.get(`${S}/metadata`, metadata);
  app.get(`${SE}/metadata`, metadata);
  app.get(`${I}/metadata`, metadata);
  app.get(`${I}/frames/:frames`, frames);
  app.get(`${I}/bulk/*`, bulk);
  app.get(`${I}/rendered`, rendered);
  app.get(`${I}/frames/:frames/rendered`, rendered);
  app.get(`${I}/thumbnail`, thumbnail);
  app.get(`${I}/frames/:frames/thumbnail`, thumbnail);
  app.get(`${SE}/thumbnail`, thumbnail);
  app.get(`${S}/thumbnail`, thumbnail);
  app.delete(S, remove('study'));
  app.delete(SE, remove('series'));
  app.delete(I, remove('instance'));
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as Multipasta from 'multipasta';
import type { Archive, StoreCandidate, StoreOutcome } from '../archive/Archive.js';
import type { BlobStore, TempBlob } from '../archive/blob/BlobStore.js';
import { parseInstance, type DicomParseError, type ParsedInstance } from '../dicom/index.js';
import { parseTemp } from '../archive/parseTemp.js';
import { HoiError, type ErrorCode } from '../errors.js';
import { stowResponse, type PartFailure } from './stowResponse.js';
import { baseUrlOf, sendProblem } from './http.js';

export interface StowOptions {
  archive: Archive;
  blobs: BlobStore;
  maxInstanceBytes: number;
}

const PARSE_ERRORS: Record<DicomParseError['reason'], ErrorCode> = {
  'not-dicom': 'HOI_ERR_NOT_DICOM',
  truncated: 'HOI_ERR_TRUNCATED',
  'missing-uid': 'HOI_ERR_MISSING_UID',
  'bad-length': 'HOI_ERR_BAD_LENGTH',
  unsupported: 'HOI_ERR_UNSUPPORTED',
};

/** Instances are indexed in batches of this size so an enormous request never piles up in memory. */
const BATCH = 100;

interface Collected {
  /**
   * One per part that passed the checks made on arrival; resolves to its candidate once written, to its outcome
   * when it was held already (a re-send), or null (its failure is recorded).
   */
  candidates: Promise<StoreCandidate | StoreOutcome | null>[];
  failures: PartFailure[];
}

/** STOW-RS (PS3.18 10.5): POST /studies and /studies/{study}, multipart/related; type="application/dicom". */
export async function stowRoutes(app: FastifyInstance, opts: StowOptions): Promise<void> {
  // Keep the body a stream: parts go to temp files as they arrive, whatever the request's size.
  app.addContentTypeParser('multipart/related', (_req, payload, done) => done(null, payload));
  /**
   * Users whose last STOW held instances we had already, byte for byte (an upload being retried after a broken
   * connection): the parts of their next requests are looked up before being written, and identical ones are
   * not written again. Only then: the lookup would slow a first upload (~10 % measured).
   */
  const resending = new Set<string>();

  const handler = async (req: FastifyRequest<{ Params: { study?: string } }>, reply: import('fastify').FastifyReply) => {
    const ct = req.headers['content-type'] ?? '';
    const type = /type="?([^";]+)"?/i.exec(ct)?.[1]?.toLowerCase();
    if (!/^multipart\/related/i.test(ct)) return sendProblem(reply, new HoiError('HOI_ERR_UNSUPPORTED_MEDIA', 'STOW-RS takes multipart/related; type="application/dicom"'));
    if (type && type !== 'application/dicom') return sendProblem(reply, new HoiError('HOI_ERR_UNSUPPORTED_MEDIA', `only application/dicom parts are accepted, not ${type}`));
    if (!/boundary=/i.test(ct)) return sendProblem(reply, new HoiError('HOI_ERR_BAD_REQUEST', 'multipart/related without a boundary'));
    // Disk below its reserve: 507 before the body is read.
    const full = opts.archive.storeRefusal();
    if (full) return sendProblem(reply, full);

    const studyUid = req.params.study ?? null;
    const who = req.user?.username ?? null;
    const lookFirst = who !== null && resending.has(who);
    const got: Collected = { candidates: [], failures: [] };
    let multipartError: Multipasta.MultipartError | null = null;
    let open: { temp: TempBlob; tooBig: boolean; contentType: string } | null = null;
    let parts = 0;

    const closePart = (): void => {
      const p = open;
      open = null;
      if (!p) return;
      const n = parts;
      const fail = (code: ErrorCode, msg: string, uids: { sopClassUid: string | null; sopInstanceUid: string | null } = { sopClassUid: null, sopInstanceUid: null }): null => {
        p.temp.discard();
        got.failures.push({ ...uids, error: new HoiError(code, msg) });
        return null;
      };
      if (p.tooBig) return void fail('HOI_ERR_TOO_LARGE', `part ${n} exceeds ${opts.maxInstanceBytes} bytes`);
      if (p.contentType && !/^application\/dicom\s*(;|$)/i.test(p.contentType)) return void fail('HOI_ERR_UNSUPPORTED_MEDIA', `part ${n} is ${p.contentType}, not application/dicom`);
      if (p.temp.size === 0) return void fail('HOI_ERR_NOT_DICOM', `part ${n} is empty`);
      const unreadable = (err: { name: string; reason?: string; message: string }): null => {
        const code = err.name === 'DicomParseError' && err.reason && err.reason in PARSE_ERRORS ? PARSE_ERRORS[err.reason as DicomParseError['reason']] : 'HOI_ERR_NOT_DICOM';
        return fail(code, `part ${n}: ${err.message}`);
      };
      const accept = (parsed: ParsedInstance | null): Promise<StoreCandidate | StoreOutcome | null> | null => {
        if (!parsed) return fail('HOI_ERR_NOT_DICOM', `part ${n}: unreadable header`);
        const f = parsed.fields;
        const uids = { sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid };
        if (studyUid && f.studyInstanceUid !== studyUid) {
          return fail('HOI_ERR_STUDY_MISMATCH', `instance ${f.sopInstanceUid} belongs to study ${f.studyInstanceUid}, not ${studyUid}`, uids);
        }
        // The durable write (into a spare, or a temp named after its key: FsBlobStore) overlaps with receiving the
        // next part, and the archive commits it without an intent journal. Its buffer is released once written:
        // a request holds up to BATCH parts until its commit.
        const write = (): Promise<StoreCandidate | StoreOutcome | null> => p.temp.finish(opts.archive.keyFor(parsed), { release: true }).then(
          ({ size, sha256 }) => ({ temp: p.temp, parsed, size, sha256 }),
          (err: Error) => fail('HOI_ERR_STORAGE', err.message, uids),
        );
        if (!lookFirst) return write();
        return opts.archive.hasIdentical(f.sopInstanceUid, p.temp.digest().sha256, () => p.temp.head(p.temp.size)).then((held): Promise<StoreCandidate | StoreOutcome | null> | StoreOutcome => {
          if (!held) return write();
          p.temp.discard();
          return { status: 'duplicate', ...uids, studyUid: f.studyInstanceUid, seriesUid: f.seriesInstanceUid, coerced: parsed.coerced } satisfies StoreOutcome;
        }, write);
      };
      const parseHere = (): Promise<StoreCandidate | StoreOutcome | null> | null => {
        try {
          // The header only, from a view of the part's first chunks: the body itself is never copied.
          return accept(parseTemp(p.temp, parseInstance));
        } catch (err) {
          return unreadable(err as Error & { reason?: string });
        }
      };
      // A pooled temp is written into a spare and hashed and parsed on the worker: the event loop only receives.
      // Not for a user re-sending: each part is hashed and looked up here first, and written only if new.
      // Every promise here settles (failures are recorded, not thrown): they are awaited only once the body is in.
      const work = p.temp.digestAndParse && !lookFirst
        ? p.temp.digestAndParse().then((r) => ('parseError' in r ? unreadable(r.parseError) : r.parsed ? accept(r.parsed) : parseHere()), (err: Error) => fail('HOI_ERR_STORAGE', err.message))
        : Promise.resolve(parseHere());
      got.candidates.push(work);
    };

    const parser = Multipasta.make({
      headers: req.headers as Record<string, string>,
      isFile: () => true,
      onField: () => undefined,
      onFile: (info) => {
        parts++;
        open = { temp: opts.blobs.createTemp({ pooled: true }), tooBig: false, contentType: info.contentType };
        let size = 0;
        return (chunk) => {
          const p = open;
          if (!p) return;
          if (chunk === null) return closePart();
          size += chunk.length;
          if (size > opts.maxInstanceBytes) p.tooBig = true;
          if (!p.tooBig) p.temp.write(chunk);
        };
      },
      onError: (e) => { multipartError = e; },
      onDone: () => undefined,
    });

    const t0 = performance.now();
    try {
      for await (const chunk of req.body as AsyncIterable<Buffer>) {
        parser.write(chunk);
        if (multipartError) break;
      }
      if (!multipartError) parser.end();
    } catch (err) {
      multipartError = { _tag: 'EndNotReached' };
      req.log.warn({ err }, 'STOW body aborted');
    }
    // A part cut off by a broken body is a failure of its own, the others still count.
    const broken = open as { temp: TempBlob } | null;
    if (broken) {
      broken.temp.discard();
      got.failures.push({ sopClassUid: null, sopInstanceUid: null, error: new HoiError('HOI_ERR_TRUNCATED', `part ${parts} is incomplete: the multipart body ended early`) });
      open = null;
    }
    if (parts === 0) {
      const why = multipartError ? (multipartError as Multipasta.MultipartError)._tag : 'no parts';
      return sendProblem(reply, new HoiError('HOI_ERR_BAD_REQUEST', `no DICOM part could be read from the multipart body (${why}); check the boundary`));
    }

    const t1 = performance.now();
    const outcomes: StoreOutcome[] = [];
    for (let i = 0; i < got.candidates.length; i += BATCH) {
      const settled = await Promise.all(got.candidates.slice(i, i + BATCH));
      outcomes.push(...settled.filter((c): c is StoreOutcome => c !== null && !('temp' in c)));
      outcomes.push(...(await opts.archive.store(settled.filter((c): c is StoreCandidate => c !== null && 'temp' in c))));
    }
    if (who !== null) {
      if (outcomes.some((o) => o.status === 'duplicate')) resending.add(who);
      else if (outcomes.some((o) => o.status === 'stored')) resending.delete(who);
    }
    req.log.debug({ parts, receiveMs: Math.round(t1 - t0), commitMs: Math.round(performance.now() - t1) }, 'STOW timing');
    const { status, body } = stowResponse(outcomes, got.failures, baseUrlOf(req), studyUid);
    const warnings = [...got.failures.map((f) => f.error.message), ...outcomes.flatMap((o) => (o.status === 'failed' ? [o.error.message] : []))];
    if (warnings.length) reply.header('warning', warnings.slice(0, 20).map((w) => `299 hoichan ${JSON.stringify(w.replace(/[^\x20-\x7e]/g, '?'))}`).join(', '));
    return reply.code(status).type('application/dicom+json').send(body);
  };

  app.post('/studies', handler);
  app.post<{ Params: { study: string } }>('/studies/:study', handler);
}

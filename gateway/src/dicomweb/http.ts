import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HoiError } from '../errors.js';

/** The DICOMweb root as the client reached it, for RetrieveURL and BulkDataURI (`root`: the root's path, see view.ts). */
export function baseUrlOf(req: FastifyRequest, root = '/dicom-web'): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || req.protocol;
  const host = (req.headers['x-forwarded-host'] as string | undefined) || req.headers.host || 'localhost';
  return `${proto}://${host}${root}`;
}

/** Answers an error as RFC 9457 problem+json. */
export function sendProblem(reply: FastifyReply, err: HoiError): FastifyReply {
  return reply.code(err.http).type('application/problem+json').send(JSON.stringify(err.toProblem(reply.request.url)));
}

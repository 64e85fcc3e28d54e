import crypto from 'node:crypto';

export interface BuiltBody {
  body: Buffer;
  contentType: string;
}

/** Builds a STOW-RS body: multipart/related; type="application/dicom" with one part per buffer. */
export function stowBody(parts: (Buffer | { bytes: Buffer; contentType?: string })[], boundary = `b-${crypto.randomBytes(6).toString('hex')}`): BuiltBody {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const { bytes, contentType } = Buffer.isBuffer(p) ? { bytes: p, contentType: 'application/dicom' } : { bytes: p.bytes, contentType: p.contentType ?? 'application/dicom' };
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`), bytes, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** Splits a multipart/related response into its parts (headers + body), for assertions. */
export function parseMultipart(body: Buffer, contentType: string): { headers: Record<string, string>; body: Buffer }[] {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const delim = Buffer.from(`--${m[1]}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const after = pos + delim.length;
    if (body.subarray(after, after + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', after);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd);
    if (headEnd < 0 || next < 0) throw new Error('malformed multipart');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(after + 2, headEnd).toString().split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, body: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

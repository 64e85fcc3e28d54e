/** One media range of an Accept header, parameters lower-cased by name. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Splits an Accept header into media ranges, best first (quoted commas and semicolons respected). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {}, q: 1 }];
  const ranges: MediaRange[] = [];
  for (const item of splitOutsideQuotes(header, ',')) {
    const [type, ...rest] = splitOutsideQuotes(item, ';').map((s) => s.trim());
    if (!type) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    const q = params.q !== undefined ? Number(params.q) : 1;
    ranges.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 1 });
  }
  return ranges.sort((a, b) => b.q - a.q);
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Media type a compressed transfer syntax travels as in frames retrieve (PS3.18 Table 8.7.3-2). */
export const FRAME_MEDIA_TYPES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.202': 'image/jphc',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
  '1.2.840.10008.1.2.5': 'image/x-dicom-rle',
  '1.2.840.10008.1.2.4.100': 'video/mpeg',
  '1.2.840.10008.1.2.4.102': 'video/mp4',
  '1.2.840.10008.1.2.4.103': 'video/mp4',
};

/** Uncompressed syntaxes whose frames are plain pixel bytes. */
export const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99']);
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

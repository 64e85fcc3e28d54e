/**
 * What an encapsulated frame actually contains, read from its markers. Decoders are chosen by this rather
 * than by the transfer syntax, because files lie: a "JPEG Lossless SV1" object may carry a baseline JPEG.
 */
export type Codestream =
  | { kind: 'jpeg'; process: 'baseline' | 'extended' | 'progressive' | 'lossless' | 'unknown' }
  | { kind: 'jpeg-ls' }
  | { kind: 'j2k'; htj2k: boolean; mct: boolean }
  | { kind: 'jpeg-xl' }
  | { kind: 'unknown' };

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];
const JXL_CONTAINER = [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20];

export function sniffCodestream(b: Uint8Array): Codestream {
  if (b[0] === 0xff && b[1] === 0xd8) return jpeg(b);
  if (b[0] === 0xff && b[1] === 0x4f) return j2k(b, 0);
  if (b[0] === 0xff && b[1] === 0x0a) return { kind: 'jpeg-xl' };
  if (startsWith(b, JXL_CONTAINER)) return { kind: 'jpeg-xl' };
  if (startsWith(b, JP2_SIGNATURE)) {
    // JP2 file format: the codestream lives in the 'jp2c' box.
    const at = indexOf(b, [0x6a, 0x70, 0x32, 0x63], 0, 4096);
    return at >= 0 ? j2k(b, at + 4) : { kind: 'j2k', htj2k: false, mct: false };
  }
  return { kind: 'unknown' };
}

/** True when the codestream itself is lossy, whatever the transfer syntax claims. */
export function isLossy(c: Codestream): boolean {
  return c.kind === 'jpeg' && (c.process === 'baseline' || c.process === 'extended' || c.process === 'progressive');
}

function jpeg(b: Uint8Array): Codestream {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { kind: 'jpeg', process: 'unknown' };
    const m = b[i + 1]!;
    if (m === 0xff) { i++; continue; } // fill byte
    if (m === 0xf7) return { kind: 'jpeg-ls' }; // SOF55
    if (m === 0xc0) return { kind: 'jpeg', process: 'baseline' };
    if (m === 0xc1 || m === 0xc9) return { kind: 'jpeg', process: 'extended' };
    if (m === 0xc2 || m === 0xca) return { kind: 'jpeg', process: 'progressive' };
    if (m === 0xc3 || m === 0xcb) return { kind: 'jpeg', process: 'lossless' };
    if (m === 0xda) break; // SOS before any SOF: give up
    i += 2 + ((b[i + 2]! << 8) | b[i + 3]!);
  }
  return { kind: 'jpeg', process: 'unknown' };
}

/** Main header of a J2K codestream: CAP (FF50) means HTJ2K (Part 15); COD's MCT byte says RGB output. */
function j2k(b: Uint8Array, start: number): Codestream {
  let htj2k = false;
  let mct = false;
  let i = start + 2;
  while (i + 4 <= b.length) {
    const m = (b[i]! << 8) | b[i + 1]!;
    if (m === 0xff90 || m === 0xff93) break; // SOT / SOD: end of main header
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m === 0xff50) htj2k = true;
    if (m === 0xff52 && i + 8 < b.length) mct = b[i + 8] === 1; // Lcod(2) Scod(1) prog(1) layers(2) MCT(1)
    i += 2 + len;
  }
  return { kind: 'j2k', htj2k, mct };
}

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, k) => b[k] === v);
}

function indexOf(b: Uint8Array, sig: number[], from: number, limit: number): number {
  const end = Math.min(b.length - sig.length, from + limit);
  for (let i = from; i <= end; i++) if (sig.every((v, k) => b[i + k] === v)) return i;
  return -1;
}

/**
 * What an encapsulated frame contains, read from its markers: decoders are chosen by this rather than by the
 * transfer syntax, because files lie (fixture OP_ophthalmic_jpegll.dcm says JPEG Lossless SV1 and carries a
 * baseline JPEG). Same approach as gateway/src/render/codestream.ts; kept here so the anonymizer has no
 * dependency on the gateway (the gateway depends on us).
 */
export type CodestreamKind = 'jpeg' | 'jpeg-ls' | 'j2k' | 'htj2k' | 'jpeg-xl' | 'unknown';

export function sniffCodestream(b: Uint8Array): CodestreamKind {
  if (b[0] === 0xff && b[1] === 0xd8) return jpegKind(b);
  if (b[0] === 0xff && b[1] === 0x4f) return j2kKind(b, 0);
  if (b[0] === 0xff && b[1] === 0x0a) return 'jpeg-xl';
  if (b.length > 12 && b[4] === 0x6a && b[5] === 0x50 && b[6] === 0x20 && b[7] === 0x20) {
    for (let i = 8; i < Math.min(b.length - 4, 4096); i++) {
      if (b[i] === 0x6a && b[i + 1] === 0x70 && b[i + 2] === 0x32 && b[i + 3] === 0x63) return j2kKind(b, i + 4);
    }
    return 'j2k';
  }
  if (b.length > 12 && b[4] === 0x4a && b[5] === 0x58 && b[6] === 0x4c && b[7] === 0x20) return 'jpeg-xl';
  return 'unknown';
}

/** True when a fragment starts a new codestream (used to group fragments into frames when there is no offset table). */
export function startsCodestream(b: Uint8Array): boolean {
  return sniffCodestream(b.subarray(0, Math.min(b.length, 4096))) !== 'unknown';
}

function jpegKind(b: Uint8Array): CodestreamKind {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return 'jpeg';
    const m = b[i + 1];
    if (m === 0xff) {
      i++;
      continue;
    }
    if (m === 0xf7) return 'jpeg-ls';
    if (m === 0xda) break;
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return 'jpeg';
}

function j2kKind(b: Uint8Array, start: number): CodestreamKind {
  let i = start + 2;
  while (i + 4 <= b.length) {
    const m = (b[i] << 8) | b[i + 1];
    if (m === 0xff90 || m === 0xff93) break;
    if (m === 0xff50) return 'htj2k';
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return 'j2k';
}

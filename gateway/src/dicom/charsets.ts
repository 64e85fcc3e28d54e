import { TextDecoder } from 'node:util';
/**
 * Text decoding by Specific Character Set (PS3.3 C.12.1.1.2, PS3.5 6.1): single-byte sets, UTF-8, GB18030/GBK,
 * and the ISO 2022 code extensions, where escape sequences switch the set inside one value.
 */
const SINGLE: Record<string, string> = {
  '': 'latin1', ISO_IR_6: 'latin1', 'ISO_IR 6': 'latin1', 'ISO_IR 100': 'latin1', 'ISO_IR 101': 'iso-8859-2', 'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4', 'ISO_IR 144': 'iso-8859-5', 'ISO_IR 127': 'iso-8859-6', 'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8', 'ISO_IR 148': 'iso-8859-9', 'ISO_IR 203': 'iso-8859-15', 'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis', 'ISO_IR 192': 'utf-8', GB18030: 'gb18030', GBK: 'gbk',
  'ISO 2022 IR 6': 'latin1', 'ISO 2022 IR 100': 'latin1', 'ISO 2022 IR 101': 'iso-8859-2', 'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4', 'ISO 2022 IR 144': 'iso-8859-5', 'ISO 2022 IR 127': 'iso-8859-6', 'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8', 'ISO 2022 IR 148': 'iso-8859-9', 'ISO 2022 IR 203': 'iso-8859-15', 'ISO 2022 IR 166': 'windows-874',
  'ISO 2022 IR 13': 'shift_jis', 'ISO 2022 IR 87': 'iso-2022-jp', 'ISO 2022 IR 159': 'iso-2022-jp', 'ISO 2022 IR 149': 'euc-kr', 'ISO 2022 IR 58': 'gbk',
};

/** Escape sequence (bytes after ESC) → decoder for the run that follows. */
const ESCAPES: [number[], string][] = [
  [[0x28, 0x42], 'latin1'], // ESC ( B  ASCII
  [[0x28, 0x4a], 'latin1'], // ESC ( J  JIS X 0201 Roman
  [[0x29, 0x49], 'shift_jis'], // ESC ) I  JIS X 0201 Katakana (G1)
  [[0x24, 0x42], 'iso-2022-jp'], // ESC $ B  JIS X 0208
  [[0x24, 0x28, 0x44], 'iso-2022-jp'], // ESC $ ( D  JIS X 0212 (decoded as 0208: rare)
  [[0x24, 0x29, 0x43], 'euc-kr'], // ESC $ ) C  KS X 1001
  [[0x24, 0x29, 0x41], 'gbk'], // ESC $ ) A  GB 2312
  [[0x2d, 0x41], 'latin1'], [[0x2d, 0x42], 'iso-8859-2'], [[0x2d, 0x43], 'iso-8859-3'], [[0x2d, 0x44], 'iso-8859-4'],
  [[0x2d, 0x4c], 'iso-8859-5'], [[0x2d, 0x47], 'iso-8859-6'], [[0x2d, 0x46], 'iso-8859-7'], [[0x2d, 0x48], 'iso-8859-8'],
  [[0x2d, 0x4d], 'iso-8859-9'], [[0x2d, 0x62], 'iso-8859-15'], [[0x2d, 0x54], 'windows-874'],
];

const decoders = new Map<string, TextDecoder>();
function decoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/** Terms of (0008,0005) as they appear in the dataset ("" for an empty first value). */
export function parseCharsets(value: string | undefined): string[] {
  if (!value) return [''];
  return value.split('\\').map((s) => s.trim());
}

function decodeRun(bytes: Uint8Array, label: string, escape: number[] | null): string {
  if (label === 'iso-2022-jp' && escape) {
    // The ISO-2022-JP decoder needs the escape sequence itself to know the set.
    const withEsc = new Uint8Array(bytes.length + escape.length + 1);
    withEsc[0] = 0x1b;
    withEsc.set(escape, 1);
    withEsc.set(bytes, escape.length + 1);
    return decoder(label).decode(withEsc);
  }
  return decoder(label).decode(bytes);
}

/** Decodes one text value's bytes. */
export function decodeText(bytes: Uint8Array, charsets: string[]): string {
  const first = SINGLE[charsets[0] ?? ''] ?? 'latin1';
  const iso2022 = charsets.some((c) => c.startsWith('ISO 2022'));
  if (!iso2022 || !bytes.includes(0x1b)) {
    if (first === 'iso-2022-jp' || first === 'euc-kr' || first === 'gbk') {
      // An ISO 2022 multi-byte set named first but no escape: plain ASCII (G0) with possible G1 bytes.
      return decoder(first === 'iso-2022-jp' ? 'latin1' : first).decode(bytes);
    }
    return decoder(first).decode(bytes);
  }
  let out = '';
  let label = first === 'iso-2022-jp' ? 'latin1' : first;
  let escape: number[] | null = null;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    // Delimiters return to the initial set (PS3.5 6.1.2.5.3): CR, LF, FF, TAB handled as text; ^ = \ reset.
    if (i < bytes.length && bytes[i] !== 0x1b) continue;
    if (i > start) out += decodeRun(bytes.subarray(start, i), label, escape);
    if (i === bytes.length) break;
    const match = ESCAPES.find(([seq]) => seq.every((b, k) => bytes[i + 1 + k] === b));
    if (!match) {
      start = i + 1;
      continue;
    }
    [, label] = match;
    escape = match[0];
    start = i + 1 + match[0].length;
  }
  return out;
}

/** VRs whose text is affected by the Specific Character Set. */
export const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);

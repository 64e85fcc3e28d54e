import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

type Elem = { vr?: string; Value?: unknown[] };
interface DcmjsDict {
  meta: Record<string, Elem>;
  dict: Record<string, Elem>;
  write(): ArrayBuffer;
}
interface Dcmjs {
  data: { DicomMessage: { readFile(b: ArrayBuffer): DcmjsDict } };
}

/** A deterministic UID under 2.25 (PS3.5 B.2) from a seed text. */
export function uidFrom(seed: string): string {
  return `2.25.${BigInt(`0x${crypto.createHash('sha256').update(seed).digest('hex').slice(0, 30)}`).toString()}`;
}

/**
 * Writes a second series of the same study from uncompressed Part-10 files: every `every`-th file, with a
 * new Series Instance UID, new SOP Instance UIDs, series number and description (same frame of reference,
 * so slice positions line up with the source series).
 */
export async function deriveSeries(files: string[], outDir: string, opts: { every: number; seed: string; seriesNumber: number; description: string }): Promise<string[]> {
  const picked = files.filter((_, k) => k % opts.every === 0);
  const have = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.dcm')) : [];
  if (have.length === picked.length) return have.sort().map((f) => path.join(outDir, f));
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const dcmjs = (await import('dcmjs')).default as unknown as Dcmjs;
  const seriesUid = uidFrom(`${opts.seed}/series`);
  const out: string[] = [];
  picked.forEach((file, k) => {
    const buf = fs.readFileSync(file);
    const d = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    const sop = uidFrom(`${opts.seed}/sop/${k}`);
    d.dict['0020000E']!.Value = [seriesUid];
    d.dict['00080018']!.Value = [sop];
    d.meta['00020003']!.Value = [sop];
    d.dict['00200011'] = { vr: 'IS', Value: [opts.seriesNumber] };
    d.dict['0008103E'] = { vr: 'LO', Value: [opts.description] };
    d.dict['00200013'] = { vr: 'IS', Value: [k + 1] };
    const target = path.join(outDir, `IM${String(k + 1).padStart(5, '0')}.dcm`);
    fs.writeFileSync(target, Buffer.from(d.write()));
    out.push(target);
  });
  return out;
}

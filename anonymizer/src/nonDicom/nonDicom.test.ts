/**
 * Non-DICOM attachments (issue 4 §5, G-1.2, G-2.4): metadata stripped, faces covered, wrapped as DICOM under the
 * case's pseudonymous patient and study. Faces: a real photo shipped with @vladmandic/face-api (demo/sample2.jpg,
 * three people). The real face fixture OT-PAL-8-face is checked in instanceFixtures.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/io.js';
import { detectFaces } from '../pixels/faces.js';
import { decodeImage, rgbFrame } from '../pixels/image.js';
import { dciodvfyErrors, HAVE_DCIODVFY } from '../testing/dciodvfy.js';
import { bytesOf, first, SECRET } from '../testing/build.js';
import { wrapAttachment } from './attachment.js';

const require = createRequire(import.meta.url);
const FACE_PHOTO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo/sample2.jpg');
const STUDY = '2.25.123456789012345678901234567890';
const identity = { names: ['Phạm Thị Hồng'], ids: ['BN-2024-00123'], birthDate: '19800102', other: ['0912345678'] };
const target = { siteSecret: SECRET, pseudonym: 'HC-2026-0200', studyInstanceUid: STUDY, identity };
const dir = mkdtempSync(path.join(tmpdir(), 'hoichan-attach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rgbOf(part10: Buffer): Promise<{ rgb: Uint8Array; w: number; h: number }> {
  const p = readPart10(part10);
  const img = await decodeImage(p.dataset, p.transferSyntaxUid);
  return { rgb: rgbFrame(img, 0), w: img.columns, h: img.rows };
}

function noNewErrors(part10: Buffer, name: string): void {
  if (!HAVE_DCIODVFY) return;
  const file = path.join(dir, name);
  writeFileSync(file, part10);
  expect([...dciodvfyErrors(file)]).toEqual([]);
}

describe('photos', () => {
  it('strips EXIF/GPS/XMP, covers every face beyond detection, and wraps a JPEG as Secondary Capture', async () => {
    // The photo at half size, with the patient's identity planted in EXIF (IFD0, GPS) and XMP.
    const photo = await sharp(FACE_PHOTO)
      .resize(640)
      .withExif({ IFD0: { Artist: 'Pham Thi Hong', ImageDescription: 'BN-2024-00123' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '21/1 1/1 0/1' } })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Phạm Thị Hồng 0912345678</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>')
      .jpeg()
      .toBuffer();
    const r = await wrapAttachment(photo, target);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    expect(r.report.metadataRemoved).toEqual(expect.arrayContaining(['exif', 'gps', 'xmp']));
    const text = r.part10.toString('latin1');
    for (const s of ['Pham', 'Hong', 'BN-2024', '0912345678', 'GPS', 'xmpmeta']) expect(text.includes(s), s).toBe(false);
    const ds = readPart10(r.part10).dataset;
    expect(first(ds, '00100020')).toBe('HC-2026-0200');
    expect(first(ds, '0020000D')).toBe(STUDY);
    expect(first(ds, '00080060')).toBe('XC');
    expect(first(ds, '00280302')).toBe('NO');
    // the JPEG inside carries no metadata either
    const jpeg = bytesOf(ds['7FE00010'].Value?.[0]);
    const m = await sharp(jpeg).metadata();
    expect([m.exif, m.xmp, m.iptc]).toEqual([undefined, undefined, undefined]);
    // the same detector finds no face in the output
    const out = await rgbOf(r.part10);
    expect(await detectFaces(out.rgb, out.w, out.h)).toEqual([]);
    // the photo shows three people; each detection covered (boxes of the two detectors may overlap)
    expect(r.report.faces?.length).toBeGreaterThanOrEqual(3);
    noNewErrors(r.part10, 'photo.dcm');
  });

  it('keeps a PNG without faces lossless (pixels identical, metadata gone)', async () => {
    const raw = Buffer.alloc(64 * 48 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
    const png = await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).withExif({ IFD0: { Artist: 'Pham Thi Hong' } }).png().toBuffer();
    const r = await wrapAttachment(png, target);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    const out = await rgbOf(r.part10);
    expect(Buffer.from(out.rgb).equals(raw)).toBe(true);
    expect(r.part10.toString('latin1').includes('Pham')).toBe(false);
    noNewErrors(r.part10, 'png.dcm');
  });
});

describe('PDFs', () => {
  async function makePdf(pageText: string): Promise<Uint8Array> {
    const doc = await PDFDocument.create();
    doc.setTitle('Ket qua xet nghiem Pham Thi Hong');
    doc.setAuthor('BN-2024-00123');
    doc.setSubject('0912345678');
    const xmp = doc.context.stream('<x:xmpmeta><dc:creator>Pham Thi Hong</dc:creator></x:xmpmeta>', { Type: 'Metadata', Subtype: 'XML' });
    doc.catalog.set(PDFName.of('Metadata'), doc.context.register(xmp));
    const page = doc.addPage([300, 200]);
    page.drawText(pageText, { x: 20, y: 100, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
    return doc.save();
  }

  it('removes the Info dictionary and XMP and wraps the PDF as Encapsulated PDF', async () => {
    const r = await wrapAttachment(await makePdf('Glucose 5.4 mmol/L - binh thuong'), target);
    expect(r.status).toBe('released');
    if (r.status !== 'released') return;
    expect(r.report.metadataRemoved).toEqual(expect.arrayContaining(['Info', 'XMP metadata']));
    const ds = readPart10(r.part10).dataset;
    expect(first(ds, '00420012')).toBe('application/pdf');
    const pdf = bytesOf(ds['00420011'].Value?.[0]).subarray(0, Number(first(ds, '00420015')));
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect([doc.getTitle(), doc.getAuthor(), doc.getSubject()]).toEqual([undefined, undefined, undefined]);
    expect(doc.catalog.get(PDFName.of('Metadata'))).toBeUndefined();
    expect(doc.getPageCount()).toBe(1);
    // nothing of the identity anywhere in the file, streams inflated
    const streams = [...pdf.toString().matchAll(/stream\r?\n/g)].map((m) => {
      try {
        return inflateSync(pdf.subarray((m.index ?? 0) + m[0].length)).toString('latin1');
      } catch {
        return '';
      }
    });
    for (const s of ['Pham', 'Hong', 'BN-2024', '0912345678']) expect([pdf.toString('latin1'), ...streams].join('').includes(s), s).toBe(false);
    noNewErrors(r.part10, 'pdf.dcm');
  });

  it("quarantines a PDF whose page text names the patient, and refuses what is not JPEG/PNG/PDF", async () => {
    const r = await wrapAttachment(await makePdf('Benh nhan: PHAM THI HONG, ma BN-2024-00123'), target);
    expect(r.status).toBe('quarantined');
    await expect(wrapAttachment(Buffer.from('GIF89a....'), target)).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    await expect(wrapAttachment(Buffer.from('%PDF-1.7\nbroken'), target)).rejects.toMatchObject({ code: 'UNREADABLE' });
  });
});

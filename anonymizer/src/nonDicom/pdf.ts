/**
 * PDFs attached to a case (issue 4 §5, G-1.2): document metadata is removed with pdf-lib (the Info dictionary,
 * every XMP /Metadata stream, /PieceInfo, embedded files, JavaScript and annotation authors), the file is
 * rewritten whole (so earlier incremental revisions and their metadata are gone), and wrapped as an Encapsulated
 * PDF under the case's pseudonymous patient and study.
 *
 * The page content is NOT redacted: a text search of the decoded content streams for the source patient's identity
 * quarantines a PDF that names the patient; text drawn with subset fonts (glyph ids, not characters) or scanned
 * pages cannot be searched this way, which the report says as a warning.
 */
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, type PDFObject, PDFRawStream, PDFRef, PDFString } from 'pdf-lib';
import { AnonymizerError } from '../errors.js';
import { leakScan } from '../leakScan.js';
import { IdentityMatcher } from '../text/identity.js';
import { type AttachmentTarget, evenBuffer, wrapperDataset, writeWrapper } from './dicomWrapper.js';
import type { AttachmentOutcome, AttachmentReport } from './photo.js';
import { TS } from '../dicom/io.js';

const ENCAPSULATED_PDF = '1.2.840.10008.5.1.4.1.1.104.1';
const DROP_KEYS = ['Metadata', 'PieceInfo', 'EmbeddedFiles', 'JavaScript', 'JS', 'OpenAction', 'AA'];
const ANNOT_PERSONAL = ['T', 'M', 'CreationDate', 'RC', 'Contents'];

/** Removes metadata from a PDF; returns the rewritten bytes, what was removed, and the decoded text for checks. */
export async function cleanPdf(bytes: Uint8Array): Promise<{ pdf: Uint8Array; removed: string[]; text: string }> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: false });
    if (!(doc.catalog instanceof PDFDict)) throw new Error('no catalog');
  } catch (err) {
    const encrypted = err instanceof Error && /encrypt/i.test(err.message);
    throw new AnonymizerError('UNREADABLE', encrypted ? 'PDF is encrypted' : 'PDF could not be parsed');
  }
  if (doc.isEncrypted) throw new AnonymizerError('UNREADABLE', 'PDF is encrypted');
  const removed = new Set<string>();
  const ctx = doc.context;
  if (ctx.trailerInfo.Info) {
    removed.add('Info');
    ctx.trailerInfo.Info = undefined;
  }
  for (const [, obj] of ctx.enumerateIndirectObjects()) {
    const dict = dictOf(obj);
    if (!dict) continue;
    for (const key of DROP_KEYS) {
      if (dict.delete(PDFName.of(key))) removed.add(key === 'Metadata' ? 'XMP metadata' : key);
    }
    if (dict.get(PDFName.of('Type'))?.toString() === '/Annot') {
      for (const key of ANNOT_PERSONAL) if (dict.delete(PDFName.of(key))) removed.add(`annotation ${key}`);
    }
  }
  const names = doc.catalog.get(PDFName.of('Names'));
  const namesDict = names instanceof PDFRef ? ctx.lookup(names) : names;
  if (namesDict instanceof PDFDict) {
    for (const key of ['EmbeddedFiles', 'JavaScript']) if (namesDict.delete(PDFName.of(key))) removed.add(key);
  }
  // pdf-lib writes every object of the context, referenced or not: the Info dictionary and the XMP streams would
  // still be in the file. Only what the catalog reaches is kept.
  dropUnreachable(doc);
  let text = '';
  for (const [, obj] of ctx.enumerateIndirectObjects()) {
    const dict = dictOf(obj);
    for (const [, v] of dict?.entries() ?? []) {
      if (v instanceof PDFString || v instanceof PDFHexString) text += `${v.decodeText()}\n`;
    }
    if (obj instanceof PDFRawStream) {
      try {
        text += `${Buffer.from(decodePDFRawStream(obj).decode()).toString('latin1')}\n`;
      } catch {
        // an image or an unsupported filter: nothing to search
      }
    }
  }
  const pdf = await doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
  return { pdf, removed: [...removed], text: `${text}\n${literalStrings(text)}` };
}

function dictOf(obj: PDFObject): PDFDict | undefined {
  return obj instanceof PDFDict ? obj : obj instanceof PDFRawStream ? obj.dict : undefined;
}

function dropUnreachable(doc: PDFDocument): void {
  const ctx = doc.context;
  const seen = new Set<string>();
  const visit = (o: PDFObject | undefined): void => {
    if (o instanceof PDFRef) {
      if (seen.has(o.toString())) return;
      seen.add(o.toString());
      visit(ctx.lookup(o));
    } else if (o instanceof PDFDict) {
      for (const [, v] of o.entries()) visit(v);
    } else if (o instanceof PDFArray) {
      for (let i = 0; i < o.size(); i++) visit(o.get(i));
    } else if (o instanceof PDFRawStream) {
      visit(o.dict);
    }
  };
  visit(ctx.trailerInfo.Root);
  for (const [ref] of ctx.enumerateIndirectObjects()) if (!seen.has(ref.toString())) ctx.delete(ref);
}

/** Strings of content-stream text operators: "(Nguyen Van A) Tj" and "<4E67…> Tj" → their characters. */
function literalStrings(content: string): string {
  const out: string[] = [];
  for (const m of content.matchAll(/\(((?:\\.|[^\\)])*)\)/g)) out.push(m[1].replace(/\\(.)/g, '$1'));
  for (const m of content.matchAll(/<([0-9A-Fa-f\s]{4,})>/g)) {
    const hex = m[1].replace(/\s/g, '');
    out.push(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex').toString('latin1'));
  }
  return out.join(' ');
}

/** Strips a PDF's metadata and wraps it as Encapsulated PDF under the case pseudonym. */
export async function wrapPdf(bytes: Uint8Array, target: AttachmentTarget): Promise<AttachmentOutcome> {
  const { pdf, removed, text } = await cleanPdf(bytes);
  const warnings = ['page content is not redacted: only searched for the patient identity as text'];
  const report: AttachmentReport = { kind: 'pdf', metadataRemoved: removed, warnings };
  if (target.identity) {
    const found = new IdentityMatcher(target.identity).find(text);
    if (found.length) {
      return {
        status: 'quarantined',
        reason: `the PDF's text names the patient (${found.length} match(es) of kinds ${[...new Set(found.map((f) => f.kind))].join(', ')}); it must be redacted by a person`,
        report,
      };
    }
  }
  const { ds, sopInstanceUid } = wrapperDataset(target, 'pdf', ENCAPSULATED_PDF, bytes, [
    'non-DICOM PDF attachment',
    `metadata removed: ${removed.join(', ') || 'none found'}`.slice(0, 64),
  ]);
  Object.assign(ds, {
    '00080023': { vr: 'DA', Value: [] },
    '00080033': { vr: 'TM', Value: [] },
    '0008002A': { vr: 'DT', Value: [] },
    '00280301': { vr: 'CS', Value: ['NO'] },
    '0040A043': { vr: 'SQ', Value: [] },
    '00420010': ds['00420010'] ?? { vr: 'ST', Value: [] },
    '00420011': { vr: 'OB', Value: [evenBuffer(pdf)] },
    '00420012': { vr: 'LO', Value: ['application/pdf'] },
    '00420015': { vr: 'UL', Value: [pdf.length] },
  });
  const part10 = writeWrapper(ds, TS.explicitLE);
  if (target.identity) {
    const scan = leakScan(part10, target.identity);
    if (!scan.clean) return { status: 'quarantined', reason: `leak gate found ${scan.hits.length} trace(s) of the patient's identity`, report: { ...report, leakHits: scan.hits } };
  }
  return { status: 'released', part10, sopInstanceUid, report };
}

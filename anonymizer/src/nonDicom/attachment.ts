/** Entry point for non-DICOM attachments (issue 4 §5, G-1.2): JPEG, PNG or PDF, sniffed from the bytes. */
import { AnonymizerError } from '../errors.js';
import type { AttachmentTarget } from './dicomWrapper.js';
import { wrapPdf } from './pdf.js';
import { type AttachmentOutcome, type PhotoOptions, sniffAttachment, wrapPhoto } from './photo.js';

/** Wraps a JPEG, PNG or PDF as DICOM under the case pseudonym; throws BAD_OPTIONS for any other content. */
export async function wrapAttachment(bytes: Uint8Array, target: AttachmentTarget, opts: PhotoOptions = {}): Promise<AttachmentOutcome> {
  const kind = sniffAttachment(bytes);
  if (kind === 'pdf') return wrapPdf(bytes, target);
  if (kind === 'jpeg' || kind === 'png') return wrapPhoto(bytes, target, opts);
  throw new AnonymizerError('BAD_OPTIONS', 'attachment is not a JPEG, PNG or PDF');
}

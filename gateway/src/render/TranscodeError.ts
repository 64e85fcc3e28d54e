import { HoiError } from '../errors.js';

/** Why pixel data could not be decoded, transcoded or rendered. */
export type TranscodeFailure =
  /** The bytes do not parse as a DICOM dataset. */
  | 'unreadable'
  /** No (or empty) Pixel Data: SR, RTSTRUCT, waveforms, or a header-only image. */
  | 'no-pixel-data'
  /** Transfer syntax we have no decoder for (video, JPIP, private syntaxes). */
  | 'unsupported-transfer-syntax'
  /** Pixel layout the pipeline does not handle (float pixel data, segmented palettes, ...). */
  | 'unsupported-pixel-format'
  /** Pixel Data shorter than Rows x Columns x Samples x Bits x Frames, or missing fragments. */
  | 'truncated-pixel-data'
  /** The codec rejected the codestream. */
  | 'decode-failed';

/**
 * Pixel data of a stored instance cannot be produced in the requested form. A HoiError (406) so the
 * DICOMweb layer answers "ask for the stored representation instead" without extra mapping; `reason`
 * says which case it is.
 */
export class TranscodeError extends HoiError {
  constructor(readonly reason: TranscodeFailure, detail: string) {
    super('HOI_ERR_NOT_ACCEPTABLE', detail, { reason });
    this.name = 'TranscodeError';
  }
}

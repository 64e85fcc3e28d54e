/**
 * The one error table: each HOI_ERR_* code has its HTTP status and, where the failure can reach a DICOM
 * peer, the DIMSE status / STOW FailureReason (PS3.4 Annex B, PS3.18 Table 10.5.3-2).
 */
export const ERRORS = {
  HOI_ERR_NOT_DICOM: { http: 400, dimse: 0xc000, title: 'Not a DICOM instance' },
  HOI_ERR_TRUNCATED: { http: 400, dimse: 0xc000, title: 'Truncated DICOM data' },
  HOI_ERR_MISSING_UID: { http: 400, dimse: 0xc000, title: 'Required UID missing' },
  HOI_ERR_BAD_LENGTH: { http: 400, dimse: 0xc000, title: 'Invalid element length' },
  HOI_ERR_UNSUPPORTED: { http: 415, dimse: 0xc000, title: 'Unsupported DICOM encoding' },
  HOI_ERR_STUDY_MISMATCH: { http: 409, dimse: 0xc409, title: 'Instance does not belong to the target study' },
  HOI_ERR_DUPLICATE_DIFFERENT: { http: 409, dimse: 0x0111, title: 'Different instance already stored under this SOP Instance UID' },
  HOI_ERR_TOO_LARGE: { http: 413, dimse: 0xa700, title: 'Instance too large' },
  HOI_ERR_STORAGE: { http: 500, dimse: 0xa700, title: 'Storage failure' },
  HOI_ERR_DISK_FULL: { http: 507, dimse: 0xa700, title: 'Insufficient storage' },
  HOI_ERR_NOT_FOUND: { http: 404, dimse: 0xc000, title: 'Not found' },
  HOI_ERR_BAD_REQUEST: { http: 400, dimse: 0xc000, title: 'Bad request' },
  HOI_ERR_NOT_ACCEPTABLE: { http: 406, dimse: 0xc000, title: 'Not acceptable' },
  HOI_ERR_UNSUPPORTED_MEDIA: { http: 415, dimse: 0xc000, title: 'Unsupported media type' },
  HOI_ERR_UNAUTHORIZED: { http: 401, dimse: 0xc000, title: 'Authentication required' },
  HOI_ERR_FORBIDDEN: { http: 403, dimse: 0xc000, title: 'Forbidden' },
  HOI_ERR_RATE_LIMITED: { http: 429, dimse: 0xc000, title: 'Too many failed attempts' },
  HOI_ERR_CONFLICT: { http: 409, dimse: 0xc000, title: 'Conflict' },
  HOI_ERR_PEER: { http: 502, dimse: 0xa700, title: 'Remote peer failed' },
  HOI_ERR_UNPROCESSABLE: { http: 422, dimse: 0xc000, title: 'Unprocessable content' },
  // Case packs (gateway/src/packs).
  HOI_ERR_PACK_NOT_READY: { http: 409, dimse: 0xc000, title: 'Case pack is not ready' },
  HOI_ERR_EXPORT_FAILED: { http: 500, dimse: 0xc000, title: 'Case pack export failed' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error that knows how to answer over HTTP (problem+json) and DIMSE. */
export class HoiError extends Error {
  readonly http: number;
  readonly dimse: number;
  readonly title: string;
  constructor(readonly code: ErrorCode, detail: string, readonly extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'HoiError';
    const e = ERRORS[code];
    this.http = e.http;
    this.dimse = e.dimse;
    this.title = e.title;
  }
  /** RFC 9457 problem details. */
  toProblem(instance?: string): Record<string, unknown> {
    return { type: `urn:hoichan:error:${this.code}`, title: this.title, status: this.http, detail: this.message, code: this.code, ...(instance ? { instance } : {}), ...this.extra };
  }
}

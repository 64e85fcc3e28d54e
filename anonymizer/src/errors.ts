/** Error codes of the anonymizer; the CLI prints `code: message` and the gateway maps them to its HOI_ERR_* table. */
export const ANONYMIZER_ERRORS = {
  NOT_DICOM: 'input is not a DICOM file',
  UNREADABLE: 'DICOM file could not be parsed',
  BAD_OPTIONS: 'invalid de-identification options',
  BAD_KEY: 'site secret missing or too short',
  LEAK: 'identifying information found in the de-identified output',
} as const;

/** One of the keys of `ANONYMIZER_ERRORS`. */
export type AnonymizerErrorCode = keyof typeof ANONYMIZER_ERRORS;

/** Error thrown by the anonymizer library; `code` is stable, `message` is for humans and never holds PHI. */
export class AnonymizerError extends Error {
  readonly code: AnonymizerErrorCode;
  constructor(code: AnonymizerErrorCode, message?: string) {
    super(message ?? ANONYMIZER_ERRORS[code]);
    this.name = 'AnonymizerError';
    this.code = code;
  }
}

/** One attribute of the DICOM JSON model (PS3.18 F.2.2). */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

/** A dataset in the DICOM JSON model: 8-hex-digit tag → attribute (PS3.18 F.2). */
export type DicomJson = Record<string, DicomJsonAttribute>;

import type { DicomJson } from '../types';

/** DICOM tags the viewer reads, as the 8-hex keys of the JSON model. */
export const TAG = {
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  FrameTime: '00181063',
  CineRate: '00180040',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  FrameOfReferenceUID: '00200052',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  PixelData: '7FE00010',
  FloatPixelData: '7FE00008',
  DoubleFloatPixelData: '7FE00009',
} as const;

/** First value of an attribute as a string ('' when absent); person names give their Alphabetic group. */
export function str(ds: DicomJson | undefined, tag: string): string {
  const v = ds?.[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v);
}

/** All values of an attribute as strings. */
export function strs(ds: DicomJson | undefined, tag: string): string[] {
  return (ds?.[tag]?.Value ?? []).map((v) => (v && typeof v === 'object' ? String((v as { Alphabetic?: string }).Alphabetic ?? '') : String(v)));
}

/** First value as a number, or null. */
export function num(ds: DicomJson | undefined, tag: string): number | null {
  const v = ds?.[tag]?.Value?.[0];
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** All values as numbers (NaN dropped). */
export function nums(ds: DicomJson | undefined, tag: string): number[] {
  return (ds?.[tag]?.Value ?? []).map(Number).filter((n) => Number.isFinite(n));
}

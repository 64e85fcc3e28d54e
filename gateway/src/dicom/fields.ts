import type { DataSet } from 'dicom-parser';
import type { JsonContext } from './dicomJson.js';
import { firstString, integer, personName, stringValues } from './values.js';
import { resolveVr } from './vr.js';
import type { IndexFields } from './types.js';

/** The UIDs that identify an instance, already resolved (meta fallback, derived study/series). */
export interface InstanceUids {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/** The attributes the archive index holds, decoded (character set applied) and trimmed; absent → null. */
export function indexFields(ds: DataSet, ctx: JsonContext, uids: InstanceUids, transferSyntaxUid: string): IndexFields {
  const el = (tag: string) => ds.elements[tag];
  const str = (tag: string, set: DataSet = ds): string | null => {
    const e = set.elements[tag];
    return e ? firstString(e, resolveVr(e, ctx), ctx) : null;
  };
  const int = (tag: string): number | null => {
    const e = el(tag);
    return e ? integer(e, resolveVr(e, ctx), ctx) : null;
  };
  /** Alphabetic group of the first value, else the first group that has text (PS3.5 6.2.1.2). */
  const pn = (tag: string): string | null => {
    const e = el(tag);
    const v = e ? stringValues(e, 'PN', ctx)[0] : undefined;
    const name = v ? personName(v) : null;
    // A group of bare delimiters ("^^^^") names no one.
    const groups = name ? [name.Alphabetic, name.Ideographic, name.Phonetic] : [];
    return groups.find((g) => g !== undefined && !/^[\s^]*$/.test(g)) ?? null;
  };
  /** As written, all values: an empty first value of (0008,0005) is meaningful ("\\ISO 2022 IR 87"). */
  const raw = (tag: string): string | null => {
    const e = el(tag);
    return e ? ctx.bytes.toString('latin1', e.dataOffset, e.dataOffset + e.length).replace(/[\0 ]+$/, '') || null : null;
  };
  const request = ds.elements.x00400275?.items?.[0]?.dataSet;
  return {
    patientId: str('x00100020'),
    issuerOfPatientId: str('x00100021'),
    patientName: pn('x00100010'),
    patientBirthDate: str('x00100030'),
    patientSex: str('x00100040'),
    studyInstanceUid: uids.studyInstanceUid,
    studyDate: str('x00080020'),
    studyTime: str('x00080030'),
    accessionNumber: str('x00080050'),
    referringPhysicianName: pn('x00080090'),
    studyId: str('x00200010'),
    studyDescription: str('x00081030'),
    timezoneOffsetFromUtc: str('x00080201'),
    seriesInstanceUid: uids.seriesInstanceUid,
    modality: str('x00080060'),
    seriesNumber: int('x00200011'),
    seriesDescription: str('x0008103e'),
    seriesDate: str('x00080021'),
    seriesTime: str('x00080031'),
    performedProcedureStepStartDate: str('x00400244'),
    performedProcedureStepStartTime: str('x00400245'),
    scheduledProcedureStepId: request ? str('x00400009', request) : null,
    requestedProcedureId: request ? str('x00401001', request) : null,
    bodyPartExamined: str('x00180015'),
    sopClassUid: uids.sopClassUid,
    sopInstanceUid: uids.sopInstanceUid,
    instanceNumber: int('x00200013'),
    rows: int('x00280010'),
    columns: int('x00280011'),
    bitsAllocated: int('x00280100'),
    numberOfFrames: int('x00280008'),
    photometricInterpretation: str('x00280004'),
    contentDate: str('x00080023'),
    contentTime: str('x00080033'),
    specificCharacterSet: raw('x00080005'),
    transferSyntaxUid,
  };
}

/**
 * D action (PS3.15 E.1.1): "a non-zero length value that may be a dummy value and consistent with the VR".
 * The dummies say what happened and cannot be mistaken for data.
 */

/** Text used for dummy strings and names. */
export const DUMMY_TEXT = 'DEIDENTIFIED';

/** A dummy value list for `vr`, or undefined when the VR has no sensible dummy (UI is handled by U, SQ by D→[{}]). */
export function dummyValue(vr: string): unknown[] | undefined {
  switch (vr) {
    case 'PN':
      return [{ Alphabetic: DUMMY_TEXT }];
    case 'SH':
    case 'LO':
    case 'ST':
    case 'LT':
    case 'UT':
    case 'UC':
    case 'CS':
    case 'AE':
      return [DUMMY_TEXT];
    case 'UR':
      return ['urn:hoichan:deidentified'];
    case 'DA':
      return ['19000101'];
    case 'TM':
      return ['000000'];
    case 'DT':
      return ['19000101000000'];
    case 'AS':
      return ['000D'];
    case 'IS':
    case 'DS':
      return ['0'];
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'UV':
    case 'SV':
      return [0];
    case 'AT':
      return [0];
    case 'OB':
    case 'OW':
    case 'UN':
    case 'OF':
    case 'OD':
    case 'OL':
    case 'OV':
      return [new ArrayBuffer(8)]; // a multiple of every binary VR's unit size
    default:
      return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { HoiError } from '../errors.js';
import { parseWadoUri } from './wadoUri.js';

const base = { requestType: 'WADO', studyUID: '1.2.3', seriesUID: '1.2.3.4', objectUID: '1.2.3.4.5' };
const code = (q: Record<string, string | string[] | undefined>): string => {
  try {
    parseWadoUri(q);
    return 'ok';
  } catch (err) {
    return (err as HoiError).code;
  }
};

describe('parseWadoUri (PS3.18 URI service)', () => {
  it('takes the three UIDs and defaults to JPEG, frame 1, Explicit VR Little Endian', () => {
    expect(parseWadoUri(base)).toEqual({ studyUid: '1.2.3', seriesUid: '1.2.3.4', objectUid: '1.2.3.4.5', contentTypes: [], transferSyntax: '1.2.840.10008.1.2.1', frameNumber: 1 });
  });

  it('reads every rendering parameter it offers', () => {
    expect(parseWadoUri({ ...base, contentType: 'image/png;q=0.9, image/jpeg', windowCenter: '-600', windowWidth: '1500', rows: '256', columns: '300', frameNumber: '7', imageQuality: '75', region: '0.1,0.2,0.6,1', annotation: 'patient', charset: 'UTF-8' }))
      .toMatchObject({ contentTypes: ['image/png', 'image/jpeg'], window: { center: -600, width: 1500 }, rows: 256, columns: 300, frameNumber: 7, quality: 75, region: { left: 0.1, top: 0.2, right: 0.6, bottom: 1 } });
    expect(parseWadoUri({ ...base, contentType: 'application/dicom', transferSyntax: '*' })).toMatchObject({ contentTypes: ['application/dicom'], transferSyntax: '*' });
    // Unknown types beside a known one are skipped, as an Accept list would be.
    expect(parseWadoUri({ ...base, contentType: 'video/mpeg,image/gif' }).contentTypes).toEqual(['image/gif']);
  });

  it('refuses what is missing, malformed or not offered, each with its reason', () => {
    expect(code({ ...base, requestType: undefined })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, requestType: 'WADO-RS' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, objectUID: undefined })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, studyUID: 'NGUYEN^VAN^A' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, seriesUID: `1.${'2'.repeat(70)}` })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, objectUID: ['1.2', '1.3'] })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, windowCenter: '40' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, windowCenter: '40', windowWidth: '0' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, windowCenter: 'abc', windowWidth: '400' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, rows: '0' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, columns: '100000' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, frameNumber: '1.5' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, imageQuality: '101' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, transferSyntax: 'jpeg' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, region: '0.5,0,0.5,1' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, region: '0,0,1.5,1' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, region: '0,0,1' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, region: ',,,' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, presentationUID: '1.2.9' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, anonymize: 'yes' })).toBe('HOI_ERR_BAD_REQUEST');
    expect(code({ ...base, contentType: 'video/mpeg' })).toBe('HOI_ERR_NOT_ACCEPTABLE');
    expect(code({ ...base, contentType: 'text/html' })).toBe('HOI_ERR_NOT_ACCEPTABLE');
    expect(code(base)).toBe('ok');
  });
});

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
    type Change = Record<string, string | string[] | undefined>;
    const badRequest: Change[] = [
      { requestType: undefined }, { requestType: 'WADO-RS' }, { objectUID: undefined }, { studyUID: 'NGUYEN^VAN^A' },
      { seriesUID: `1.${'2'.repeat(70)}` }, { objectUID: ['1.2', '1.3'] },
      { windowCenter: '40' }, { windowCenter: '40', windowWidth: '0' }, { windowCenter: 'abc', windowWidth: '400' },
      { rows: '0' }, { columns: '100000' }, { frameNumber: '1.5' }, { imageQuality: '101' }, { transferSyntax: 'jpeg' },
      { region: '0.5,0,0.5,1' }, { region: '0,0,1.5,1' }, { region: '0,0,1' }, { region: ',,,' },
      { presentationUID: '1.2.9' }, { anonymize: 'yes' },
    ];
    const notAcceptable: Change[] = [{ contentType: 'video/mpeg' }, { contentType: 'text/html' }];
    for (const change of badRequest) expect(code({ ...base, ...change }), JSON.stringify(change)).toBe('HOI_ERR_BAD_REQUEST');
    for (const change of notAcceptable) expect(code({ ...base, ...change }), JSON.stringify(change)).toBe('HOI_ERR_NOT_ACCEPTABLE');
    expect(code(base)).toBe('ok');
  });
});

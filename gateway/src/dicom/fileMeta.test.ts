import { describe, expect, it } from 'vitest';
import { fileMetaPrefix } from '../dimse/part10.js';
import { datasetOffset, metaTransferSyntax, sameDataset } from './fileMeta.js';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const CT = '1.2.840.10008.5.1.4.1.1.2';
// (0008,0060) CS "CT", explicit VR little endian: a dataset is just bytes to these functions.
const dataset = Buffer.from([0x08, 0x00, 0x60, 0x00, 0x43, 0x53, 0x02, 0x00, 0x43, 0x54]);
const file = (ts: string, ae: string, ds = dataset) => Buffer.concat([fileMetaPrefix(CT, '1.2.3', ts, ae), ds]);

describe('file meta (PS3.10 7.1)', () => {
  it('finds where the dataset starts and which transfer syntax the meta names; a bare dataset has neither', () => {
    const f = file(EXPLICIT, 'MODALITY');
    expect(f.subarray(datasetOffset(f)).equals(dataset)).toBe(true);
    expect(metaTransferSyntax(f)).toBe(EXPLICIT);
    expect(datasetOffset(dataset)).toBe(0);
    expect(metaTransferSyntax(dataset)).toBeNull();
  });

  it('one dataset under two file metas is the same instance; other bytes or another transfer syntax are not', () => {
    expect(sameDataset(file(EXPLICIT, 'MODALITY'), file(EXPLICIT, 'PACS'))).toBe(true);
    expect(sameDataset(file(EXPLICIT, 'MODALITY'), file(IMPLICIT, 'MODALITY'))).toBe(false);
    const other = Buffer.from(dataset);
    other[9] = 0x52; // "CR"
    expect(sameDataset(file(EXPLICIT, 'MODALITY'), file(EXPLICIT, 'MODALITY', other))).toBe(false);
    expect(sameDataset(file(EXPLICIT, 'MODALITY'), file(EXPLICIT, 'MODALITY', Buffer.concat([dataset, Buffer.alloc(2)])))).toBe(false);
    expect(sameDataset(file(EXPLICIT, 'MODALITY'), dataset)).toBe(false);
  });
});

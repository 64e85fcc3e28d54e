import { describe, expect, it } from 'vitest';
import type { DicomJson } from '../../types';
import { buildSeriesDisplay, orderInstances, MPR_MIN_SLICES } from './seriesDisplay';
import { nearestFirst } from './StudyService';
import { normalizeInstanceMetadata } from './normalizeMetadata';

const ds = (o: { sop: string; n?: number; z?: number; frames?: number; modality?: string; rows?: number }): DicomJson => ({
  '00080018': { vr: 'UI', Value: [o.sop] },
  '00080060': { vr: 'CS', Value: [o.modality ?? 'CT'] },
  ...(o.n !== undefined ? { '00200013': { vr: 'IS', Value: [o.n] } } : {}),
  ...(o.z !== undefined ? { '00200032': { vr: 'DS', Value: [0, 0, o.z] }, '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] } } : {}),
  ...(o.frames ? { '00280008': { vr: 'IS', Value: [o.frames] } } : {}),
  ...(o.rows === 0 ? {} : { '00280010': { vr: 'US', Value: [o.rows ?? 4] }, '00280011': { vr: 'US', Value: [4] } }),
});

const summary = { studyUid: 'S', seriesUid: 'SE', modality: '', description: '' };
const id = (sop: string, f: number) => `wadors:/x/${sop}/frames/${f}`;

describe('series display', () => {
  it('orders by InstanceNumber when every instance has a distinct one', () => {
    expect(orderInstances([ds({ sop: 'b', n: 2, z: 0 }), ds({ sop: 'a', n: 1, z: 5 })]).map((i) => i.sopUid)).toEqual(['a', 'b']);
  });

  it('orders by position along the normal when numbers are missing or repeated, superior first', () => {
    const list = [ds({ sop: 'low', n: 1, z: -10 }), ds({ sop: 'high', n: 1, z: 10 }), ds({ sop: 'mid', n: 1, z: 0 })];
    expect(orderInstances(list).map((i) => i.sopUid)).toEqual(['high', 'mid', 'low']);
  });

  it('makes one image id per frame and registers frame 1 of each instance', () => {
    const registered: string[] = [];
    const d = buildSeriesDisplay(summary, [ds({ sop: 'mf', n: 1, frames: 3, modality: 'XA' })], id, (imageId) => registered.push(imageId));
    expect(d.imageIds).toEqual([id('mf', 1), id('mf', 2), id('mf', 3)]);
    expect(registered).toEqual([id('mf', 1)]);
    expect(d).toMatchObject({ multiFrame: true, reconstructable: false, renderable: true, hounsfield: false, modality: 'XA' });
  });

  it('offers MPR for CT with enough parallel slices, not for fewer', () => {
    const slices = (n: number) => Array.from({ length: n }, (_, k) => ds({ sop: `s${k}`, n: k + 1, z: k }));
    expect(buildSeriesDisplay(summary, slices(MPR_MIN_SLICES), id, () => {}).reconstructable).toBe(true);
    expect(buildSeriesDisplay(summary, slices(MPR_MIN_SLICES - 1), id, () => {}).reconstructable).toBe(false);
  });

  it('marks series without pixels (SR, ECG) as not renderable', () => {
    expect(buildSeriesDisplay(summary, [ds({ sop: 'sr', modality: 'SR', rows: 0 })], id, () => {}).renderable).toBe(false);
    expect(buildSeriesDisplay(summary, [ds({ sop: 'ecg', modality: 'ECG' })], id, () => {}).renderable).toBe(false);
  });

  it('loads nearest first from the starting image', () => {
    expect(nearestFirst([0, 1, 2, 3, 4, 5], 2)).toEqual([2, 3, 1, 4, 0, 5]);
    expect(nearestFirst([0, 1, 2], 0)).toEqual([0, 1, 2]);
    expect(nearestFirst([], 3)).toEqual([]);
  });
});

describe('metadata normalization for the wadors loader', () => {
  it('turns InlineBinary palette LUT data into numeric values', () => {
    const lut = new Uint16Array([0, 256, 65535]);
    const b64 = btoa(String.fromCharCode(...new Uint8Array(lut.buffer)));
    const m = normalizeInstanceMetadata({ '00281101': { vr: 'US', Value: [3, 0, 16] }, '00281201': { vr: 'OW', InlineBinary: b64 } });
    expect(m['00281201']).toEqual({ vr: 'OW', Value: [0, 256, 65535] });
  });

  it('fills a missing Modality and drops LINEAR / unknown VOI LUT functions', () => {
    expect(normalizeInstanceMetadata({})['00080060']).toEqual({ vr: 'CS', Value: ['OT'] });
    expect(normalizeInstanceMetadata({ '00281056': { vr: 'CS', Value: ['LINEAR'] } })['00281056']).toBeUndefined();
    expect(normalizeInstanceMetadata({ '00281056': { vr: 'CS', Value: ['bogus'] } })['00281056']).toBeUndefined();
    expect(normalizeInstanceMetadata({ '00281056': { vr: 'CS', Value: ['sigmoid '] } })['00281056']).toEqual({ vr: 'CS', Value: [['SIGMOID']] });
  });
});

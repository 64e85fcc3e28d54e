import { describe, expect, it } from 'vitest';
import type { DataSource } from '../../dataSource/DataSource';
import type { DicomJson, SeriesSummary } from '../../types';
import { preloadStudy } from './preload';
import { StudyService } from './StudyService';
import { pickDefaultSeries } from './seriesDisplay';

const series = (uid: string, modality: string, count: number): SeriesSummary => ({ studyUid: 'S', seriesUid: uid, modality, description: '', seriesNumber: null, instanceCount: count });
const instance = (sop: string): DicomJson => ({
  '00080018': { vr: 'UI', Value: [sop] },
  '00080060': { vr: 'CS', Value: ['CT'] },
  '00280010': { vr: 'US', Value: [4] },
  '00280011': { vr: 'US', Value: [4] },
});

/** A data source that counts its requests; `failMetadata` makes the first metadata request fail. */
function fakeSource(list: SeriesSummary[], opts: { failMetadata?: boolean } = {}) {
  const calls = { series: 0, metadata: [] as string[] };
  let fail = !!opts.failMetadata;
  const ds: DataSource = {
    id: 'fake',
    query: {
      studies: async () => ({ items: [], more: false }),
      series: async () => { calls.series++; return list; },
    },
    retrieve: {
      seriesMetadata: async (_study, seriesUid) => {
        calls.metadata.push(seriesUid);
        if (fail) { fail = false; throw new Error('boom'); }
        return [instance(`${seriesUid}.1`), instance(`${seriesUid}.2`)];
      },
      thumbnail: async () => null,
      frameImageId: (_st, se, sop, f) => `wadors:/x/${se}/${sop}/frames/${f}`,
    },
  };
  return { ds, calls };
}

const service = (ds: DataSource, preload?: ReturnType<typeof preloadStudy>) =>
  new StudyService({ dataSource: ds, registerMetadata: () => {}, prefetchImage: async () => {}, concurrency: 1, preload });

describe('study preload (issue 6: first requests before the viewer code loads)', () => {
  const list = [series('SR1', 'SR', 1), series('CT1', 'CT', 2), series('CT2', 'CT', 200)];

  it('picks the series the viewer shows first: the largest image series, not SR', () => {
    expect(pickDefaultSeries(list)?.seriesUid).toBe('CT2');
  });

  it('asks for the series list and the default series metadata without the viewer, and the viewer asks nothing again', async () => {
    const { ds, calls } = fakeSource(list);
    const pre = preloadStudy(ds, 'S');
    await pre.series;
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual({ series: 1, metadata: ['CT2'] });
    const study = service(ds, pre);
    const got = await study.series('S');
    const display = await study.display(pickDefaultSeries(got)!);
    expect(display.imageIds).toHaveLength(2);
    expect(calls).toEqual({ series: 1, metadata: ['CT2'] });
  });

  it('follows the series named in the route', async () => {
    const { ds, calls } = fakeSource(list);
    await preloadStudy(ds, 'S', 'CT1').metadata('CT1');
    expect(calls.metadata).toEqual(['CT1']);
  });

  it('fetches what was not preloaded (another study or series) and asks a failed preload again', async () => {
    const { ds, calls } = fakeSource(list, { failMetadata: true });
    const pre = preloadStudy(ds, 'S');
    const study = service(ds, pre);
    const display = await study.display(list[2]!);
    expect(display.imageIds).toHaveLength(2);
    expect(calls.metadata).toEqual(['CT2', 'CT2']);
    await study.display(list[1]!);
    expect(calls.metadata).toEqual(['CT2', 'CT2', 'CT1']);
    const other = service(ds, pre);
    await other.series('OTHER');
    expect(calls.series).toBe(2);
  });
});

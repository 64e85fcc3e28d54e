import { describe, expect, it, vi as vitest } from 'vitest';

vitest.stubGlobal('location', { href: 'http://gw.local:8080/', search: '' });
vitest.stubGlobal('navigator', { hardwareConcurrency: 8 });
vitest.stubGlobal('window', {});
const { loadConfig } = await import('./config');
const { parseRoute, routeHash, homeRoute } = await import('./app');

describe('config', () => {
  it('defaults to the gateway next to the page', () => {
    const c = loadConfig('', {});
    expect(c).toMatchObject({ dicomWebRoot: 'http://gw.local:8080/dicom-web', apiRoot: '/api', auth: 'gateway', lang: 'vi', maxWebWorkers: 4 });
  });

  it('takes another DICOMweb server and auth mode from the query string (benchmark against Orthanc)', () => {
    const c = loadConfig('?dicomweb=http://127.0.0.1:8042/dicom-web/&auth=none&lang=en&workers=2&prefetch=3', {});
    expect(c).toMatchObject({ dicomWebRoot: 'http://127.0.0.1:8042/dicom-web', auth: 'none', lang: 'en', maxWebWorkers: 2, prefetchConcurrency: 3 });
  });
});

describe('routes', () => {
  it('parses and formats hash routes', () => {
    expect(parseRoute('#/view/1.2.3/4.5')).toEqual({ name: 'view', studyUid: '1.2.3', seriesUid: '4.5' });
    expect(parseRoute('#/login')).toEqual({ name: 'login' });
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#/studies')).toEqual({ name: 'studies' });
    expect(routeHash({ name: 'view', studyUid: '1.2.3' })).toBe('#/view/1.2.3');
  });

  it('parses the worklist routes and round-trips them', () => {
    const routes = [
      { name: 'consults' }, { name: 'newConsult' }, { name: 'consult', consultId: 'c 1' }, { name: 'audit' },
      { name: 'view', consultId: 'c1', packId: 'pk01', studyUid: '1.2.3', seriesUid: '4.5' },
    ] as const;
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
    expect(parseRoute('#/consults/c1/view/pk01/1.2.3')).toEqual({ name: 'view', consultId: 'c1', packId: 'pk01', studyUid: '1.2.3', seriesUid: undefined });
  });

  it('starts worklist users on the consult list, admins on the study list', () => {
    expect(homeRoute(['consultant_expert'])).toEqual({ name: 'consults' });
    expect(homeRoute(['admin'])).toEqual({ name: 'studies' });
    expect(homeRoute([])).toEqual({ name: 'studies' });
  });
});

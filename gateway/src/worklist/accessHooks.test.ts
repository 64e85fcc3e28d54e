import { describe, expect, it } from 'vitest';
import type { Notification } from '@hoichan/worklist';
import { dicomWebObject } from './accessHooks.js';
import { addressedTo, LiveFeed } from './liveFeed.js';

describe('dicomWebObject (G-2.11: what an image access is logged against)', () => {
  it('names the deepest UID of the path and never the query string', () => {
    expect(dicomWebObject('/dicom-web/studies/1.2/series/3.4/instances/5.6/frames/1')).toEqual({ objectType: 'instance', objectId: '5.6' });
    expect(dicomWebObject('/dicom-web/studies/1.2/series/3.4/metadata')).toEqual({ objectType: 'series', objectId: '3.4' });
    expect(dicomWebObject('/dicom-web/studies/1.2?includefield=all')).toEqual({ objectType: 'study', objectId: '1.2' });
    expect(dicomWebObject('/dicom-web/studies?PatientName=NGUYEN*')).toEqual({ objectType: 'query', objectId: '/dicom-web/studies' });
  });
});

describe('LiveFeed (G-3.4: the people concerned see new steps)', () => {
  const n: Notification = { kind: 'consult.submitted', consultId: 'c1', state: 'submitted', urgent: true, to: [{ userId: 'bs.lan' }, { facilityId: 'tw', role: 'consulting_coordinator' }] };
  it('addresses users by id, or by a role they hold at their facility', () => {
    expect(addressedTo(n, { userId: 'bs.lan', facilityId: 'huyen', roles: ['requesting_doctor'] })).toBe(true);
    expect(addressedTo(n, { userId: 'khth.ha', facilityId: 'tw', roles: ['consulting_coordinator'] })).toBe(true);
    expect(addressedTo(n, { userId: 'x', facilityId: 'other', roles: ['consulting_coordinator'] })).toBe(false);
    expect(addressedTo(n, { userId: 'cg', facilityId: 'tw', roles: ['consultant_expert'] })).toBe(false);
  });
  it('delivers to subscribers it addresses, until they unsubscribe', async () => {
    const feed = new LiveFeed();
    const got: string[] = [];
    const off = feed.subscribe({ userId: 'khth.ha', facilityId: 'tw', roles: ['consulting_coordinator'] }, (e) => got.push(`${e.kind}:${e.urgent}`));
    feed.subscribe({ userId: 'it', facilityId: 'tw', roles: ['it_technician'] }, (e) => got.push(`it:${e.kind}`));
    await feed.notify([n]);
    off();
    await feed.notify([n]);
    expect(got).toEqual(['consult.submitted:true']);
  });
});

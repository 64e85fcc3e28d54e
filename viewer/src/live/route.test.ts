import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from '../app';

describe('live routes', () => {
  it('parses the room, the room with a study, and the connection test, and writes them back', () => {
    expect(parseRoute('#/live/hc-1')).toEqual({ name: 'live', consultId: 'hc-1', studyUid: undefined });
    expect(parseRoute('#/live/hc-1/1.2.3')).toEqual({ name: 'live', consultId: 'hc-1', studyUid: '1.2.3' });
    expect(parseRoute('#/live/hc-1/test')).toEqual({ name: 'live', consultId: 'hc-1', test: true });
    expect(parseRoute('#/live')).not.toMatchObject({ name: 'live' });
    for (const h of ['#/live/hc-1', '#/live/hc-1/1.2.3', '#/live/hc-1/test', '#/live/a%2Fb']) expect(routeHash(parseRoute(h))).toBe(h);
  });
});

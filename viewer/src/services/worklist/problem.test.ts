import { describe, expect, it } from 'vitest';
import { problemFrom } from './problem';
import { parseEvent } from './WorklistClient';

describe('server refusals and events', () => {
  it('reads problem+json with the worklist reason, guard and rule', async () => {
    const res = new Response(JSON.stringify({ type: 'urn:hoichan:error:HOI_ERR_UNPROCESSABLE', title: 'Unprocessable', status: 422, detail: 'd', code: 'HOI_ERR_UNPROCESSABLE', reason: 'the case summary lacks: history', guard: 'caseSummaryComplete', rule: 'G-3.2' }), { status: 422, headers: { 'content-type': 'application/problem+json' } });
    const p = await problemFrom(res);
    expect(p.status).toBe(422);
    expect(p.explanation).toBe('the case summary lacks: history');
    expect(p.extra).toMatchObject({ guard: 'caseSummaryComplete', rule: 'G-3.2', code: 'HOI_ERR_UNPROCESSABLE' });
  });

  it('keeps a plain-text error body as the detail', async () => {
    const p = await problemFrom(new Response('upstream down', { status: 502, statusText: 'Bad Gateway' }));
    expect(p.title).toBe('Bad Gateway');
    expect(p.explanation).toBe('upstream down');
  });

  it('parses notification events', () => {
    expect(parseEvent('notification', '{"kind":"consult.submitted","consultId":"c1","state":"submitted"}')).toMatchObject({ type: 'notification', consultId: 'c1' });
    expect(parseEvent(undefined, 'not json')).toEqual({ type: 'message', consultId: undefined, data: 'not json' });
  });
});

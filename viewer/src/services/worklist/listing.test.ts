import { describe, expect, it } from 'vitest';
import { viewFor } from '@worklist/policy/viewFor';
import { CAST, consultIn } from '@worklist/testing/index';
import { ACTIVE_STATES, sortConsults } from './listing';
import type { ConsultItem } from './types';

const item = (id: string, state: 'submitted' | 'closed', urgency: 'routine' | 'emergency'): ConsultItem => {
  const v = viewFor(CAST.conCoordinator, { ...consultIn(state).consult, id, urgency })!;
  return v;
};

describe('consult list order', () => {
  it('puts open emergencies first and keeps the server order otherwise', () => {
    const list = [item('a', 'submitted', 'routine'), item('b', 'submitted', 'emergency'), item('c', 'closed', 'emergency'), item('d', 'submitted', 'routine'), item('e', 'submitted', 'emergency')];
    expect(sortConsults(list).map((c) => c.id)).toEqual(['b', 'e', 'a', 'c', 'd']);
  });

  it('counts every non-final state as active', () => {
    expect(ACTIVE_STATES).toContain('draft');
    expect(ACTIVE_STATES).toContain('signed');
    expect(ACTIVE_STATES).not.toContain('closed');
    expect(ACTIVE_STATES).not.toContain('cancelled');
  });
});

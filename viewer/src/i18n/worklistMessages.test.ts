import { describe, expect, it } from 'vitest';
import { GUARDS } from '@worklist/consult/guards';
import { COMMAND_TYPES } from '@worklist/consult/events';
import { CONSULT_STATES, ROLES } from '@worklist/model/index';
import { vi, en } from './dictionary';

describe('worklist messages', () => {
  it('name every state, command, role and guard of the worklist in both languages', () => {
    const keys = [
      ...CONSULT_STATES.map((s) => `state.${s}`),
      ...COMMAND_TYPES.map((c) => `cmd.${c}`),
      ...ROLES.map((r) => `role.${r}`),
      ...Object.keys(GUARDS).map((g) => `guard.${g}`),
    ];
    const missing = keys.filter((k) => !(k in vi) || !(k in en));
    expect(missing).toEqual([]);
  });
});

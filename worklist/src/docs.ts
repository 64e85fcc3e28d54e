import { GUARDS } from './consult/guards.js';
import { MACHINE } from './consult/machine.js';
import type { CommandType } from './consult/events.js';
import { CONSULT_STATES, ROLES } from './model/index.js';
import { ACCESS_MATRIX, ACTIONS } from './policy/matrix.js';

const ABBR: Record<string, string> = {
  never: '·',
  always: 'all',
  ownFacility: 'own',
  requestingSide: 'REQ',
  consultingSide: 'CON',
  eitherSide: 'both',
  invited: 'inv',
};

/** The access matrix (G-2.9) as a Markdown table, actions down, roles across (README, gateway docs). */
export function accessMatrixMarkdown(): string {
  const head = `| action | ${ROLES.join(' | ')} |`;
  const sep = `|---|${ROLES.map(() => ':-:').join('|')}|`;
  const rows = ACTIONS.map((a) => `| \`${a}\` | ${ROLES.map((r) => ABBR[ACCESS_MATRIX[r][a]]).join(' | ')} |`);
  return [head, sep, ...rows].join('\n');
}

/** Every guard with its rule, status and meaning, as a Markdown table. */
export function guardsMarkdown(): string {
  const used = (name: string): string[] =>
    CONSULT_STATES.flatMap((s) =>
      (Object.entries(MACHINE.states[s].on) as [CommandType, { guards: readonly string[] }][])
        .filter(([, t]) => t.guards.includes(name))
        .map(([c]) => c),
    ).filter((c, i, all) => all.indexOf(c) === i);
  const rows = Object.values(GUARDS).map((g) => {
    const where = used(g.name);
    return `| \`${g.name}\` | ${g.rule} | ${g.status} | ${g.description} | ${where.length ? where.join(', ') : 'authorization, before the state check'} |`;
  });
  return ['| guard | rule | status | checks | on |', '|---|---|:-:|---|---|', ...rows].join('\n');
}

/** The state table: state, its guideline step, and command → target(s). */
export function machineMarkdown(): string {
  const rows = CONSULT_STATES.map((s) => {
    const on = Object.entries(MACHINE.states[s].on) as [string, { targets: readonly string[] }][];
    return `| \`${s}\` | ${MACHINE.states[s].step} | ${on.map(([c, t]) => `${c} → ${t.targets.join(' / ')}`).join('<br>') || '—'} |`;
  });
  return ['| state | step | command → next state |', '|---|---|---|', ...rows].join('\n');
}

import type { ConsultState, Urgency } from '../../services/worklist/types';
import { h } from '../../ui/dom';

/** The consult's state as a coloured label (text, not colour alone, carries the meaning). */
export function stateBadge(state: ConsultState): HTMLElement {
  return h('span', { class: `badge state state-${state}`, 'data-state': state, i18n: `state.${state}` });
}

/** "Cấp cứu" for emergencies (G-3.4); nothing for routine consults. */
export function urgencyBadge(urgency: Urgency): HTMLElement | null {
  return urgency === 'emergency' ? h('span', { class: 'badge badge-emergency', 'data-urgency': 'emergency', i18n: 'urgency.emergency' }) : null;
}

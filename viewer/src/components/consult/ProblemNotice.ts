import { ApiProblem } from '../../services/worklist/problem';
import { t, type MessageKey } from '../../i18n/i18n';
import { h } from '../../ui/dom';

/**
 * The server's refusal, in its own words: the reason (e.g. "the case summary lacks: history"), then the
 * guideline rule and the failed check when the server names them (403/409/422 of the worklist API).
 */
export function problemNotice(err: unknown): HTMLElement {
  const box = h('div', { class: 'problem', role: 'alert', 'data-testid': 'problem' });
  if (err instanceof ApiProblem) {
    const reason = err.status === 0 ? t('error.network') : err.explanation;
    box.dataset.status = String(err.status);
    if (err.extra.guard) box.dataset.guard = err.extra.guard;
    // The check's meaning in the user's language first, then the server's own words.
    const key = `guard.${err.extra.guard ?? ''}` as MessageKey;
    const local = err.extra.guard && t(key) !== key ? t(key) : null;
    box.append(h('p', { class: 'problem-reason' }, t('consult.refused', { reason: local ?? reason })));
    if (local && reason) box.append(h('p', { class: 'problem-detail', lang: 'en' }, reason));
    const meta: string[] = [];
    if (err.extra.rule) meta.push(t('consult.refusedRule', { rule: err.extra.rule }));
    if (err.extra.guard) meta.push(t('consult.refusedGuard', { guard: err.extra.guard }));
    if (err.status) meta.push(`HTTP ${err.status}`);
    box.append(h('p', { class: 'problem-meta' }, meta.join(' · ')));
  } else {
    box.append(h('p', { class: 'problem-reason' }, t('consult.refused', { reason: err instanceof Error ? err.message : String(err) })));
  }
  return box;
}

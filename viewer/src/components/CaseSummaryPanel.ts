import type { CaseSummary } from '../types';
import type { MessageKey } from '../i18n/i18n';
import { h, clear, bindI18n } from '../ui/dom';
import { icon } from '../ui/icons';

/** The fields shown, in the order of the case summary (G-2.2, G-3.2). */
const FIELDS: { key: keyof CaseSummary; label: MessageKey }[] = [
  { key: 'ageSex', label: 'case.ageSex' },
  { key: 'history', label: 'case.history' },
  { key: 'pastHistory', label: 'case.pastHistory' },
  { key: 'examination', label: 'case.examination' },
  { key: 'paraclinical', label: 'case.paraclinical' },
  { key: 'preliminaryDiagnosis', label: 'case.preliminaryDiagnosis' },
  { key: 'treatmentSoFar', label: 'case.treatmentSoFar' },
  { key: 'question', label: 'case.question' },
  { key: 'minutesDraft', label: 'case.minutesDraft' },
];

export interface CaseSummaryPanelOptions {
  collapsed?: boolean;
  onToggle?: (collapsed: boolean) => void;
}

let seq = 0;

/**
 * The collapsible right-hand panel that keeps the consult's case summary beside the images (G-1.4): the
 * pack's pseudonym, history, examination, paraclinical results, preliminary diagnosis, the question and the
 * minutes draft. It only ever receives a {@link CaseSummary}, which has no identity fields (G-2.3). Text is
 * set as text, never as HTML.
 */
export class CaseSummaryPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private collapsed: boolean;

  constructor(private readonly opts: CaseSummaryPanelOptions = {}) {
    const id = `case-summary-${++seq}`;
    this.collapsed = !!opts.collapsed;
    this.toggle = h('button', { type: 'button', class: 'icon-button case-toggle', 'aria-controls': `${id}-body`, onclick: () => this.setCollapsed(!this.collapsed) }, icon('panel'));
    const heading = h('h2', { id: `${id}-heading`, class: 'panel-heading', i18n: 'case.heading' });
    this.body = h('div', { id: `${id}-body`, class: 'case-body' });
    this.element = h('aside', { class: 'case-summary', 'aria-labelledby': `${id}-heading`, 'data-testid': 'case-summary' },
      h('div', { class: 'panel-header' }, heading, this.toggle),
      this.body);
    this.update(null);
    this.setCollapsed(this.collapsed, false);
  }

  /** Shows `summary`, or the "not linked to a consult" note when null. */
  update(summary: CaseSummary | null): void {
    clear(this.body);
    if (!summary) {
      this.body.append(h('p', { class: 'muted', i18n: 'case.empty' }));
      return;
    }
    const pseudo = h('div', { class: 'case-pseudonym' },
      h('span', { class: 'label', i18n: 'case.pseudonym' }),
      h('strong', { 'data-field': 'pseudonym' }, summary.pseudonym));
    if (summary.emergency) pseudo.append(h('span', { class: 'badge badge-emergency', i18n: 'case.emergency' }));
    const dl = h('dl', { class: 'case-fields' });
    for (const f of FIELDS) {
      const value = summary[f.key];
      // Fields a summary does not carry at all (older hand-made ones) are left out; empty ones show a dash.
      if (value === undefined && (f.key === 'minutesDraft' || f.key === 'pastHistory' || f.key === 'treatmentSoFar' || f.key === 'ageSex')) continue;
      if (f.key === 'minutesDraft' && !value) continue;
      dl.append(h('dt', { i18n: f.label }), h('dd', { 'data-field': f.key, class: value ? '' : 'muted' }, value ? String(value) : '—'));
    }
    this.body.append(pseudo, dl);
  }

  /** Collapses to a narrow strip (the images get the width) or expands. */
  setCollapsed(collapsed: boolean, notify = true): void {
    this.collapsed = collapsed;
    this.element.classList.toggle('collapsed', collapsed);
    this.toggle.setAttribute('aria-expanded', String(!collapsed));
    this.body.hidden = collapsed;
    bindI18n(this.toggle, { i18nAttr: { 'aria-label': collapsed ? 'case.expand' : 'case.collapse', title: collapsed ? 'case.expand' : 'case.collapse' } });
    if (notify) this.opts.onToggle?.(collapsed);
  }

  get isCollapsed(): boolean {
    return this.collapsed;
  }
}

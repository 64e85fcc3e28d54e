import type { MessageKey } from '../../i18n/i18n';
import type { ConsultCaseSummary } from '../../services/worklist/types';
import { h } from '../../ui/dom';

/** The case summary's fields in the order of G-3.2 (tóm tắt bệnh án), all required but `other`. */
export const SUMMARY_FIELDS: readonly { key: keyof ConsultCaseSummary; label: MessageKey; required: boolean }[] = [
  { key: 'history', label: 'case.history', required: true },
  { key: 'pastHistory', label: 'case.pastHistory', required: true },
  { key: 'examination', label: 'case.examination', required: true },
  { key: 'paraclinical', label: 'case.paraclinical', required: true },
  { key: 'preliminaryDiagnosis', label: 'case.preliminaryDiagnosis', required: true },
  { key: 'treatmentSoFar', label: 'case.treatmentSoFar', required: true },
  { key: 'question', label: 'case.question', required: true },
  { key: 'other', label: 'case.other', required: false },
];

let seq = 0;

/**
 * The case summary fields as labelled text areas (G-2.2, G-3.2), filled from `initial`. The required ones are
 * marked, but a draft may be saved incomplete: the server's `caseSummaryComplete` check refuses the submission
 * and names what is missing. `read()` returns only the fields the user changed or filled.
 */
export class CaseSummaryFields {
  readonly element: HTMLElement;
  private readonly areas = new Map<keyof ConsultCaseSummary, HTMLTextAreaElement>();

  constructor(initial: Partial<ConsultCaseSummary> = {}, legend?: MessageKey) {
    const n = ++seq;
    this.element = h('fieldset', { class: 'summary-fields', 'data-testid': 'summary-form' });
    if (legend) this.element.append(h('legend', { i18n: legend }));
    for (const f of SUMMARY_FIELDS) {
      const id = `summary-${n}-${f.key}`;
      const ta = h('textarea', { id, name: f.key, rows: f.key === 'question' ? 2 : 3, 'aria-required': f.required ? 'true' : undefined, 'data-summary-field': f.key });
      ta.value = initial[f.key] ?? '';
      this.areas.set(f.key, ta);
      const label = h('label', { for: id, i18n: f.label });
      if (f.required) label.append(h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'));
      this.element.append(h('div', { class: `field${f.key === 'question' ? ' question' : ''}` }, label, ta));
    }
  }

  /** The non-empty fields, trimmed. */
  read(): Partial<ConsultCaseSummary> {
    const out: Partial<Record<keyof ConsultCaseSummary, string>> = {};
    for (const [k, ta] of this.areas) {
      const v = ta.value.trim();
      if (v) out[k] = v;
    }
    return out;
  }
}

import { MIN_BANDWIDTH_MBPS } from '@worklist/consult/actions';
import type { Actor, Command, ConsultItem } from '../../services/worklist/types';
import { initialValues, openQuestions, type CommandFormSpec, type FieldSpec, type FormValues } from '../../services/worklist/commandForms';
import { t } from '../../i18n/i18n';
import { h } from '../../ui/dom';
import { problemNotice } from './ProblemNotice';

let seq = 0;

export interface CommandFormOptions {
  spec: CommandFormSpec;
  actor: Actor;
  view: ConsultItem;
  /** Sends the command; resolves with the consult as it now is, or rejects with the server's problem. */
  send: (command: Command) => Promise<void>;
}

/**
 * One command of the consult as a small form: its fields (labelled, required ones marked for assistive
 * technology too), a submit button named after the command, and below it the server's answer: the refusal's
 * reason, rule and check when it says no.
 */
export function commandForm(opts: CommandFormOptions): HTMLElement {
  const { spec, view } = opts;
  const id = `cmd-${spec.type}-${++seq}`;
  const initial = initialValues(spec.type, view);
  const controls = new Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLTextAreaElement[]>();
  const form = h('form', { class: `command-form${spec.danger ? ' danger' : ''}`, 'data-command': spec.type, 'aria-labelledby': `${id}-title`, novalidate: true });
  form.append(h('h3', { id: `${id}-title`, class: 'command-title', i18n: `cmd.${spec.type}` }));
  for (const f of spec.fields) form.append(field(f, `${id}-${f.name}`, initial[f.name] ?? '', view, controls));
  const button = h('button', { type: 'submit', class: `button ${spec.danger ? 'danger' : 'primary'}`, 'data-command-submit': spec.type, i18n: `cmd.${spec.type}` });
  const answer = h('div', { class: 'command-answer', 'aria-live': 'polite' });
  form.append(button, answer);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      answer.replaceChildren();
      const missing = spec.fields.find((f) => f.required && isEmpty(controls.get(f.name)));
      if (missing) {
        const c = controls.get(missing.name);
        (Array.isArray(c) ? c[0] : c)?.focus();
        answer.append(h('p', { class: 'form-error', role: 'alert' }, t('form.required', { field: t(missing.label) })));
        return;
      }
      button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      try {
        await opts.send(spec.build(values(controls), { actor: opts.actor, view }));
      } catch (err) {
        answer.append(problemNotice(err));
      } finally {
        button.disabled = false;
        form.removeAttribute('aria-busy');
      }
    })();
  });
  return form;
}

function isEmpty(c: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLTextAreaElement[] | undefined): boolean {
  if (!c) return true;
  if (Array.isArray(c)) return c.length === 0 || c.some((x) => !x.value.trim());
  return !c.value.trim();
}

function values(controls: Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLTextAreaElement[]>): FormValues {
  const out: Record<string, string | string[]> = {};
  for (const [k, c] of controls) out[k] = Array.isArray(c) ? c.map((x) => x.value) : c.value;
  return out;
}

function field(
  f: FieldSpec,
  id: string,
  value: string,
  view: ConsultItem,
  controls: Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLTextAreaElement[]>,
): HTMLElement {
  const hintId = f.hint ? `${id}-hint` : undefined;
  const label = h('label', { for: id, i18n: f.label });
  if (f.required) label.append(h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'));
  const common = { id, name: f.name, 'aria-describedby': hintId, 'aria-required': f.required ? 'true' : undefined };
  let control: HTMLElement;
  switch (f.kind) {
    case 'select': {
      const s = h('select', common, ...(f.options ?? []).map((o) => h('option', { value: o.value, i18n: o.label })));
      if (value) s.value = value;
      controls.set(f.name, s);
      control = s;
      break;
    }
    case 'answers': {
      const boxes = openQuestions(view).map((q, i) => {
        const ta = h('textarea', { id: `${id}-${i}`, name: `${f.name}-${i}`, rows: 2, 'aria-required': 'true' });
        return { q, ta, i };
      });
      controls.set(f.name, boxes.map((b) => b.ta));
      return h('fieldset', { class: 'field answers' }, h('legend', { i18n: f.label }),
        ...boxes.map((b) => h('div', { class: 'field' }, h('label', { for: `${id}-${b.i}`, i18n: 'field.answerTo', i18nParams: { question: b.q } }), b.ta)));
    }
    case 'textarea':
    case 'lines':
    case 'userPairs': {
      const ta = h('textarea', { ...common, rows: f.kind === 'textarea' ? 3 : 3 });
      ta.value = value;
      controls.set(f.name, ta);
      control = ta;
      break;
    }
    default: {
      const type = f.kind === 'datetime' ? 'datetime-local' : f.kind === 'number' ? 'number' : 'text';
      const input = h('input', { ...common, type, ...(f.kind === 'number' ? { min: 0, step: 'any', inputmode: 'decimal' } : {}) });
      input.value = value;
      controls.set(f.name, input);
      control = input;
    }
  }
  const wrap = h('div', { class: 'field' }, label, control);
  if (f.hint) wrap.append(h('span', { id: hintId, class: 'hint', i18n: f.hint, i18nParams: { min: MIN_BANDWIDTH_MBPS } }));
  return wrap;
}

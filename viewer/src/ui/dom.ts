import { t, type MessageKey } from '../i18n/i18n';

type Child = Node | string | null | undefined | false;
type Params = Record<string, string | number>;

/** Attributes for {@link h}: plain attributes, `on*` listeners, and i18n bindings that follow a language switch. */
export interface Attrs {
  [attr: string]: unknown;
  /** Text content from the dictionary (kept in sync with the language). */
  i18n?: MessageKey;
  /** Attributes from the dictionary, e.g. `{ 'aria-label': 'tool.wl.long' }`. */
  i18nAttr?: Record<string, MessageKey>;
  /** Placeholder values for `i18n` and `i18nAttr`. */
  i18nParams?: Params;
}

/** Creates an element: `h('button', { class: 'x', onclick: fn, i18n: 'login.submit' }, child…)`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'i18n' || k === 'i18nAttr' || k === 'i18nParams') continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'dataset' && typeof v === 'object') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  bindI18n(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Binds an element's text and attributes to dictionary keys (see {@link applyI18n}). */
export function bindI18n(el: HTMLElement, b: Pick<Attrs, 'i18n' | 'i18nAttr' | 'i18nParams'>): void {
  if (b.i18nParams) el.dataset.i18nParams = JSON.stringify(b.i18nParams);
  const params = b.i18nParams ?? (el.dataset.i18nParams ? (JSON.parse(el.dataset.i18nParams) as Params) : {});
  if (b.i18n) {
    el.dataset.i18n = b.i18n;
    el.textContent = t(b.i18n, params);
  }
  if (b.i18nAttr) {
    el.dataset.i18nAttr = Object.entries(b.i18nAttr).map(([a, key]) => `${a}:${key}`).join(';');
    for (const [a, key] of Object.entries(b.i18nAttr)) el.setAttribute(a, t(key, params));
  }
}

/** Updates the placeholders of an i18n-bound element and re-translates it. */
export function setI18nParams(el: HTMLElement, params: Params): void {
  el.dataset.i18nParams = JSON.stringify(params);
  const key = el.dataset.i18n as MessageKey | undefined;
  if (key) el.textContent = t(key, params);
  if (el.dataset.i18nAttr) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [a, k] = pair.split(':');
      if (a && k) el.setAttribute(a, t(k as MessageKey, params));
    }
  }
}

/** Removes every child of `el`. */
export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

import { vi, en, type Dictionary, type MessageKey } from './dictionary';
import type { Lang } from '../types';

export type { MessageKey };

const DICTIONARIES: Record<Lang, Dictionary> = { vi, en };
const STORAGE_KEY = 'hoichan.lang';
let current: Lang = 'vi';
const listeners = new Set<(lang: Lang) => void>();

/** The current UI language. */
export function getLang(): Lang {
  return current;
}

/** The message for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = DICTIONARIES[current][key] ?? vi[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Language at start: the user's stored choice, else the configured one. */
export function initialLang(configured: Lang): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'vi' || stored === 'en') return stored;
  } catch { /* storage disabled */ }
  return configured;
}

/**
 * Switches the language: updates `<html lang>`, the title, every element marked with `data-i18n*` under
 * `document`, and tells the subscribers (screens re-render what they format themselves).
 */
export function setLang(lang: Lang, opts: { persist?: boolean } = {}): void {
  current = lang;
  document.documentElement.lang = lang;
  document.title = t('app.title');
  if (opts.persist !== false) {
    try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* storage disabled */ }
  }
  applyI18n(document.body);
  for (const l of listeners) l(lang);
}

/** Calls `fn` after every language switch; returns the unsubscribe function. */
export function onLangChange(fn: (lang: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Re-translates marked elements: `data-i18n="key"` sets textContent, `data-i18n-attr="aria-label:key;title:key"`
 * sets attributes, `data-i18n-params` (JSON) fills placeholders of both.
 */
export function applyI18n(root: ParentNode): void {
  const nodes = root.querySelectorAll<HTMLElement>('[data-i18n],[data-i18n-attr]');
  for (const el of nodes) translateElement(el);
  if (root instanceof HTMLElement && (root.dataset.i18n || root.dataset.i18nAttr)) translateElement(root);
}

function translateElement(el: HTMLElement): void {
  const params = el.dataset.i18nParams ? (JSON.parse(el.dataset.i18nParams) as Record<string, string | number>) : {};
  if (el.dataset.i18n) el.textContent = t(el.dataset.i18n as MessageKey, params);
  if (el.dataset.i18nAttr) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr, t(key as MessageKey, params));
    }
  }
}

/** Formats a DICOM date (YYYYMMDD) for the current language: 14/03/2024 in both (Vietnamese order). */
export function formatDicomDate(d: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d.trim());
  if (!m) return d;
  return `${m[3]}/${m[2]}/${m[1]}`;
}

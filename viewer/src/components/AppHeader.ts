import type { Lang } from '../types';
import { getLang, setLang, onLangChange } from '../i18n/i18n';
import { h, clear } from '../ui/dom';

export interface AppHeaderOptions {
  /** Username to show, or null when nobody is logged in. */
  user: string | null;
  onLogout?: () => void;
  /** Extra controls on the left after the brand (e.g. "back to the list"). */
  start?: Node[];
}

/**
 * The top bar of every screen: product name, screen-specific controls, the language switch (VI | EN,
 * Vietnamese first) and the user with a logout button.
 */
export class AppHeader {
  readonly element: HTMLElement;
  private readonly langButtons = new Map<Lang, HTMLButtonElement>();
  private readonly offLang: () => void;

  constructor(opts: AppHeaderOptions) {
    const langGroup = h('div', { class: 'lang-switch', role: 'group', i18nAttr: { 'aria-label': 'lang.switch' } });
    for (const lang of ['vi', 'en'] as const) {
      const b = h('button', {
        type: 'button', class: 'lang-button', lang, 'data-lang': lang,
        i18n: `lang.short.${lang}`, i18nAttr: { 'aria-label': `lang.${lang}`, title: `lang.${lang}` },
        onclick: () => setLang(lang),
      });
      this.langButtons.set(lang, b);
      langGroup.append(b);
    }
    const end = h('div', { class: 'header-end' }, langGroup);
    if (opts.user) {
      end.append(h('span', { class: 'user-name', i18n: 'nav.user', i18nParams: { name: opts.user } }));
      if (opts.onLogout) end.append(h('button', { type: 'button', class: 'button ghost', i18n: 'nav.logout', onclick: opts.onLogout }));
    }
    const start = h('div', { class: 'header-start' }, h('span', { class: 'brand', i18n: 'app.name' }));
    for (const n of opts.start ?? []) start.append(n);
    this.element = h('header', { class: 'app-header' }, start, end);
    this.offLang = onLangChange(() => this.sync());
    this.sync();
  }

  private sync(): void {
    for (const [lang, b] of this.langButtons) b.setAttribute('aria-pressed', String(lang === getLang()));
  }

  /** Replaces the screen-specific controls. */
  setStart(nodes: Node[]): void {
    const start = this.element.querySelector('.header-start')!;
    clear(start);
    start.append(h('span', { class: 'brand', i18n: 'app.name' }), ...nodes);
  }

  dispose(): void {
    this.offLang();
  }
}

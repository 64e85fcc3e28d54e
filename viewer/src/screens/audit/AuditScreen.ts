import type { AppContext, Screen } from '../Screen';
import { AppHeader } from '../../components/AppHeader';
import { mainNav } from '../../components/MainNav';
import { problemNotice } from '../../components/consult/ProblemNotice';
import type { AuditQuery } from '../../services/worklist/WorklistClient';
import type { AuditEntry } from '../../services/worklist/types';
import { formatDateTime } from '../../i18n/formatTime';
import { t, type MessageKey } from '../../i18n/i18n';
import { h, bindI18n } from '../../ui/dom';

const PAGE = 100;

/**
 * The audit log (G-2.11) for directors (their hospital's entries, the server enforces it) and admins (all):
 * who did what to which object, with the outcome; filters by user, object, action and outcome; paged with
 * "load more" (afterSeq).
 */
export class AuditScreen implements Screen {
  private header: AppHeader | null = null;
  private readonly abort = new AbortController();
  private tbody!: HTMLTableSectionElement;
  private status!: HTMLElement;
  private more!: HTMLButtonElement;
  private q: AuditQuery = {};
  private last: number | null = null;
  private count = 0;

  constructor(private readonly ctx: AppContext) {}

  mount(container: HTMLElement): void {
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: [mainNav(this.ctx.session.roles, 'audit')] });
    const input = (id: string) => h('input', { id, type: 'text', autocomplete: 'off' });
    const user = input('a-user');
    const object = input('a-object');
    const action = input('a-action');
    const outcome = h('select', { id: 'a-outcome' }, h('option', { value: '', i18n: 'consults.filter.any' }),
      ...(['ok', 'denied', 'error'] as const).map((o) => h('option', { value: o, i18n: `audit.outcome.${o}` })));
    const field = (id: string, label: MessageKey, c: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id, i18n: label }), c);
    const form = h('form', { class: 'search-form', role: 'search', i18nAttr: { 'aria-label': 'audit.filters' } },
      field('a-user', 'audit.user', user), field('a-object', 'audit.object', object), field('a-action', 'audit.action', action), field('a-outcome', 'audit.outcome', outcome),
      h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'button primary', i18n: 'consults.filter.apply' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.q = { user: user.value.trim() || undefined, objectId: object.value.trim() || undefined, action: action.value.trim() || undefined, outcome: outcome.value || undefined };
      void this.load(true);
    });
    this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this.tbody = h('tbody');
    this.more = h('button', { type: 'button', class: 'button secondary', hidden: true, i18n: 'audit.more', onclick: () => void this.load(false) });
    const table = h('table', { class: 'study-table audit-table', 'data-testid': 'audit-table' },
      h('caption', { class: 'visually-hidden', i18n: 'audit.heading' }),
      h('thead', {}, h('tr', {}, ...(['audit.col.seq', 'audit.col.at', 'audit.col.user', 'audit.col.role', 'audit.col.action', 'audit.col.object', 'audit.col.outcome'] as const).map((k) => h('th', { scope: 'col', i18n: k })))),
      this.tbody);
    container.append(this.header.element, h('main', { id: 'main', class: 'studies-main', tabindex: -1 }, h('h1', { i18n: 'audit.heading' }), form, this.status, h('div', { class: 'table-wrap' }, table), this.more));
    void this.load(true);
  }

  private async load(reset: boolean): Promise<void> {
    if (reset) {
      this.tbody.replaceChildren();
      this.last = null;
      this.count = 0;
    }
    bindI18n(this.status, { i18n: 'consults.loading' });
    try {
      const { entries, last } = await this.ctx.worklist.audit({ ...this.q, limit: PAGE, ...(this.last !== null ? { afterSeq: this.last } : {}) }, this.abort.signal);
      if (this.abort.signal.aborted) return;
      for (const e of entries) this.tbody.append(row(e));
      this.count += entries.length;
      this.last = last ?? this.last;
      this.more.hidden = entries.length < PAGE;
      bindI18n(this.status, { i18n: this.count ? 'audit.count' : 'audit.empty', i18nParams: { count: this.count } });
    } catch (err) {
      if (this.abort.signal.aborted) return;
      delete this.status.dataset.i18n;
      this.status.replaceChildren(problemNotice(err));
    }
  }

  unmount(): void {
    this.abort.abort();
    this.header?.dispose();
  }
}

function row(e: AuditEntry): HTMLTableRowElement {
  const role = `role.${e.role}` as MessageKey;
  return h('tr', { 'data-outcome': e.outcome, class: e.outcome === 'denied' ? 'row-denied' : '' },
    h('td', { class: 'num' }, String(e.seq)),
    h('td', {}, formatDateTime(e.at)),
    h('td', {}, `${e.userId}${e.facilityId ? ` @ ${e.facilityId}` : ''}`),
    h('td', {}, t(role) === role ? e.role : t(role)),
    h('td', {}, e.action),
    h('td', {}, `${e.objectType} ${e.objectId}`.trim()),
    h('td', {}, t(`audit.outcome.${e.outcome}`)));
}

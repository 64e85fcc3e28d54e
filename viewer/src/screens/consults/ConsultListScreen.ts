import type { AppContext, Screen } from '../Screen';
import { AppHeader } from '../../components/AppHeader';
import { mainNav } from '../../components/MainNav';
import { stateBadge, urgencyBadge } from '../../components/consult/badges';
import { problemNotice } from '../../components/consult/ProblemNotice';
import { CONSULT_STATES } from '@worklist/model/Consult';
import { ACTIVE_STATES, listTime, sortConsults } from '../../services/worklist/listing';
import type { ConsultFilter, ConsultItem, Facility, Me } from '../../services/worklist/types';
import { formatDateTime } from '../../i18n/formatTime';
import { onLangChange, t } from '../../i18n/i18n';
import { h, clear, bindI18n } from '../../ui/dom';

const FILTER_KEY = 'hoichan.consultFilter';
const RELOAD_DEBOUNCE_MS = 300;

/**
 * The consult list (G-3.2 … G-3.8): the consults the user may see, emergencies first, filtered by state and
 * urgency, kept current by the live event stream (a change reloads the list and is announced to screen
 * readers). The patient's name shows only where the server sent it (the requesting side, G-2.3).
 */
export class ConsultListScreen implements Screen {
  private header: AppHeader | null = null;
  private readonly abort = new AbortController();
  private listAbort: AbortController | null = null;
  private tbody!: HTMLTableSectionElement;
  private status!: HTMLElement;
  private live!: HTMLElement;
  private announce!: HTMLElement;
  private items: ConsultItem[] = [];
  private facilities = new Map<string, string>();
  private filter: ConsultFilter = {};
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private offLang: (() => void) | null = null;
  private showPatient = false;

  constructor(private readonly ctx: AppContext) {}

  mount(container: HTMLElement): void {
    const roles = this.ctx.session.roles;
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: [mainNav(roles, 'consults')] });
    this.filter = this.savedFilter();
    const state = h('select', { id: 'f-state', name: 'state' },
      h('option', { value: '', i18n: 'consults.filter.any' }),
      h('option', { value: ACTIVE_STATES.join(','), i18n: 'consults.filter.active' }),
      ...CONSULT_STATES.map((s) => h('option', { value: s, i18n: `state.${s}` })));
    state.value = this.filter.state ?? '';
    const urgency = h('select', { id: 'f-urgency', name: 'urgency' },
      h('option', { value: '', i18n: 'consults.filter.any' }),
      h('option', { value: 'emergency', i18n: 'urgency.emergency' }),
      h('option', { value: 'routine', i18n: 'urgency.routine' }));
    urgency.value = this.filter.urgency ?? '';
    const form = h('form', { class: 'search-form', role: 'search', i18nAttr: { 'aria-label': 'consults.filters' } },
      h('div', { class: 'field' }, h('label', { for: 'f-state', i18n: 'consults.filter.state' }), state),
      h('div', { class: 'field' }, h('label', { for: 'f-urgency', i18n: 'consults.filter.urgency' }), urgency),
      h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'button primary', i18n: 'consults.filter.apply' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.filter = { state: state.value || undefined, urgency: urgency.value || undefined };
      try { sessionStorage.setItem(FILTER_KEY, JSON.stringify(this.filter)); } catch { /* storage disabled */ }
      void this.load();
    });
    this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this.live = h('span', { class: 'live-indicator', 'data-live': 'off', i18n: 'consults.live.off' });
    this.announce = h('p', { class: 'visually-hidden', 'aria-live': 'assertive', 'data-testid': 'consult-announce' });
    this.tbody = h('tbody');
    const table = h('table', { class: 'study-table consult-table', 'data-testid': 'consult-table' },
      h('caption', { class: 'visually-hidden', i18n: 'consults.heading' }),
      h('thead', {}, this.headRow()),
      this.tbody);
    const heading = h('div', { class: 'heading-row' }, h('h1', { i18n: 'consults.heading' }), this.live);
    container.append(this.header.element, h('main', { id: 'main', class: 'studies-main', tabindex: -1 }, heading, form, this.status, this.announce, h('div', { class: 'table-wrap' }, table)));
    this.offLang = onLangChange(() => this.renderRows());
    void this.start();
  }

  private headRow(): HTMLTableRowElement {
    return h('tr', {},
      h('th', { scope: 'col', i18n: 'consults.col.case' }),
      this.showPatient ? h('th', { scope: 'col', i18n: 'consults.col.patient' }) : null,
      h('th', { scope: 'col', i18n: 'consults.col.type' }),
      h('th', { scope: 'col', i18n: 'consults.col.state' }),
      h('th', { scope: 'col', i18n: 'consults.col.facilities' }),
      h('th', { scope: 'col', i18n: 'consults.col.time' }),
      h('th', { scope: 'col', i18n: 'consults.col.open' }));
  }

  private async start(): Promise<void> {
    let me: Me | null = null;
    try {
      me = await this.ctx.me();
    } catch { /* the list call below reports the error */ }
    if (this.abort.signal.aborted) return;
    if (me && !me.facility && !me.roles.includes('admin')) bindI18n(this.status, { i18n: 'consults.noFacility' });
    this.ctx.worklist.facilities(this.abort.signal).then((fs: Facility[]) => {
      this.facilities = new Map(fs.map((f) => [f.id, f.name]));
      this.renderRows();
    }).catch(() => { /* ids are shown instead of names */ });
    await this.load();
    void this.ctx.worklist.follow((e) => {
      if (!e.consultId) return;
      this.scheduleReload(e.consultId);
    }, this.abort.signal, (connected) => {
      this.live.dataset.live = connected ? 'on' : 'off';
      bindI18n(this.live, { i18n: connected ? 'consults.live.on' : 'consults.live.off' });
      // No replay after a reconnect (API.md): reload what may have been missed.
      if (connected && this.items.length) this.scheduleReload(null);
    });
  }

  private scheduleReload(changedId: string | null): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.load(changedId), RELOAD_DEBOUNCE_MS);
  }

  private savedFilter(): ConsultFilter {
    try {
      return JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}') as ConsultFilter;
    } catch {
      return {};
    }
  }

  private async load(changedId: string | null = null): Promise<void> {
    this.listAbort?.abort();
    const abort = (this.listAbort = new AbortController());
    if (!this.items.length) bindI18n(this.status, { i18n: 'consults.loading' });
    this.tbody.setAttribute('aria-busy', 'true');
    try {
      const items = await this.ctx.worklist.list(this.filter, abort.signal);
      if (abort.signal.aborted) return;
      this.items = sortConsults(items);
      this.renderRows(changedId);
      const changed = changedId ? this.items.find((c) => c.id === changedId) : undefined;
      if (changed) this.announce.textContent = t('consults.updated', { pseudonym: changed.patient.pseudonym, state: t(`state.${changed.state}`) });
    } catch (err) {
      if (abort.signal.aborted) return;
      clear(this.tbody);
      this.status.replaceChildren(problemNotice(err));
      delete this.status.dataset.i18n;
    } finally {
      this.tbody.removeAttribute('aria-busy');
    }
  }

  private renderRows(changedId: string | null = null): void {
    const showPatient = this.items.some((c) => c.patient.identity);
    if (showPatient !== this.showPatient) {
      this.showPatient = showPatient;
      this.tbody.parentElement?.querySelector('thead')?.replaceChildren(this.headRow());
    }
    clear(this.tbody);
    bindI18n(this.status, { i18n: this.items.length ? 'consults.count' : 'consults.empty', i18nParams: { count: this.items.length } });
    const facility = (id: string) => this.facilities.get(id) ?? id;
    for (const c of this.items) {
      const pseudonym = c.patient.pseudonym;
      const row = h('tr', { 'data-consult': c.id, 'data-urgency': c.urgency, class: `${c.urgency === 'emergency' ? 'row-emergency' : ''}${c.id === changedId ? ' row-changed' : ''}` },
        h('td', {}, h('strong', { class: 'pseudonym' }, pseudonym), urgencyBadge(c.urgency)),
        this.showPatient ? h('td', { 'data-field': 'patient' }, c.patient.identity?.fullName ?? '—') : null,
        h('td', { i18n: `type.${c.type}` }),
        h('td', {}, stateBadge(c.state)),
        h('td', {}, `${facility(c.requestingFacilityId)} → ${facility(c.consultingFacilityId)}`),
        h('td', { class: 'num' }, formatDateTime(listTime(c))),
        h('td', {}, h('a', { class: 'button primary small', href: `#/consults/${encodeURIComponent(c.id)}`, 'data-open-consult': c.id, 'aria-label': t('consults.openLabel', { pseudonym }) }, t('consults.open'))));
      this.tbody.append(row);
    }
  }

  unmount(): void {
    this.abort.abort();
    this.listAbort?.abort();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.offLang?.();
    this.header?.dispose();
  }
}

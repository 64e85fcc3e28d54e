import type { AppContext, Screen } from '../Screen';
import type { StudyQuery, StudySummary } from '../../types';
import { AppHeader } from '../../components/AppHeader';
import { mainNav } from '../../components/MainNav';
import { HttpError } from '../../dataSource/DataSource';
import { formatDicomDate, onLangChange, t } from '../../i18n/i18n';
import { h, clear, bindI18n } from '../../ui/dom';

const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'XA', 'MG', 'NM', 'PT', 'RF', 'OT', 'SC'];
const QUERY_KEY = 'hoichan.studyQuery';

/** Formats a DICOM person name for display: "NGUYEN^VAN^A" → "NGUYEN VAN A". */
export function displayName(pn: string): string {
  return pn.split('=')[0]!.split('^').filter(Boolean).join(' ');
}

/**
 * The study list: QIDO-RS /studies filtered by patient name (fuzzy: diacritics and case ignored), study date
 * range and modality, newest first, with a thumbnail per study. Identity columns only for roles allowed
 * to see them (G-2.3).
 */
export class StudyListScreen implements Screen {
  private header: AppHeader | null = null;
  private abort: AbortController | null = null;
  private readonly urls: string[] = [];
  private offLang: (() => void) | null = null;
  private last: { items: StudySummary[]; more: boolean } | null = null;
  private tbody!: HTMLTableSectionElement;
  private status!: HTMLElement;
  private showIdentity = false;

  constructor(private readonly ctx: AppContext) {}

  mount(container: HTMLElement): void {
    this.showIdentity = this.ctx.session.canSeeIdentity();
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: this.ctx.session.current ? [mainNav(this.ctx.session.roles, 'studies')] : [] });
    const saved = this.savedQuery();
    const name = h('input', { id: 'q-name', type: 'search', name: 'patientName', value: saved.patientName ?? '', autocomplete: 'off', 'aria-describedby': 'q-name-hint' });
    const from = h('input', { id: 'q-from', type: 'date', name: 'dateFrom', value: saved.dateFrom ?? '' });
    const to = h('input', { id: 'q-to', type: 'date', name: 'dateTo', value: saved.dateTo ?? '' });
    const modality = h('select', { id: 'q-modality', name: 'modality' }, h('option', { value: '', i18n: 'studies.modality.any' }), ...MODALITIES.map((m) => h('option', { value: m }, m)));
    modality.value = saved.modality ?? '';
    const form = h('form', { class: 'search-form', role: 'search', i18nAttr: { 'aria-label': 'studies.search' } });
    if (this.showIdentity) {
      form.append(h('div', { class: 'field grow' }, h('label', { for: 'q-name', i18n: 'studies.patientName' }), name, h('span', { id: 'q-name-hint', class: 'hint', i18n: 'studies.patientName.hint' })));
    }
    form.append(
      h('div', { class: 'field' }, h('label', { for: 'q-from', i18n: 'studies.dateFrom' }), from),
      h('div', { class: 'field' }, h('label', { for: 'q-to', i18n: 'studies.dateTo' }), to),
      h('div', { class: 'field' }, h('label', { for: 'q-modality', i18n: 'studies.modality' }), modality),
      h('div', { class: 'field buttons' },
        h('button', { type: 'submit', class: 'button primary', i18n: 'studies.search' }),
        h('button', { type: 'button', class: 'button secondary', i18n: 'studies.clear', onclick: () => { name.value = ''; from.value = ''; to.value = ''; modality.value = ''; void this.search({}); } })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.search({ patientName: this.showIdentity ? name.value : undefined, dateFrom: from.value || undefined, dateTo: to.value || undefined, modality: modality.value || undefined });
    });

    this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this.tbody = h('tbody');
    const head = h('tr', {},
      h('th', { scope: 'col', class: 'col-thumb', i18n: 'studies.col.thumbnail' }),
      this.showIdentity ? h('th', { scope: 'col', i18n: 'studies.col.patient' }) : null,
      h('th', { scope: 'col', i18n: 'studies.col.date' }),
      h('th', { scope: 'col', i18n: 'studies.col.modalities' }),
      h('th', { scope: 'col', i18n: 'studies.col.description' }),
      h('th', { scope: 'col', class: 'num', i18n: 'studies.col.series' }),
      h('th', { scope: 'col', i18n: 'studies.col.open' }));
    const table = h('table', { class: 'study-table', 'data-testid': 'study-table' }, h('caption', { class: 'visually-hidden', i18n: 'studies.heading' }), h('thead', {}, head), this.tbody);
    container.append(this.header.element, h('main', { id: 'main', class: 'studies-main' },
      h('h1', { i18n: 'studies.heading' }), form, this.status, h('div', { class: 'table-wrap' }, table)));
    this.offLang = onLangChange(() => this.last && this.renderRows(this.last));
    void this.search(saved);
  }

  private savedQuery(): StudyQuery {
    try {
      return JSON.parse(sessionStorage.getItem(QUERY_KEY) ?? '{}') as StudyQuery;
    } catch {
      return {};
    }
  }

  private async search(q: StudyQuery): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    try { sessionStorage.setItem(QUERY_KEY, JSON.stringify(q)); } catch { /* storage disabled */ }
    bindI18n(this.status, { i18n: 'studies.loading' });
    this.tbody.setAttribute('aria-busy', 'true');
    try {
      const result = await this.ctx.dataSource.query.studies(q, abort.signal);
      if (abort.signal.aborted) return;
      this.last = result;
      this.renderRows(result);
      void this.loadThumbnails(result.items, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return;
      clear(this.tbody);
      const detail = err instanceof HttpError ? (err.status ? t('error.http', { status: err.status }) : t('error.network')) : String(err);
      bindI18n(this.status, { i18n: 'studies.error', i18nParams: { detail } });
    } finally {
      this.tbody.removeAttribute('aria-busy');
    }
  }

  private readonly thumbs = new Map<string, HTMLImageElement>();

  private renderRows(result: { items: StudySummary[]; more: boolean }): void {
    clear(this.tbody);
    this.thumbs.clear();
    if (!result.items.length) bindI18n(this.status, { i18n: 'studies.empty' });
    else bindI18n(this.status, { i18n: 'studies.count', i18nParams: { count: result.items.length } });
    if (result.more) this.status.append(' · ', h('span', { i18n: 'studies.more' }));
    for (const s of result.items) {
      const img = h('img', { class: 'thumb', alt: '', width: 64, height: 64 });
      const prior = this.urlFor.get(s.studyUid);
      if (prior) { img.src = prior; img.classList.add('loaded'); }
      this.thumbs.set(s.studyUid, img);
      const description = s.description || t('studies.noDescription');
      const date = formatDicomDate(s.studyDate);
      const open = h('a', { class: 'button primary small', href: `#/view/${encodeURIComponent(s.studyUid)}`, 'aria-label': t('studies.openLabel', { description, date }), 'data-study': s.studyUid }, t('studies.open'));
      const row = h('tr', { 'data-study': s.studyUid, ondblclick: () => this.ctx.navigate({ name: 'view', studyUid: s.studyUid }) },
        h('td', { class: 'col-thumb' }, h('span', { class: 'thumb-box small' }, img)),
        this.showIdentity ? h('td', {}, h('div', { class: 'patient' }, h('span', { class: 'pn' }, displayName(s.patientName) || '—'), h('span', { class: 'pid muted' }, s.patientId))) : null,
        h('td', {}, date || '—'),
        h('td', {}, s.modalities.join(', ') || '—'),
        h('td', { class: s.description ? '' : 'muted' }, description),
        h('td', { class: 'num' }, `${s.seriesCount ?? '?'} / ${s.instanceCount ?? '?'}`),
        h('td', {}, open));
      this.tbody.append(row);
    }
  }

  private readonly urlFor = new Map<string, string>();

  private async loadThumbnails(items: StudySummary[], signal: AbortSignal): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length && !signal.aborted) {
        const s = items[next++]!;
        if (this.urlFor.has(s.studyUid)) continue;
        const blob = await this.ctx.dataSource.retrieve.thumbnail(s.studyUid, null, signal).catch(() => null);
        if (!blob || signal.aborted) continue;
        const url = URL.createObjectURL(blob);
        this.urls.push(url);
        this.urlFor.set(s.studyUid, url);
        const img = this.thumbs.get(s.studyUid);
        if (img) { img.src = url; img.classList.add('loaded'); }
      }
    };
    await Promise.all([worker(), worker()]);
  }

  unmount(): void {
    this.abort?.abort();
    this.offLang?.();
    this.header?.dispose();
    for (const u of this.urls) URL.revokeObjectURL(u);
  }
}

import type { SeriesSummary } from '../types';
import { h, clear } from '../ui/dom';

export interface SeriesBrowserOptions {
  /** The user picked a series (click, Enter, or drop on a viewport handled by the screen). */
  onPick: (series: SeriesSummary) => void;
}

/** MIME type used when a series thumbnail is dragged onto a viewport. */
export const SERIES_DRAG_TYPE = 'application/x-hoichan-series';

/**
 * The study's series as a vertical list of thumbnails: click or Enter shows the series in the active
 * viewport; drag onto a viewport shows it there. The series on the active viewport is marked `aria-current`.
 */
export class SeriesBrowser {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly items = new Map<string, { li: HTMLLIElement; button: HTMLButtonElement; img: HTMLImageElement }>();
  private readonly urls: string[] = [];

  constructor(private readonly opts: SeriesBrowserOptions) {
    this.list = h('ul', { class: 'series-list' });
    this.element = h('nav', { class: 'series-browser', 'data-testid': 'series-browser', i18nAttr: { 'aria-label': 'viewer.seriesPanel' } },
      h('h2', { class: 'panel-heading', i18n: 'viewer.series' }),
      this.list);
  }

  /** Replaces the list. */
  setSeries(series: SeriesSummary[]): void {
    clear(this.list);
    this.items.clear();
    for (const s of series) {
      const count = s.instanceCount ?? 0;
      const params = { number: s.seriesNumber ?? '?', description: s.description || '—', modality: s.modality || '?', count };
      const img = h('img', { class: 'thumb', alt: '', width: 96, height: 96, decoding: 'async' });
      const button = h('button', {
        type: 'button', class: 'series-item', draggable: 'true', 'data-series': s.seriesUid,
        i18nAttr: { 'aria-label': 'viewer.seriesItem' }, i18nParams: params,
        onclick: () => this.opts.onPick(s),
        ondragstart: (e: DragEvent) => {
          e.dataTransfer?.setData(SERIES_DRAG_TYPE, s.seriesUid);
          e.dataTransfer?.setData('text/plain', s.seriesUid);
          if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
        },
      },
      h('span', { class: 'thumb-box', 'aria-hidden': 'true' }, img, h('span', { class: 'thumb-modality' }, s.modality || '?')),
      h('span', { class: 'series-meta', 'aria-hidden': 'true' },
        h('span', { class: 'series-desc' }, `${s.seriesNumber ?? ''} ${s.description || ''}`.trim() || '—'),
        h('span', { class: 'series-count', i18n: 'viewer.images', i18nParams: { count } })));
      const li = h('li', {}, button);
      this.items.set(s.seriesUid, { li, button, img });
      this.list.append(li);
    }
  }

  /** Marks the series shown in the active viewport. */
  setActive(seriesUid: string | null): void {
    for (const [uid, it] of this.items) {
      if (uid === seriesUid) it.button.setAttribute('aria-current', 'true');
      else it.button.removeAttribute('aria-current');
    }
  }

  /** Shows a thumbnail (a Blob from the data source). */
  setThumbnail(seriesUid: string, blob: Blob | null): void {
    const it = this.items.get(seriesUid);
    if (!it || !blob) return;
    const url = URL.createObjectURL(blob);
    this.urls.push(url);
    it.img.src = url;
    it.img.classList.add('loaded');
  }

  /** Frees thumbnail object URLs. */
  dispose(): void {
    for (const u of this.urls) URL.revokeObjectURL(u);
  }
}

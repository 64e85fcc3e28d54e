import { annotation as csAnnotation, Enums as ToolEnums, LengthTool, AngleTool, EllipticalROITool, ArrowAnnotateTool } from '@cornerstonejs/tools';
import { eventTarget, getRenderingEngines } from '@cornerstonejs/core';
import { t, onLangChange, type MessageKey } from '../i18n/i18n';
import { h, clear } from '../ui/dom';
import { icon } from '../ui/icons';

const KIND: Record<string, MessageKey> = {
  [LengthTool.toolName]: 'viewer.measure.length',
  [AngleTool.toolName]: 'viewer.measure.angle',
  [EllipticalROITool.toolName]: 'viewer.measure.ellipse',
  [ArrowAnnotateTool.toolName]: 'viewer.measure.arrow',
};

interface Stats {
  length?: number | null;
  unit?: string | null;
  angle?: number | string | null;
  area?: number | null;
  areaUnit?: string | null;
  mean?: number | null;
  stdDev?: number | null;
  modalityUnit?: string | null;
}

const fmt = (n: number, digits = 1) => n.toLocaleString(document.documentElement.lang === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The value text of one annotation (e.g. "45,2 mm"), from the tool's cached statistics. */
export function measurementText(toolName: string, stats: Stats | undefined, text?: string): string {
  if (toolName === ArrowAnnotateTool.toolName) return text ?? '';
  if (!stats) return '…';
  if (toolName === LengthTool.toolName && typeof stats.length === 'number') return `${fmt(stats.length)} ${stats.unit ?? ''}`.trim();
  if (toolName === AngleTool.toolName && typeof stats.angle === 'number') return `${fmt(stats.angle)}°`;
  if (toolName === EllipticalROITool.toolName && typeof stats.area === 'number') {
    const parts = [`${t('viewer.measure.area')} ${fmt(stats.area)} ${stats.areaUnit ?? ''}`.trim()];
    if (typeof stats.mean === 'number') parts.push(`${t('viewer.measure.mean')} ${fmt(stats.mean)} ${stats.modalityUnit ?? ''}`.trim());
    if (typeof stats.stdDev === 'number') parts.push(`${t('viewer.measure.sd')} ${fmt(stats.stdDev)}`);
    return parts.join(' · ');
  }
  return '…';
}

/**
 * The measurements drawn on the images, as text (screen readers cannot read the SVG overlay): kind,
 * number and value of each, with a delete button. Follows the annotation events of Cornerstone tools.
 */
export class MeasurementList {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly clearButton: HTMLButtonElement;
  private pending = 0;
  private readonly offLang: () => void;
  private readonly events = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED, ToolEnums.Events.ANNOTATION_ADDED];
  private readonly onEvent = () => this.schedule();

  constructor() {
    this.list = h('ol', { class: 'measurement-list' });
    this.empty = h('p', { class: 'muted small', i18n: 'viewer.measurementsEmpty' });
    this.clearButton = h('button', { type: 'button', class: 'link-button', i18n: 'viewer.measure.clear', onclick: () => this.removeAll() });
    this.element = h('section', { class: 'measurements', 'data-testid': 'measurements', 'aria-labelledby': 'measurements-heading' },
      h('h2', { id: 'measurements-heading', class: 'panel-heading', i18n: 'viewer.measurements' }),
      this.empty, this.list, this.clearButton);
    for (const e of this.events) eventTarget.addEventListener(e, this.onEvent);
    this.offLang = onLangChange(() => this.render());
    this.render();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = window.setTimeout(() => {
      this.pending = 0;
      this.render();
    }, 50);
  }

  /** Rebuilds the list from the annotation state. */
  render(): void {
    clear(this.list);
    const all = csAnnotation.state.getAllAnnotations().filter((a) => a.metadata?.toolName && KIND[a.metadata.toolName]);
    const counters = new Map<string, number>();
    for (const a of all) {
      const tool = a.metadata!.toolName;
      const n = (counters.get(tool) ?? 0) + 1;
      counters.set(tool, n);
      const statsMap = (a.data?.cachedStats ?? {}) as Record<string, Stats>;
      const stats = Object.values(statsMap)[0];
      const label = `${t(KIND[tool]!)} ${n}`;
      const data = a.data as { label?: string; text?: string } | undefined;
      const value = measurementText(tool, stats, data?.label ?? data?.text);
      this.list.append(h('li', { 'data-tool': tool, 'data-uid': a.annotationUID ?? '' },
        h('span', { class: 'm-label' }, label),
        h('span', { class: 'm-value', 'data-testid': 'measurement-value' }, value),
        h('button', { type: 'button', class: 'icon-button small', 'aria-label': t('viewer.measure.remove', { label }), title: t('viewer.measure.remove', { label }), onclick: () => this.remove(a.annotationUID) }, icon('close'))));
    }
    this.empty.hidden = all.length > 0;
    this.clearButton.hidden = all.length === 0;
  }

  private remove(uid: string | undefined): void {
    if (!uid) return;
    csAnnotation.state.removeAnnotation(uid);
    this.rerenderViewports();
    this.render();
  }

  private removeAll(): void {
    csAnnotation.state.removeAllAnnotations();
    this.rerenderViewports();
    this.render();
  }

  private rerenderViewports(): void {
    for (const engine of getRenderingEngines() ?? []) engine.render();
  }

  dispose(): void {
    for (const e of this.events) eventTarget.removeEventListener(e, this.onEvent);
    this.offLang();
    clearTimeout(this.pending);
  }
}

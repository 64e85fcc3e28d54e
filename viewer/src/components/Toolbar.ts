import type { MessageKey } from '../i18n/i18n';
import type { LayoutId } from '../types';
import { LAYOUTS } from '../types';
import { h, clear, bindI18n } from '../ui/dom';
import { icon, type IconName } from '../ui/icons';
import { WINDOW_PRESETS, type PresetId } from '../tools/presets';
import type { PrimaryToolId } from '../tools/toolGroups';

export type ViewportAction = 'invert' | 'rotate' | 'flipH' | 'flipV' | 'reset';
export type ViewerToggle = 'sync' | 'cine' | 'mpr';

/** What a toolbar control asks the viewer to do. */
export type ToolbarCommand =
  | { type: 'tool'; tool: PrimaryToolId }
  | { type: 'preset'; preset: PresetId }
  | { type: 'action'; action: ViewportAction }
  | { type: 'layout'; layout: LayoutId }
  | { type: 'toggle'; toggle: ViewerToggle }
  | { type: 'cineFps'; fps: number };

/** What the toolbar shows (pressed tools, enabled toggles, presets of the active series). */
export interface ToolbarState {
  tool: PrimaryToolId;
  presets: PresetId[];
  layout: LayoutId;
  sync: boolean;
  cine: boolean;
  cineEnabled: boolean;
  cineFps: number;
  mpr: boolean;
  mprEnabled: boolean;
}

interface ButtonSpec<T> {
  id: T;
  icon: IconName;
  label: MessageKey;
  long: MessageKey;
}

const TOOL_BUTTONS: ButtonSpec<PrimaryToolId>[] = [
  { id: 'wl', icon: 'wl', label: 'tool.wl', long: 'tool.wl.long' },
  { id: 'pan', icon: 'pan', label: 'tool.pan', long: 'tool.pan.long' },
  { id: 'zoom', icon: 'zoom', label: 'tool.zoom', long: 'tool.zoom.long' },
  { id: 'scroll', icon: 'scroll', label: 'tool.scroll', long: 'tool.scroll.long' },
  { id: 'length', icon: 'length', label: 'tool.length', long: 'tool.length.long' },
  { id: 'angle', icon: 'angle', label: 'tool.angle', long: 'tool.angle.long' },
  { id: 'ellipse', icon: 'ellipse', label: 'tool.ellipse', long: 'tool.ellipse.long' },
  { id: 'arrow', icon: 'arrow', label: 'tool.arrow', long: 'tool.arrow.long' },
];

const ACTION_BUTTONS: ButtonSpec<ViewportAction>[] = [
  { id: 'invert', icon: 'invert', label: 'tool.invert', long: 'tool.invert.long' },
  { id: 'rotate', icon: 'rotate', label: 'tool.rotate', long: 'tool.rotate.long' },
  { id: 'flipH', icon: 'flipH', label: 'tool.flipH', long: 'tool.flipH.long' },
  { id: 'flipV', icon: 'flipV', label: 'tool.flipV', long: 'tool.flipV.long' },
  { id: 'reset', icon: 'reset', label: 'tool.reset', long: 'tool.reset.long' },
];

const TOGGLE_BUTTONS: ButtonSpec<ViewerToggle>[] = [
  { id: 'sync', icon: 'sync', label: 'tool.sync', long: 'tool.sync.long' },
  { id: 'cine', icon: 'cine', label: 'tool.cine', long: 'tool.cine.long' },
  { id: 'mpr', icon: 'mpr', label: 'tool.mpr', long: 'tool.mpr.long' },
];

/** The viewer's toolbar: tool buttons (one holds the left mouse button), presets, actions, layout, toggles. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly toolButtons = new Map<PrimaryToolId, HTMLButtonElement>();
  private readonly toggleButtons = new Map<ViewerToggle, HTMLButtonElement>();
  private readonly presetSelect: HTMLSelectElement;
  private readonly layoutSelect: HTMLSelectElement;
  private readonly fpsInput: HTMLInputElement;
  private readonly fpsBox: HTMLElement;

  constructor(private readonly onCommand: (c: ToolbarCommand) => void) {
    const button = <T extends string>(spec: ButtonSpec<T>, cmd: ToolbarCommand, pressable: boolean) =>
      h('button', {
        type: 'button', class: 'tool-button', 'data-tool': spec.id,
        i18nAttr: { title: spec.long, 'aria-label': spec.long },
        'aria-pressed': pressable ? 'false' : undefined,
        onclick: () => this.onCommand(cmd),
      }, icon(spec.icon), h('span', { class: 'tool-label', 'aria-hidden': 'true', i18n: spec.label }));

    const tools = h('div', { class: 'tool-group', role: 'group', i18nAttr: { 'aria-label': 'tool.group.interact' } });
    for (const spec of TOOL_BUTTONS) {
      const b = button(spec, { type: 'tool', tool: spec.id }, true);
      this.toolButtons.set(spec.id, b);
      tools.append(b);
    }

    this.presetSelect = h('select', { class: 'tool-select', id: 'preset-select', 'data-control': 'preset', i18nAttr: { title: 'tool.preset.long' }, onchange: () => this.onCommand({ type: 'preset', preset: this.presetSelect.value as PresetId }) });
    const presets = h('div', { class: 'tool-group select-group' },
      h('label', { for: 'preset-select', class: 'visually-hidden', i18n: 'tool.preset.long' }),
      this.presetSelect);

    const actions = h('div', { class: 'tool-group', role: 'group' });
    for (const spec of ACTION_BUTTONS) actions.append(button(spec, { type: 'action', action: spec.id }, false));

    this.layoutSelect = h('select', { class: 'tool-select', id: 'layout-select', 'data-control': 'layout', i18nAttr: { title: 'tool.layout.long' }, onchange: () => this.onCommand({ type: 'layout', layout: this.layoutSelect.value as LayoutId }) });
    for (const id of ['one', 'oneByTwo', 'twoByTwo'] as const) {
      this.layoutSelect.append(h('option', { value: id, i18n: `layout.${id}` as MessageKey }));
    }
    const layout = h('div', { class: 'tool-group select-group' },
      h('label', { for: 'layout-select', class: 'visually-hidden', i18n: 'tool.layout.long' }),
      this.layoutSelect);

    const toggles = h('div', { class: 'tool-group', role: 'group' });
    for (const spec of TOGGLE_BUTTONS) {
      const b = button(spec, { type: 'toggle', toggle: spec.id }, true);
      this.toggleButtons.set(spec.id, b);
      toggles.append(b);
    }
    this.fpsInput = h('input', { type: 'number', min: 1, max: 60, step: 1, value: 15, id: 'cine-fps', class: 'fps-input', i18nAttr: { title: 'tool.cineFps' }, onchange: () => this.onCommand({ type: 'cineFps', fps: Math.max(1, Math.min(60, Number(this.fpsInput.value) || 15)) }) });
    this.fpsBox = h('div', { class: 'select-group fps-group' },
      h('label', { for: 'cine-fps', class: 'visually-hidden', i18n: 'tool.cineFps' }),
      this.fpsInput);
    toggles.append(this.fpsBox);

    this.element = h('div', { class: 'toolbar', role: 'toolbar', 'aria-orientation': 'horizontal', i18nAttr: { 'aria-label': 'viewer.toolbar' } },
      tools, presets, actions, layout, toggles);
  }

  /** Reflects the viewer's state. */
  setState(s: ToolbarState): void {
    for (const [id, b] of this.toolButtons) b.setAttribute('aria-pressed', String(id === s.tool));
    const current = Array.from(this.presetSelect.options).map((o) => o.value).join(',');
    if (current !== s.presets.join(',')) {
      clear(this.presetSelect);
      for (const p of s.presets) this.presetSelect.append(h('option', { value: p, i18n: WINDOW_PRESETS[p].label }));
    }
    this.presetSelect.disabled = s.presets.length <= 1;
    if (s.layout !== 'mpr') this.layoutSelect.value = s.layout;
    this.layoutSelect.disabled = s.mpr;
    const set = (id: ViewerToggle, pressed: boolean, enabled: boolean) => {
      const b = this.toggleButtons.get(id)!;
      b.setAttribute('aria-pressed', String(pressed));
      b.disabled = !enabled;
    };
    set('sync', s.sync, !s.mpr);
    set('cine', s.cine, s.cineEnabled);
    set('mpr', s.mpr, s.mprEnabled || s.mpr);
    const mprButton = this.toggleButtons.get('mpr')!;
    bindI18n(mprButton, { i18nAttr: { title: s.mprEnabled || s.mpr ? 'tool.mpr.long' : 'tool.mpr.unavailable', 'aria-label': s.mprEnabled || s.mpr ? 'tool.mpr.long' : 'tool.mpr.unavailable' } });
    this.fpsBox.hidden = !s.cine;
    if (document.activeElement !== this.fpsInput) this.fpsInput.value = String(s.cineFps);
  }

  /** Resets the preset picker to "auto" (after a reset or a new series). */
  showPreset(p: PresetId): void {
    this.presetSelect.value = p;
  }
}

export { LAYOUTS };

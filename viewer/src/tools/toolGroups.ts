import {
  ToolGroupManager,
  Enums as ToolEnums,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  LengthTool,
  AngleTool,
  EllipticalROITool,
  ArrowAnnotateTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';

import { t } from '../i18n/i18n';

type IToolGroup = ToolTypes.IToolGroup;

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : n.toFixed(1));

/** The ellipse's text box, translated (Cornerstone's default is English only). */
function ellipseTextLines(data: { cachedStats: Record<string, Record<string, unknown>> }, targetId: string): string[] {
  const s = data.cachedStats?.[targetId] ?? {};
  const lines: string[] = [];
  const n = (k: string) => (typeof s[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number) : null);
  const unit = (s.modalityUnit as string | undefined) ?? '';
  const area = n('area');
  if (area !== null) lines.push(s.isEmptyArea ? t('roi.oblique') : `${t('roi.area')}: ${round(area)} ${s.areaUnit ?? ''}`.trim());
  for (const [k, key] of [['mean', 'roi.mean'], ['max', 'roi.max'], ['min', 'roi.min'], ['stdDev', 'roi.sd']] as const) {
    const v = n(k);
    if (v !== null) lines.push(`${t(key)}: ${round(v)} ${unit}`.trim());
  }
  return lines;
}

/** Tools the left mouse button can drive, by toolbar id → Cornerstone tool name. */
export const PRIMARY_TOOLS = {
  wl: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  scroll: StackScrollTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
  arrow: ArrowAnnotateTool.toolName,
} as const;

export type PrimaryToolId = keyof typeof PRIMARY_TOOLS;

/** Annotation tools (they stay visible, passive, when another tool takes the left button). */
export const ANNOTATION_TOOLS: readonly string[] = [LengthTool.toolName, AngleTool.toolName, EllipticalROITool.toolName, ArrowAnnotateTool.toolName];

const { MouseBindings } = ToolEnums;

/** Bindings that stay whatever the left button does: middle pans, right zooms, the wheel scrolls. */
const FIXED_BINDINGS: Record<string, ToolTypes.IToolBinding[]> = {
  [PanTool.toolName]: [{ mouseButton: MouseBindings.Auxiliary }],
  [ZoomTool.toolName]: [{ mouseButton: MouseBindings.Secondary }],
  [StackScrollTool.toolName]: [{ mouseButton: MouseBindings.Wheel }],
};

export interface ToolGroupOptions {
  /** Asks the user for an arrow's text; resolves null when cancelled. */
  askText: (initial?: string) => Promise<string | null>;
}

/**
 * Creates a tool group with every viewer tool: W/L on the left button, pan middle, zoom right, scroll on
 * the wheel; annotations passive (drawn, editable). `id` must be unique on the page; destroy it on exit.
 */
export function createViewerToolGroup(id: string, opts: ToolGroupOptions): IToolGroup {
  const group = ToolGroupManager.createToolGroup(id);
  if (!group) throw new Error(`tool group ${id} exists`);
  group.addTool(WindowLevelTool.toolName);
  group.addTool(PanTool.toolName);
  group.addTool(ZoomTool.toolName);
  // No debounce: Cornerstone 5.14's debounced load of a not-yet-cached image can land after a later, cached
  // one and pull the stack back.
  group.addTool(StackScrollTool.toolName, { loop: false, debounceIfNotLoaded: false });
  group.addTool(LengthTool.toolName);
  group.addTool(AngleTool.toolName);
  group.addTool(EllipticalROITool.toolName, { getTextLines: ellipseTextLines });
  group.addTool(ArrowAnnotateTool.toolName, {
    getTextCallback: (done: (text: string | null) => void) => { void opts.askText().then((text) => done(text)); },
    changeTextCallback: (annotation: { data?: { label?: string; text?: string } }, _evt: unknown, done: (text: string | null) => void) => {
      void opts.askText(annotation?.data?.label ?? annotation?.data?.text).then((text) => done(text));
    },
  });
  for (const [tool, bindings] of Object.entries(FIXED_BINDINGS)) group.setToolActive(tool, { bindings });
  for (const tool of ANNOTATION_TOOLS) group.setToolPassive(tool);
  setPrimaryTool(group, 'wl');
  return group;
}

/** Gives the left mouse button to `tool`; the previous holder keeps its other bindings (or turns passive). */
export function setPrimaryTool(group: IToolGroup, tool: PrimaryToolId): void {
  const name = PRIMARY_TOOLS[tool];
  const current = group.getActivePrimaryMouseButtonTool();
  if (current && current !== name) group.setToolPassive(current);
  group.setToolActive(name, { bindings: [{ mouseButton: MouseBindings.Primary }] });
}

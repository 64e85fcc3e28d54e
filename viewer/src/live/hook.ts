import type { StackViewport, VolumeViewport } from '@cornerstonejs/core';
import type { LayoutId } from '../types';

/** One viewport cell as the live view sync sees it. */
export interface LiveCell {
  index: number;
  kind: string;
  element: HTMLDivElement;
  root: HTMLElement;
  viewport: StackViewport | VolumeViewport | undefined;
  seriesUid: string | null;
  ready: boolean;
}

/**
 * The hook point the viewer screen offers to the live consult (ViewerScreen.liveHook()): read what is on
 * screen, and change layout and series the way the toolbar and series browser do.
 */
export interface ViewerLiveHook {
  readonly studyUid: string;
  readonly root: HTMLElement;
  layout(): LayoutId;
  activeIndex(): number;
  cells(): LiveCell[];
  setLayout(id: LayoutId): void;
  setActive(index: number): void;
  /** The series shown in MPR, or null outside MPR. */
  mpr(): string | null;
  /** Enters MPR on a series (shown first in the active cell when no cell shows it), or leaves MPR (null); resolves once the planes are set up. */
  setMpr(seriesUid: string | null): Promise<void>;
  /** Shows a series of the study in a cell, starting at `imageIndex`; resolves once drawn. */
  showSeries(cell: number, seriesUid: string, imageIndex?: number): Promise<void>;
}

/** Viewport grid layouts offered by the toolbar; `mpr` is 1×3 (axial, sagittal, coronal). */
export const LAYOUTS = {
  one: { id: 'one', rows: 1, cols: 1 },
  oneByTwo: { id: 'oneByTwo', rows: 1, cols: 2 },
  twoByTwo: { id: 'twoByTwo', rows: 2, cols: 2 },
  mpr: { id: 'mpr', rows: 1, cols: 3 },
} as const;

export type LayoutId = keyof typeof LAYOUTS;
export type Layout = (typeof LAYOUTS)[LayoutId];

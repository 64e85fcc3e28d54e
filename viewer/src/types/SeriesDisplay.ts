/** What a series becomes for display: ordered image ids plus the facts the toolbar needs. */
export interface SeriesDisplay {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  /** One `wadors:` image id per frame, in display order (InstanceNumber, then position). */
  imageIds: string[];
  /** True when the series is a single multi-frame instance or more (cine is offered). */
  multiFrame: boolean;
  /** Frames per second from CineRate / FrameTime, when present. */
  cineFps: number | null;
  /** Single-frame slices sharing one orientation: MPR is possible (CT/MR with ≥ 20 slices). */
  reconstructable: boolean;
  /** Non-image series (SR, ECG, RTSTRUCT…): nothing to draw. */
  renderable: boolean;
  /** Window presets apply (CT in Hounsfield units). */
  hounsfield: boolean;
}

import type { DataSource } from '../../dataSource/DataSource';
import type { DicomJson, SeriesDisplay, SeriesSummary } from '../../types';
import { Emitter } from '../Emitter';
import { STUDY_EVENTS, type StudyEventMap, type SeriesProgressDetail } from './events';
import { buildSeriesDisplay } from './seriesDisplay';
import type { StudyPreload } from './preload';

export interface StudyServiceDeps {
  dataSource: DataSource;
  /** Hands an instance's metadata to the image loader (wadors metaDataManager). */
  registerMetadata: (imageId: string, ds: DicomJson) => void;
  /** Loads one image into the cache at background priority. */
  prefetchImage: (imageId: string) => Promise<unknown>;
  /** Images fetched at once by {@link StudyService.prefetch}. */
  concurrency: number;
  /** Answers the app shell asked for before the viewer's code loaded (see preload.ts); each used once. */
  preload?: StudyPreload;
}

interface LoadState extends SeriesProgressDetail {
  started: number;
  done: Promise<void>;
}

/**
 * The study being viewed: its series, each series' display (image ids from WADO-RS metadata) and the
 * background load of every image, nearest to the one on screen first. One instance per viewer screen.
 */
export class StudyService extends Emitter<StudyEventMap> {
  private readonly displays = new Map<string, Promise<SeriesDisplay>>();
  private readonly loads = new Map<string, LoadState>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: StudyServiceDeps) {
    super(STUDY_EVENTS);
  }

  /** The study's series (QIDO-RS). */
  series(studyUid: string): Promise<SeriesSummary[]> {
    const pre = this.takePreload(studyUid);
    return pre ? pre.series : this.deps.dataSource.query.series(studyUid, this.abort.signal);
  }

  private takePreload(studyUid: string): StudyPreload | null {
    const pre = this.deps.preload;
    return pre?.studyUid === studyUid ? pre : null;
  }

  /** The series' display: metadata fetched once, image ids built, metadata registered with the loader. */
  display(summary: SeriesSummary): Promise<SeriesDisplay> {
    let p = this.displays.get(summary.seriesUid);
    if (!p) {
      const { dataSource } = this.deps;
      const fetch = () => dataSource.retrieve.seriesMetadata(summary.studyUid, summary.seriesUid, this.abort.signal);
      const pre = this.takePreload(summary.studyUid);
      // A preloaded answer is used once; a failed one is asked again.
      const metadataP = pre ? pre.metadata(summary.seriesUid).then((m) => m ?? fetch(), fetch) : fetch();
      if (pre) this.deps.preload = undefined;
      p = metadataP.then((metadata) => {
        const d = buildSeriesDisplay(summary, metadata, (sop, frame) => dataSource.retrieve.frameImageId(summary.studyUid, summary.seriesUid, sop, frame), this.deps.registerMetadata);
        this.emit(STUDY_EVENTS.SERIES_READY, { seriesUid: summary.seriesUid, imageCount: d.imageIds.length });
        return d;
      });
      p.catch(() => this.displays.delete(summary.seriesUid));
      this.displays.set(summary.seriesUid, p);
    }
    return p;
  }

  /** Progress of a series' background load, or null when it has not started. */
  progress(seriesUid: string): SeriesProgressDetail | null {
    const s = this.loads.get(seriesUid);
    return s ? { seriesUid, loaded: s.loaded, failed: s.failed, total: s.total } : null;
  }

  /**
   * Loads every image of the series into the cache, starting from `fromIndex` and moving outwards, with
   * at most `concurrency` requests in flight. Resolves when all are loaded or failed; a second call for
   * the same series returns the first one's promise.
   */
  prefetch(display: SeriesDisplay, fromIndex: number): Promise<void> {
    const existing = this.loads.get(display.seriesUid);
    if (existing) return existing.done;
    const ids = nearestFirst(display.imageIds, fromIndex);
    const state: LoadState = { seriesUid: display.seriesUid, loaded: 0, failed: 0, total: ids.length, started: performance.now(), done: Promise.resolve() };
    this.loads.set(display.seriesUid, state);
    const signal = this.abort.signal;
    let next = 0;
    let lastEmit = 0;
    const report = (force = false) => {
      const now = performance.now();
      if (!force && now - lastEmit < 100) return;
      lastEmit = now;
      this.emit(STUDY_EVENTS.SERIES_PROGRESS, { seriesUid: state.seriesUid, loaded: state.loaded, failed: state.failed, total: state.total });
    };
    const worker = async () => {
      while (next < ids.length && !signal.aborted) {
        const id = ids[next++]!;
        try {
          await this.deps.prefetchImage(id);
          state.loaded++;
        } catch {
          state.failed++;
        }
        report();
      }
    };
    state.done = Promise.all(Array.from({ length: Math.max(1, this.deps.concurrency) }, worker)).then(() => {
      if (signal.aborted) return;
      report(true);
      this.emit(STUDY_EVENTS.SERIES_LOADED, { seriesUid: state.seriesUid, loaded: state.loaded, failed: state.failed, total: state.total, ms: performance.now() - state.started });
    });
    return state.done;
  }

  /** Stops background loads and pending requests; the screen calls this when it goes away. */
  dispose(): void {
    this.abort.abort();
  }
}

/** `ids` reordered by distance from `from`: from, from+1, from-1, from+2, … */
export function nearestFirst<T>(ids: T[], from: number): T[] {
  const out: T[] = [];
  const start = Math.min(Math.max(0, from), ids.length - 1);
  if (ids.length === 0) return out;
  out.push(ids[start]!);
  for (let d = 1; out.length < ids.length; d++) {
    if (start + d < ids.length) out.push(ids[start + d]!);
    if (start - d >= 0) out.push(ids[start - d]!);
  }
  return out;
}

import type { ViewerConfig } from '../types';
import type { DataSource } from '../dataSource/DataSource';
import type { SessionService } from '../services/session/SessionService';
import type { CaseStore } from '../services/case/CaseStore';

/** Routes of the app (hash based, so the query string keeps the deployment config). */
export type Route =
  | { name: 'login'; next?: string }
  | { name: 'studies' }
  | { name: 'view'; studyUid: string; seriesUid?: string };

/** What every screen receives from the app shell. */
export interface AppContext {
  config: ViewerConfig;
  session: SessionService;
  dataSource: DataSource;
  cases: CaseStore;
  navigate: (route: Route) => void;
  logout: () => void;
}

/** A screen sets itself up in `mount` and undoes all of it in `unmount` (engines, listeners, timers). */
export interface Screen {
  mount(container: HTMLElement): void | Promise<void>;
  unmount(): void;
}

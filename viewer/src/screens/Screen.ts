import type { ViewerConfig } from '../types';
import type { DataSource } from '../dataSource/DataSource';
import type { SessionService } from '../services/session/SessionService';
import type { CaseStore } from '../services/case/CaseStore';
import type { WorklistClient } from '../services/worklist/WorklistClient';
import type { Me } from '../services/worklist/types';
import type { PacksClient } from '../services/packs/PacksClient';
import type { JobsClient } from '../services/jobs/JobsClient';

/** Routes of the app (hash based, so the query string keeps the deployment config). */
export type Route =
  | { name: 'login'; next?: string }
  /** The user's start screen (see app.ts homeRoute). */
  | { name: 'home' }
  | { name: 'studies' }
  | { name: 'view'; studyUid: string; seriesUid?: string; consultId?: string; packId?: string }
  | { name: 'consults' }
  | { name: 'newConsult' }
  | { name: 'consult'; consultId: string }
  | { name: 'audit' }
  /** The live consult room, or its connection test (G-3.5). */
  | { name: 'live'; consultId: string; test?: boolean; studyUid?: string };

/** What every screen receives from the app shell. */
export interface AppContext {
  config: ViewerConfig;
  session: SessionService;
  dataSource: DataSource;
  cases: CaseStore;
  /** The gateway's worklist API (consults, commands, audit, live events). */
  worklist: WorklistClient;
  /** Case packs of consults (anonymized images, attachments). */
  packs: PacksClient;
  /** Gateway jobs (imports from a peer). */
  jobs: JobsClient;
  /** GET /api/me, once per login. */
  me(): Promise<Me>;
  navigate: (route: Route) => void;
  logout: () => void;
}

/** A screen sets itself up in `mount` and undoes all of it in `unmount` (engines, listeners, timers). */
export interface Screen {
  mount(container: HTMLElement): void | Promise<void>;
  unmount(): void;
}

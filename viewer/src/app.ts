import type { ViewerConfig } from './types';
import type { AppContext, Route, Screen } from './screens/Screen';
import { SessionService } from './services/session/SessionService';
import { SESSION_EVENTS } from './services/session/events';
import { CaseStore } from './services/case/CaseStore';
import { DicomWebDataSource } from './dataSource/DicomWebDataSource';
import { LoginScreen } from './screens/login/LoginScreen';
import { StudyListScreen } from './screens/studies/StudyListScreen';
import { ConsultListScreen } from './screens/consults/ConsultListScreen';
import { ConsultScreen } from './screens/consults/ConsultScreen';
import { NewConsultScreen } from './screens/consults/NewConsultScreen';
import { AuditScreen } from './screens/audit/AuditScreen';
import { h, clear } from './ui/dom';
import { WorklistClient } from './services/worklist/WorklistClient';
import type { Me } from './services/worklist/types';
import { PacksClient } from './services/packs/PacksClient';
import { JobsClient } from './services/jobs/JobsClient';
import { isRole } from '@worklist/model/Role';
import { preloadStudy } from './services/study/preload';

/**
 * Parses `location.hash`: `#/login`, `#/studies`, `#/view/<study>[/<series>]`, `#/consults`, `#/consults/new`,
 * `#/consults/<id>`, `#/consults/<id>/view/<pack>/<study>[/<series>]` (a consult's images, from its case pack),
 * `#/audit`.
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login') return { name: 'login' };
  if (parts[0] === 'view' && parts[1]) return { name: 'view', studyUid: parts[1], seriesUid: parts[2] };
  if (parts[0] === 'audit') return { name: 'audit' };
  // Live consult room and its connection test (viewer/src/live, issue 7).
  if (parts[0] === 'live' && parts[1]) return parts[2] === 'test' ? { name: 'live', consultId: parts[1], test: true } : { name: 'live', consultId: parts[1], studyUid: parts[2] };
  if (parts[0] === 'consults') {
    if (parts[1] === 'new') return { name: 'newConsult' };
    if (parts[1] && parts[2] === 'view' && parts[3] && parts[4]) return { name: 'view', consultId: parts[1], packId: parts[3], studyUid: parts[4], seriesUid: parts[5] };
    if (parts[1]) return { name: 'consult', consultId: parts[1] };
    return { name: 'consults' };
  }
  if (parts[0] === 'studies') return { name: 'studies' };
  return { name: 'home' };
}

/** The hash for a route. */
export function routeHash(r: Route): string {
  const e = encodeURIComponent;
  switch (r.name) {
    case 'login': return '#/login';
    case 'view': return `${r.consultId && r.packId ? `#/consults/${e(r.consultId)}/view/${e(r.packId)}/` : '#/view/'}${e(r.studyUid)}${r.seriesUid ? `/${e(r.seriesUid)}` : ''}`;
    case 'consults': return '#/consults';
    case 'newConsult': return '#/consults/new';
    case 'consult': return `#/consults/${e(r.consultId)}`;
    case 'audit': return '#/audit';
    case 'live': return `#/live/${e(r.consultId)}${r.test ? '/test' : r.studyUid ? `/${e(r.studyUid)}` : ''}`;
    case 'studies': return '#/studies';
    default: return '#/';
  }
}

/** Where a user lands: the consult list for worklist users, the study list for the others (admin, open servers). */
export function homeRoute(roles: readonly string[]): Route {
  return roles.some((r) => r !== 'admin' && isRole(r)) ? { name: 'consults' } : { name: 'studies' };
}

/**
 * The app shell: config, session, data source and case store, and a hash router that mounts one screen at
 * a time (login when a token is needed and missing). The viewer screen, with Cornerstone, is loaded on
 * first use so that login and the study list stay light.
 */
export class App {
  readonly ctx: AppContext;
  private screen: Screen | null = null;
  private pendingLogin: Route | null = null;
  private expired = false;
  private generation = 0;

  constructor(private readonly root: HTMLElement, config: ViewerConfig) {
    const session = new SessionService(config);
    const dataSource = new DicomWebDataSource({
      root: config.dicomWebRoot,
      headers: () => session.authHeaders(),
      onUnauthorized: () => config.auth === 'gateway' && session.clear('expired'),
    });
    const cases = new CaseStore();
    const worklist = new WorklistClient({
      apiRoot: config.apiRoot,
      headers: () => session.authHeaders(),
      onUnauthorized: () => config.auth === 'gateway' && session.clear('expired'),
    });
    let me: Promise<Me> | null = null;
    let meToken: string | null = null;
    this.ctx = {
      config, session, dataSource, cases, worklist,
      packs: new PacksClient(worklist.http),
      jobs: new JobsClient(worklist.http),
      me: () => {
        const token = session.current?.token ?? null;
        if (!me || meToken !== token) {
          meToken = token;
          me = worklist.me();
          me.catch(() => { me = null; });
        }
        return me;
      },
      navigate: (r) => this.navigate(r),
      logout: () => {
        session.clear('logout');
      },
    };
    session.subscribe(SESSION_EVENTS.LOGGED_OUT, (d) => {
      this.expired = d.reason === 'expired';
      this.pendingLogin = parseRoute(location.hash);
      this.navigate({ name: 'login' });
    });
    window.hoichan ??= {};
    window.hoichan.setCase = (studyUid, summary) => cases.set(studyUid, summary);
    window.addEventListener('hashchange', () => void this.render());
  }

  navigate(r: Route): void {
    const hash = routeHash(r);
    if (location.hash !== hash) location.hash = hash;
    else void this.render();
  }

  /** Mounts the screen for the current hash. */
  async render(): Promise<void> {
    const gen = ++this.generation;
    let route = parseRoute(location.hash);
    if (route.name !== 'login' && !this.ctx.session.ready) {
      this.pendingLogin = route;
      route = { name: 'login' };
      if (location.hash !== '#/login') history.replaceState(null, '', `${location.pathname}${location.search}#/login`);
    }
    if (route.name === 'home' && this.ctx.session.ready) route = homeRoute(this.ctx.session.roles);
    if (route.name === 'login' && this.ctx.session.ready) route = homeRoute(this.ctx.session.roles);
    this.screen?.unmount();
    this.screen = null;
    clear(this.root);
    this.root.append(h('a', { class: 'skip-link', href: '#main', i18n: 'app.skipToContent', onclick: (e: Event) => { e.preventDefault(); (document.getElementById('main') as HTMLElement | null)?.focus(); } }));
    let screen: Screen;
    if (route.name === 'login') {
      screen = new LoginScreen(this.ctx, this.pendingLogin ?? { name: 'home' }, this.expired);
      this.expired = false;
    } else if (route.name === 'studies') {
      screen = new StudyListScreen(this.ctx);
    } else if (route.name === 'consults') {
      screen = new ConsultListScreen(this.ctx);
    } else if (route.name === 'newConsult') {
      screen = new NewConsultScreen(this.ctx);
    } else if (route.name === 'consult') {
      screen = new ConsultScreen(this.ctx, route.consultId);
    } else if (route.name === 'audit') {
      screen = new AuditScreen(this.ctx);
    } else if (route.name === 'live') {
      const live = await import('./live/index');
      if (gen !== this.generation) return;
      screen = route.test ? new live.ConnectionTestScreen(this.ctx, route.consultId) : new live.LiveScreen(this.ctx, route.consultId, route.studyUid);
    } else if (route.name === 'view') {
      const consult = route.consultId && route.packId ? { consultId: route.consultId, packId: route.packId } : undefined;
      // The first requests go out now, while the viewer's code loads (see preload.ts).
      const preload = consult ? undefined : preloadStudy(this.ctx.dataSource, route.studyUid, route.seriesUid);
      const { ViewerScreen } = await import('./screens/viewer/ViewerScreen');
      if (gen !== this.generation) return;
      screen = new ViewerScreen(this.ctx, route.studyUid, route.seriesUid, consult, preload);
    } else {
      screen = new StudyListScreen(this.ctx);
    }
    if (route.name !== 'login') this.pendingLogin = null;
    this.screen = screen;
    this.root.dataset.screen = route.name;
    await screen.mount(this.root);
  }
}

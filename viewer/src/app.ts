import type { ViewerConfig } from './types';
import type { AppContext, Route, Screen } from './screens/Screen';
import { SessionService } from './services/session/SessionService';
import { SESSION_EVENTS } from './services/session/events';
import { CaseStore } from './services/case/CaseStore';
import { DicomWebDataSource } from './dataSource/DicomWebDataSource';
import { LoginScreen } from './screens/login/LoginScreen';
import { StudyListScreen } from './screens/studies/StudyListScreen';
import { h, clear } from './ui/dom';

/** Parses `location.hash`: `#/login`, `#/studies`, `#/view/<study>[/<series>]`. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login') return { name: 'login' };
  if (parts[0] === 'view' && parts[1]) return { name: 'view', studyUid: parts[1], seriesUid: parts[2] };
  return { name: 'studies' };
}

/** The hash for a route. */
export function routeHash(r: Route): string {
  if (r.name === 'login') return '#/login';
  if (r.name === 'view') return `#/view/${encodeURIComponent(r.studyUid)}${r.seriesUid ? `/${encodeURIComponent(r.seriesUid)}` : ''}`;
  return '#/studies';
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
    this.ctx = {
      config, session, dataSource, cases,
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
    if (route.name === 'login' && this.ctx.session.ready) route = { name: 'studies' };
    this.screen?.unmount();
    this.screen = null;
    clear(this.root);
    this.root.append(h('a', { class: 'skip-link', href: '#main', i18n: 'app.skipToContent', onclick: (e: Event) => { e.preventDefault(); (document.getElementById('main') as HTMLElement | null)?.focus(); } }));
    let screen: Screen;
    if (route.name === 'login') {
      screen = new LoginScreen(this.ctx, this.pendingLogin ?? { name: 'studies' }, this.expired);
      this.expired = false;
    } else if (route.name === 'studies') {
      screen = new StudyListScreen(this.ctx);
    } else {
      const { ViewerScreen } = await import('./screens/viewer/ViewerScreen');
      if (gen !== this.generation) return;
      screen = new ViewerScreen(this.ctx, route.studyUid, route.seriesUid);
    }
    if (route.name !== 'login') this.pendingLogin = null;
    this.screen = screen;
    this.root.dataset.screen = route.name;
    await screen.mount(this.root);
  }
}

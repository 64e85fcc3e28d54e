import type { AppContext, Route, Screen } from '../Screen';
import { LoginError } from '../../services/session/SessionService';
import { AppHeader } from '../../components/AppHeader';
import { h, bindI18n } from '../../ui/dom';

/** Login with the gateway's username and password (POST /api/auth/login). */
export class LoginScreen implements Screen {
  private header: AppHeader | null = null;
  private abort = new AbortController();

  constructor(private readonly ctx: AppContext, private readonly next: Route, private readonly expired = false) {}

  mount(container: HTMLElement): void {
    this.header = new AppHeader({ user: null });
    const username = h('input', { id: 'login-username', name: 'username', type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
    const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
    const submit = h('button', { type: 'submit', class: 'button primary wide', i18n: 'login.submit' });
    if (this.expired) bindI18n(error, { i18n: 'login.expired' });
    const form = h('form', { class: 'login-form', 'aria-describedby': 'login-error', novalidate: true },
      h('h1', { i18n: 'login.heading' }),
      h('p', { class: 'muted', i18n: 'login.intro' }),
      h('div', { class: 'field' }, h('label', { for: 'login-username', i18n: 'login.username' }), username),
      h('div', { class: 'field' }, h('label', { for: 'login-password', i18n: 'login.password' }), password),
      error, submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!username.value || !password.value) {
        (username.value ? password : username).focus();
        return;
      }
      submit.disabled = true;
      bindI18n(submit, { i18n: 'login.busy' });
      error.textContent = '';
      delete error.dataset.i18n;
      try {
        await this.ctx.session.login(username.value.trim(), password.value, this.abort.signal);
        this.ctx.navigate(this.next.name === 'login' ? { name: 'home' } : this.next);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof LoginError && err.kind === 'credentials') bindI18n(error, { i18n: 'login.failed' });
        else if (err instanceof LoginError && err.kind === 'rateLimited') bindI18n(error, { i18n: 'login.rateLimited', i18nParams: { seconds: err.retryAfter ?? 60 } });
        else bindI18n(error, { i18n: 'login.error', i18nParams: { status: err instanceof LoginError ? err.status : '—' } });
        password.value = '';
        password.focus();
      } finally {
        submit.disabled = false;
        bindI18n(submit, { i18n: 'login.submit' });
      }
    });
    container.append(this.header.element, h('main', { id: 'main', class: 'login-main' }, form));
    username.focus();
  }

  unmount(): void {
    this.abort.abort();
    this.header?.dispose();
  }
}

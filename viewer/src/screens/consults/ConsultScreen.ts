import type { AppContext, Screen } from '../Screen';
import { AppHeader } from '../../components/AppHeader';
import { mainNav } from '../../components/MainNav';
import { stateBadge, urgencyBadge } from '../../components/consult/badges';
import { problemNotice } from '../../components/consult/ProblemNotice';
import { commandForm } from '../../components/consult/CommandForm';
import { CaseSummaryFields } from '../../components/consult/CaseSummaryForm';
import { consultSections } from '../../components/consult/ConsultSections';
import { CaseImages } from '../../components/consult/CaseImages';
import { COMMAND_FORMS } from '../../services/worklist/commandForms';
import { actorFrom, availableCommands, mayViewImages } from '../../services/worklist/availableCommands';
import type { Actor, Command, ConsultItem, Facility } from '../../services/worklist/types';
import { onLangChange, t } from '../../i18n/i18n';
import { h } from '../../ui/dom';
import { icon } from '../../ui/icons';

/**
 * One consult, for whoever opens it: what the actor may see of it (the server's view), and on the right the
 * commands the actor may send at this step, each as a small form (G-3.2 … G-3.8). A draft shows the case
 * summary form. The screen follows the live feed and reloads when the consult changes.
 */
export class ConsultScreen implements Screen {
  private header: AppHeader | null = null;
  private readonly abort = new AbortController();
  private main!: HTMLElement;
  private actor: Actor | null = null;
  private view: ConsultItem | null = null;
  private facilities = new Map<string, string>();
  private flash: { key: 'consult.done' | 'consult.changed'; command?: string } | null = null;
  private images: CaseImages | null = null;
  private details: HTMLElement | null = null;
  private offLang: (() => void) | null = null;

  constructor(private readonly ctx: AppContext, private readonly consultId: string) {}

  mount(container: HTMLElement): void {
    const back = h('a', { href: '#/consults', class: 'button ghost back-link' }, icon('back'), h('span', { i18n: 'consult.back' }));
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: [back, mainNav(this.ctx.session.roles, null)] });
    this.main = h('main', { id: 'main', class: 'consult-main', tabindex: -1, 'aria-busy': 'true' }, h('p', { class: 'status', i18n: 'consult.loading' }));
    container.append(this.header.element, this.main);
    this.offLang = onLangChange(() => this.fillDetails());
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      const [me, view] = await Promise.all([this.ctx.me(), this.ctx.worklist.get(this.consultId, this.abort.signal)]);
      if (this.abort.signal.aborted) return;
      this.actor = actorFrom(me);
      this.view = view;
      this.render();
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.main.replaceChildren(h('h1', { i18n: 'consult.back' }), problemNotice(err));
      this.main.removeAttribute('aria-busy');
      return;
    }
    this.ctx.worklist.facilities(this.abort.signal).then((fs: Facility[]) => {
      this.facilities = new Map(fs.map((f) => [f.id, f.name]));
      this.fillDetails();
    }).catch(() => { /* ids instead of names */ });
    void this.ctx.worklist.follow((e) => {
      if (e.consultId === this.consultId) void this.reload('consult.changed');
    }, this.abort.signal);
  }

  private async reload(flash: 'consult.changed' | null): Promise<void> {
    try {
      const view = await this.ctx.worklist.get(this.consultId, this.abort.signal);
      if (this.abort.signal.aborted || (this.view && view.rev === this.view.rev)) return;
      this.view = view;
      if (flash) this.flash = { key: flash };
      this.render();
    } catch { /* keep what is shown; the next event retries */ }
  }

  /** Sends a command with the revision shown (409 when someone changed it meanwhile), then shows the result. */
  private async send(command: Command): Promise<void> {
    const view = await this.ctx.worklist.command(this.consultId, command, this.view?.rev);
    this.view = view;
    this.flash = { key: 'consult.done', command: command.type };
    this.render();
    (this.main.querySelector('.flash') as HTMLElement | null)?.focus();
  }

  private render(): void {
    const v = this.view;
    const actor = this.actor;
    if (!v || !actor) return;
    const title = h('div', { class: 'heading-row' },
      h('h1', { 'data-testid': 'consult-title', i18n: 'consult.heading', i18nParams: { pseudonym: v.patient.pseudonym } }),
      stateBadge(v.state), urgencyBadge(v.urgency));
    const flash = this.flash
      ? h('p', { class: 'flash', role: 'status', tabindex: -1, 'data-testid': 'flash' }, this.flash.key === 'consult.done' ? t('consult.done', { command: t(`cmd.${this.flash.command as Command['type']}`) }) : t('consult.changed'))
      : null;
    this.flash = null;

    const commands = availableCommands(actor, v);
    const actions = h('section', { class: 'consult-actions', 'aria-labelledby': 'actions-heading', 'data-testid': 'consult-actions' },
      h('h2', { id: 'actions-heading', i18n: 'consult.section.actions' }));
    const send = (c: Command) => this.send(c);
    if (commands.includes('editDraft')) actions.append(this.draftForm(v));
    for (const type of commands) {
      const spec = COMMAND_FORMS[type];
      if (spec) actions.append(commandForm({ spec, actor, view: v, send }));
    }
    if (!commands.length) actions.append(h('p', { class: 'muted', i18n: 'consult.noActions' }));
    // The live room (viewer/src/live): its connection test for IT before the meeting, the room during it.
    if (v.state === 'in_session') actions.firstElementChild!.after(h('a', { class: 'button primary', href: `#/live/${encodeURIComponent(v.id)}`, 'data-testid': 'join-live', i18n: 'consult.live.join' }));
    else if ((v.state === 'participants_approved' || v.state === 'connection_tested') && actor.roles.includes('it_technician')) {
      actions.append(h('a', { class: 'button secondary', href: `#/live/${encodeURIComponent(v.id)}/test`, i18n: 'consult.live.test' }));
    }

    this.images?.dispose();
    this.images = mayViewImages(actor, v) || commands.includes('editDraft')
      ? new CaseImages({ ctx: this.ctx, view: v, actor, canAttach: v.patient.id !== undefined && v.state !== 'closed' && v.state !== 'cancelled' })
      : null;
    // The images right after the overview: for the consulting side they are the reason to open the consult.
    const details = h('div', { class: 'consult-details' });
    this.details = details;
    this.fillDetails();
    this.main.replaceChildren(title, ...(flash ? [flash] : []), h('div', { class: 'consult-layout' }, details, actions));
    this.main.removeAttribute('aria-busy');
  }

  /** The read-only sections (rebuilt on a language switch: they format dates and labels themselves). */
  private fillDetails(): void {
    const v = this.view;
    if (!v || !this.details) return;
    const facility = (id: string) => this.facilities.get(id) ?? id;
    // The images right after the overview: for the consulting side they are the reason to open the consult.
    const [overview, ...rest] = consultSections(v, facility);
    this.details.replaceChildren(...[overview, this.images?.element, ...rest].filter((x): x is HTMLElement => !!x));
    for (const a of this.details.querySelectorAll<HTMLAnchorElement>('a[data-pdf]')) a.addEventListener('click', (e) => this.openPdf(e, a));
  }

  /** Fetches a consult PDF with the token and opens it in a new tab (a plain link could not send the token). */
  private openPdf(e: Event, a: HTMLAnchorElement): void {
    e.preventDefault();
    const which = a.dataset.pdf === 'participants' ? 'participants' : 'minutes';
    const tab = window.open('', '_blank');
    this.ctx.worklist.pdf(this.consultId, which).then((blob) => {
      const url = URL.createObjectURL(blob);
      if (tab) tab.location.href = url;
      else location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }).catch((err) => {
      tab?.close();
      a.after(problemNotice(err));
    });
  }

  /** The draft's case summary and requested time (editDraft, G-3.2). */
  private draftForm(v: ConsultItem): HTMLElement {
    const fields = new CaseSummaryFields(v.clinical?.caseSummary ?? {});
    const answer = h('div', { class: 'command-answer', 'aria-live': 'polite' });
    const button = h('button', { type: 'submit', class: 'button primary', 'data-command-submit': 'editDraft', i18n: 'cmd.editDraft' });
    const form = h('form', { class: 'command-form', 'data-command': 'editDraft', 'aria-labelledby': 'draft-title', novalidate: true },
      h('h3', { id: 'draft-title', class: 'command-title', i18n: 'consult.summaryForm' }), fields.element, button, answer);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        answer.replaceChildren();
        button.disabled = true;
        try {
          await this.send({ type: 'editDraft', patch: { caseSummary: fields.read() } });
        } catch (err) {
          answer.append(problemNotice(err));
        } finally {
          button.disabled = false;
        }
      })();
    });
    return form;
  }

  unmount(): void {
    this.abort.abort();
    this.offLang?.();
    this.images?.dispose();
    this.header?.dispose();
  }
}


import type { AppContext, Screen } from '../Screen';
import { AppHeader } from '../../components/AppHeader';
import { mainNav } from '../../components/MainNav';
import { CaseSummaryFields } from '../../components/consult/CaseSummaryForm';
import { problemNotice } from '../../components/consult/ProblemNotice';
import { isoFromLocal } from '../../services/worklist/commandForms';
import type { NewConsultBody } from '../../services/worklist/WorklistClient';
import type { PatientIdentity } from '../../services/worklist/types';
import { h } from '../../ui/dom';
import type { MessageKey } from '../../i18n/i18n';

/**
 * The request form (G-3.2): kind and urgency, the consulting hospital, the patient (new, registered at the
 * user's hospital, or an existing patient id), the requested time and the case summary. Creates a draft and
 * opens it, where consent, images and submission follow. The patient's identity stays at this hospital:
 * the consulting side sees only the pseudonym the server generates (G-2.3).
 */
export class NewConsultScreen implements Screen {
  private header: AppHeader | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly ctx: AppContext) {}

  mount(container: HTMLElement): void {
    this.header = new AppHeader({ user: this.ctx.session.current?.user.username ?? null, onLogout: this.ctx.session.current ? this.ctx.logout : undefined, start: [mainNav(this.ctx.session.roles, 'newConsult')] });
    const select = (id: string, options: [string, MessageKey][]) =>
      h('select', { id, name: id }, ...options.map(([value, i18n]) => h('option', { value, i18n })));
    const type = select('n-type', [['case', 'type.case'], ['training', 'type.training']]);
    const urgency = select('n-urgency', [['routine', 'urgency.routine'], ['emergency', 'urgency.emergency']]);
    const facility = h('select', { id: 'n-facility', name: 'consultingFacilityId', 'aria-required': 'true' });
    const mode = select('n-mode', [['new', 'field.patientMode.new'], ['existing', 'field.patientMode.existing']]);
    const fullName = h('input', { id: 'n-name', type: 'text', autocomplete: 'off', 'aria-required': 'true' });
    const birthDate = h('input', { id: 'n-birth', type: 'date', 'aria-required': 'true' });
    const sex = select('n-sex', [['male', 'sex.male'], ['female', 'sex.female'], ['other', 'sex.other'], ['unknown', 'sex.unknown']]);
    const nationalId = h('input', { id: 'n-nid', type: 'text', autocomplete: 'off', inputmode: 'numeric' });
    const patientId = h('input', { id: 'n-pid', type: 'text', autocomplete: 'off' });
    // The case pack takes only studies whose Patient ID is the patient's (gateway packs/patientMatch.ts).
    const pacsId = h('input', { id: 'n-pacs', type: 'text', autocomplete: 'off', maxlength: '64' });
    const requested = h('input', { id: 'n-time', type: 'datetime-local', 'aria-describedby': 'n-time-hint' });
    const summary = new CaseSummaryFields({}, 'consult.section.summary');
    const fieldOf = (id: string, label: MessageKey, control: HTMLElement, required = false) => {
      const l = h('label', { for: id, i18n: label });
      if (required) l.append(h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'));
      return h('div', { class: 'field' }, l, control);
    };
    const newPatient = h('div', { class: 'row-fields' },
      fieldOf('n-name', 'field.fullName', fullName, true), fieldOf('n-birth', 'field.birthDate', birthDate, true),
      fieldOf('n-sex', 'field.sex', sex), fieldOf('n-nid', 'field.nationalId', nationalId), fieldOf('n-pacs', 'field.pacsPatientId', pacsId));
    const existing = h('div', { class: 'row-fields', hidden: true }, fieldOf('n-pid', 'field.patientId', patientId, true));
    mode.addEventListener('change', () => {
      newPatient.hidden = mode.value !== 'new';
      existing.hidden = mode.value === 'new';
    });
    const answer = h('div', { 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'new.create' });
    const form = h('form', { class: 'request-form', 'data-testid': 'new-consult', novalidate: true },
      h('div', { class: 'row-fields' }, fieldOf('n-type', 'field.type', type), fieldOf('n-urgency', 'field.urgency', urgency), fieldOf('n-facility', 'field.consultingFacility', facility, true),
        h('div', { class: 'field' }, h('label', { for: 'n-time', i18n: 'field.requestedTime' }), requested, h('span', { id: 'n-time-hint', class: 'hint', i18n: 'field.requestedTime.hint' }))),
      h('fieldset', {}, h('legend', { i18n: 'field.patientMode' }), fieldOf('n-mode', 'field.patientMode', mode), newPatient, existing),
      summary.element, submit, answer);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const identity: PatientIdentity | undefined = mode.value === 'new'
        ? { fullName: fullName.value.trim(), birthDate: birthDate.value, sex: sex.value as PatientIdentity['sex'], ...(nationalId.value.trim() ? { nationalId: nationalId.value.trim() } : {}), ...(pacsId.value.trim() ? { patientIds: [{ id: pacsId.value.trim() }] } : {}) }
        : undefined;
      const missing = [!facility.value && facility, identity && !identity.fullName && fullName, identity && !identity.birthDate && birthDate, !identity && !patientId.value.trim() && patientId].find(Boolean);
      if (missing) {
        (missing as HTMLElement).focus();
        answer.replaceChildren(h('p', { class: 'form-error', role: 'alert', i18n: 'form.required', i18nParams: { field: document.querySelector(`label[for="${(missing as HTMLElement).id}"]`)?.textContent?.replace(' *', '') ?? '' } }));
        return;
      }
      const body: NewConsultBody = {
        type: type.value === 'training' ? 'training' : 'case',
        urgency: urgency.value === 'emergency' ? 'emergency' : 'routine',
        consultingFacilityId: facility.value,
        patient: identity ? { identity } : { id: patientId.value.trim() },
        caseSummary: summary.read(),
        ...(isoFromLocal(requested.value) ? { requestedTime: isoFromLocal(requested.value)! } : {}),
      };
      submit.disabled = true;
      answer.replaceChildren();
      this.ctx.worklist.create(body).then((c) => this.ctx.navigate({ name: 'consult', consultId: c.id }))
        .catch((err) => answer.replaceChildren(problemNotice(err)))
        .finally(() => { submit.disabled = false; });
    });
    container.append(this.header.element, h('main', { id: 'main', class: 'consult-main narrow', tabindex: -1 },
      h('h1', { i18n: 'new.heading' }), h('p', { class: 'muted', i18n: 'new.intro' }), form));
    void this.loadFacilities(facility);
  }

  private async loadFacilities(select: HTMLSelectElement): Promise<void> {
    try {
      const [me, all] = await Promise.all([this.ctx.me(), this.ctx.worklist.facilities(this.abort.signal)]);
      const options = all.filter((f) => f.canConsult && f.id !== me.facility?.id);
      select.replaceChildren(...options.map((f) => h('option', { value: f.id }, f.name)));
    } catch { /* the server refuses the form with its reason */ }
  }

  unmount(): void {
    this.abort.abort();
    this.header?.dispose();
  }
}

import type { AppContext } from '../../screens/Screen';
import type { Actor, ConsultItem } from '../../services/worklist/types';
import type { PackDescription } from '../../services/packs/PacksClient';
import { FINAL_JOB_STATES, jobFraction, type JobSnapshot } from '../../services/jobs/JobsClient';
import { packSource } from '../../dataSource/packSource';
import type { StudySummary } from '../../types';
import { formatDicomDate, t } from '../../i18n/i18n';
import { h, bindI18n } from '../../ui/dom';
import { problemNotice } from './ProblemNotice';
import { displayName } from '../../screens/studies/StudyListScreen';

export interface CaseImagesOptions {
  ctx: AppContext;
  view: ConsultItem;
  actor: Actor;
  /** The requesting side may add images (pick from the archive, import from a peer, attach files). */
  canAttach: boolean;
}

/**
 * The consult's images: its anonymized case packs (state, a progress bar while one builds, the studies to
 * open in the viewer); for the requesting side also a study picker over the archive (QIDO), an import from
 * a peer (a `dimse.import` job with a progress bar), and photo/PDF attachments added to a ready pack.
 */
export class CaseImages {
  readonly element: HTMLElement;
  private readonly abort = new AbortController();
  private readonly packsBox: HTMLElement;
  /** Pack id → the file last attached to it, confirmed in the pack's box. */
  private readonly attached = new Map<string, string>();

  constructor(private readonly o: CaseImagesOptions) {
    this.packsBox = h('div', { class: 'packs', 'data-testid': 'packs', 'aria-live': 'polite' });
    this.element = h('section', { class: 'consult-section', 'aria-labelledby': 'sec-images', 'data-section': 'images' },
      h('h2', { id: 'sec-images', i18n: 'consult.section.images' }), this.packsBox);
    if (o.canAttach) this.element.append(this.picker(), this.importer(), h('p', { class: 'hint' }, t('images.attachHint')));
    void this.loadPacks();
  }

  private async loadPacks(): Promise<void> {
    try {
      const packs = await this.o.ctx.packs.list(this.o.view.id, this.abort.signal);
      if (this.abort.signal.aborted) return;
      this.packsBox.replaceChildren(...(packs.length ? packs.map((p) => this.pack(p)) : [h('p', { class: 'muted', i18n: 'images.noPacks' })]));
    } catch (err) {
      if (!this.abort.signal.aborted) this.packsBox.replaceChildren(problemNotice(err));
    }
  }

  private pack(p: PackDescription): HTMLElement {
    const box = h('div', { class: 'pack', 'data-pack': p.id, 'data-state': p.state },
      h('p', {}, h('strong', {}, p.pseudonym), ' · ', h('span', { i18n: p.state === 'ready' ? 'images.packReady' : p.state === 'building' ? 'images.packBuilding' : 'images.packFailed' }),
        ` · ${t('images.counts', { released: p.counts.released, quarantined: p.counts.quarantined, attachments: p.counts.attachments })}`));
    if (p.job && !FINAL_JOB_STATES.has(p.job.state)) {
      const bar = progressBar();
      box.append(bar.element);
      void this.o.ctx.jobs.follow(p.job.id, (j) => bar.update(j), this.abort.signal).then(() => { if (!this.abort.signal.aborted) void this.loadPacks(); });
    }
    if (p.state === 'ready') {
      const list = h('ul', { class: 'plain pack-studies' });
      box.append(list);
      packSource(this.o.ctx, p.dicomweb).query.studies({}, this.abort.signal).then(({ items }) => {
        list.replaceChildren(...items.map((s) => h('li', {},
          h('a', { class: 'button primary small', href: `#/consults/${encodeURIComponent(this.o.view.id)}/view/${encodeURIComponent(p.id)}/${encodeURIComponent(s.studyUid)}`, 'data-open-study': s.studyUid },
            t('consult.openImages')), ` ${formatDicomDate(s.studyDate) || ''} · ${s.modalities.join(', ')} · ${s.description || ''} (${s.instanceCount ?? '?'})`)));
      }).catch((err) => !this.abort.signal.aborted && list.replaceChildren(problemNotice(err)));
      if (this.o.canAttach) box.append(this.attach(p));
    }
    return box;
  }

  /** A photo or PDF added to a ready pack (the gateway wraps it as DICOM and scans it like the images). */
  private attach(p: PackDescription): HTMLElement {
    const id = `attach-${p.id}`;
    const input = h('input', { id, type: 'file', accept: 'image/jpeg,image/png,application/pdf' });
    const answer = h('div', { 'aria-live': 'polite' });
    // The list is redrawn after an attachment (new counts): the confirmation is carried into the new box.
    const done = this.attached.get(p.id);
    if (done) answer.append(h('p', { class: 'ok', 'data-testid': 'attached' }, h('span', { i18n: 'images.attached' }), ` ${done}`));
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      answer.replaceChildren(h('p', { class: 'muted', i18n: 'consult.busy' }));
      this.o.ctx.packs.attach(p.id, file).then(() => {
        this.attached.set(p.id, file.name);
        void this.loadPacks();
      }).catch((err) => answer.replaceChildren(problemNotice(err)));
    });
    return h('div', { class: 'field' }, h('label', { for: id, i18n: 'images.attach' }), input, answer);
  }

  /** Archive studies (QIDO, the requesting side sees names) to anonymize into a new pack. */
  private picker(): HTMLElement {
    const name = h('input', { id: 'pick-name', type: 'search', value: this.o.view.patient.identity?.fullName ?? '' });
    const results = h('div', { class: 'pick-results' });
    const status = h('div', { 'aria-live': 'polite' });
    const build = h('button', { type: 'button', class: 'button primary', disabled: true, i18n: 'images.build' });
    const chosen = new Set<string>();
    const search = async () => {
      results.replaceChildren(h('p', { class: 'muted', i18n: 'studies.loading' }));
      try {
        const { items } = await this.o.ctx.dataSource.query.studies({ patientName: name.value || undefined }, this.abort.signal);
        results.replaceChildren(items.length ? this.studyChoices(items, chosen, () => { build.disabled = !chosen.size; }) : h('p', { class: 'muted', i18n: 'studies.empty' }));
      } catch (err) {
        if (!this.abort.signal.aborted) results.replaceChildren(problemNotice(err));
      }
    };
    build.addEventListener('click', () => {
      build.disabled = true;
      status.replaceChildren();
      this.o.ctx.packs.build(this.o.view.id, [...chosen]).then(() => this.loadPacks()).catch((err) => status.replaceChildren(problemNotice(err))).finally(() => { build.disabled = !chosen.size; });
    });
    const form = h('form', { class: 'inline-form', role: 'search' },
      h('div', { class: 'field grow' }, h('label', { for: 'pick-name', i18n: 'studies.patientName' }), name),
      h('button', { type: 'submit', class: 'button secondary', i18n: 'studies.search' }));
    form.addEventListener('submit', (e) => { e.preventDefault(); void search(); });
    return h('details', { class: 'subsection', 'data-testid': 'study-picker' }, h('summary', { i18n: 'images.pick' }), this.pacsIds(), form, results, build, status);
  }

  /**
   * The patient's PACS Patient IDs: a pack takes only studies carrying one of them (the gateway answers 422
   * otherwise), so the doctor can add the id a study was filed under without leaving the consult.
   */
  private pacsIds(): HTMLElement {
    const patientId = this.o.view.patient.id;
    const ids = [...(this.o.view.patient.identity?.patientIds ?? [])];
    const list = h('span', { 'data-testid': 'pacs-ids' });
    const show = () => list.replaceChildren(ids.length ? ids.map((r) => (r.issuer ? `${r.id} (${r.issuer})` : r.id)).join(', ') : t('images.noPacsIds'));
    show();
    const id = h('input', { id: 'pacs-id', type: 'text', autocomplete: 'off', maxlength: 64, required: true });
    const issuer = h('input', { id: 'pacs-issuer', type: 'text', autocomplete: 'off', maxlength: 64 });
    const status = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'inline-form', 'data-testid': 'pacs-id-form' },
      h('div', { class: 'field' }, h('label', { for: 'pacs-id', i18n: 'images.pacsId' }), id),
      h('div', { class: 'field' }, h('label', { for: 'pacs-issuer', i18n: 'images.pacsIssuer' }), issuer),
      h('button', { type: 'submit', class: 'button secondary', i18n: 'images.pacsAdd' }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!patientId || !id.value.trim()) return;
      const next = [...ids, { id: id.value.trim(), ...(issuer.value.trim() ? { issuer: issuer.value.trim() } : {}) }];
      status.replaceChildren();
      this.o.ctx.worklist.setPatientIds(patientId, next).then((r) => {
        ids.splice(0, ids.length, ...r.patientIds);
        show();
        id.value = ''; issuer.value = '';
      }).catch((err) => status.replaceChildren(problemNotice(err)));
    });
    return h('div', { class: 'pacs-ids' }, h('p', {}, h('span', { i18n: 'images.pacsIds' }), ': ', list), form, status);
  }

  private studyChoices(items: StudySummary[], chosen: Set<string>, changed: () => void): HTMLElement {
    return h('ul', { class: 'plain' }, ...items.map((s, i) => {
      const id = `pick-${i}`;
      const box = h('input', { id, type: 'checkbox', value: s.studyUid, 'data-pick-study': s.studyUid });
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(s.studyUid);
        else chosen.delete(s.studyUid);
        changed();
      });
      return h('li', {}, box, h('label', { for: id }, ` ${displayName(s.patientName)} · ${formatDicomDate(s.studyDate)} · ${s.modalities.join(', ')} · ${s.description || ''}`));
    }));
  }

  /** C-MOVE/C-GET a study from a configured peer into the archive (job `dimse.import`), with a progress bar. */
  private importer(): HTMLElement {
    const peer = h('select', { id: 'imp-peer' });
    const uid = h('input', { id: 'imp-study', type: 'text', inputmode: 'numeric', pattern: '[0-9.]+', autocomplete: 'off' });
    const status = h('div', { 'aria-live': 'polite' });
    const start = h('button', { type: 'submit', class: 'button secondary', i18n: 'images.start' });
    const form = h('form', { class: 'inline-form' },
      h('div', { class: 'field' }, h('label', { for: 'imp-peer', i18n: 'images.peer' }), peer),
      h('div', { class: 'field grow' }, h('label', { for: 'imp-study', i18n: 'images.studyUid' }), uid),
      start);
    const details = h('details', { class: 'subsection', 'data-testid': 'peer-import' }, h('summary', { i18n: 'images.import' }), form, status);
    details.addEventListener('toggle', () => {
      if (!details.open || peer.options.length) return;
      this.o.ctx.jobs.peers(this.abort.signal).then((ps) => {
        if (!ps.length) status.replaceChildren(h('p', { class: 'muted', i18n: 'images.noPeers' }));
        peer.replaceChildren(...ps.map((p) => h('option', { value: p.aeTitle }, p.description ? `${p.aeTitle} (${p.description})` : p.aeTitle)));
      }).catch((err) => status.replaceChildren(problemNotice(err)));
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!peer.value || !uid.value.trim()) return;
      start.disabled = true;
      const bar = progressBar();
      status.replaceChildren(bar.element);
      this.o.ctx.jobs.start('dimse.import', { peer: peer.value, studyUid: uid.value.trim() })
        .then((job) => this.o.ctx.jobs.follow(job.id, (j) => bar.update(j), this.abort.signal))
        .catch((err) => status.replaceChildren(problemNotice(err)))
        .finally(() => { start.disabled = false; });
    });
    return details;
  }

  dispose(): void {
    this.abort.abort();
  }
}

/** A labelled `<progress>` that follows a job: determinate once the total is known, then the final summary. */
export function progressBar(): { element: HTMLElement; update(j: JobSnapshot): void } {
  const bar = h('progress', { max: 1, 'data-testid': 'job-progress' });
  const label = h('span', { class: 'progress-label' });
  const element = h('div', { class: 'job-progress', role: 'group' }, bar, label);
  return {
    element,
    update(j) {
      const f = jobFraction(j.progress);
      if (f === null) bar.removeAttribute('value');
      else bar.value = f;
      element.dataset.state = j.state;
      if (j.state === 'succeeded') bindI18n(label, { i18n: 'images.done', i18nParams: { summary: j.report?.summary ?? '' } });
      else if (j.state === 'failed' || j.state === 'cancelled') bindI18n(label, { i18n: 'images.failed', i18nParams: { detail: j.error ?? j.state } });
      else if (j.progress.instancesTotal) bindI18n(label, { i18n: 'images.progress', i18nParams: { done: j.progress.instancesDone, total: j.progress.instancesTotal } });
      else bindI18n(label, { i18n: 'images.progressUnknown', i18nParams: { done: j.progress.instancesDone } });
      bar.setAttribute('aria-valuetext', label.textContent ?? '');
    },
  };
}

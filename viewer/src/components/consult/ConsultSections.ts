import type { MessageKey } from '../../i18n/i18n';
import { t } from '../../i18n/i18n';
import { formatDateTime } from '../../i18n/formatTime';
import type { CommandType, ConsultItem, ConsultState, Role } from '../../services/worklist/types';
import { h } from '../../ui/dom';
import { SUMMARY_FIELDS } from './CaseSummaryForm';

type Child = Node | string | null;

function section(id: string, heading: MessageKey, ...children: Child[]): HTMLElement {
  return h('section', { class: 'consult-section', 'aria-labelledby': `sec-${id}`, 'data-section': id },
    h('h2', { id: `sec-${id}`, i18n: heading }), ...children);
}

const none = (): HTMLElement => h('p', { class: 'muted', i18n: 'consult.none' });
const roleLabel = (r: Role | string): string => t(`role.${r}` as MessageKey);

/**
 * The consult as read-only sections, each only when the view carries it: overview (with the patient's
 * identity only when the server sent it — never to the consulting side, G-2.3), case summary, consent,
 * intake rounds, invitations, schedule, participants and approvals, connection tests, minutes, follow-ups,
 * history. Text from users is set as text, never as HTML.
 */
export function consultSections(v: ConsultItem, facility: (id: string) => string): HTMLElement[] {
  const out: HTMLElement[] = [];
  const patient = h('dd', { 'data-field': 'patient' }, h('strong', { 'data-field': 'pseudonym' }, v.patient.pseudonym));
  if (v.patient.identity) {
    patient.append(' · ', h('span', { 'data-field': 'identity' }, t('consult.identity', { name: v.patient.identity.fullName, birthDate: v.patient.identity.birthDate })));
  }
  const facts = h('dl', { class: 'facts' },
    h('dt', { i18n: 'consult.state' }), h('dd', { i18n: `state.${v.state}` }),
    h('dt', { i18n: 'field.type' }), h('dd', { i18n: `type.${v.type}` }),
    h('dt', { i18n: 'consult.patient' }), patient,
    h('dt', { i18n: 'consult.facilities' }), h('dd', {}, `${facility(v.requestingFacilityId)} → ${facility(v.consultingFacilityId)}`),
    h('dt', { i18n: 'consult.requestedTime' }), h('dd', {}, formatDateTime(v.requestedTime)));
  if (v.ending) facts.append(h('dt', { i18n: 'state.cancelled' }), h('dd', { 'data-field': 'ending' }, t('consult.ending', { kind: t(v.ending.kind === 'declined' ? 'state.declined' : 'state.cancelled'), reason: v.ending.reason })));
  out.push(section('overview', 'consult.facts', facts));

  const c = v.clinical;
  if (c) {
    const dl = h('dl', { class: 'case-fields', 'data-testid': 'consult-summary' });
    for (const f of SUMMARY_FIELDS) {
      const value = c.caseSummary[f.key];
      if (f.key === 'other' && !value) continue;
      dl.append(h('dt', { i18n: f.label }), h('dd', { 'data-field': f.key, class: value ? '' : 'muted' }, value || '—'));
    }
    out.push(section('summary', 'consult.section.summary', dl));
    out.push(section('consent', 'consult.section.consent', c.consent.recorded
      ? h('p', { 'data-field': 'consent' }, t('consult.consent.recorded', { method: t(`consent.method.${c.consent.method as 'paper' | 'electronic'}`), signer: t(`consent.signer.${c.consent.signer as 'patient' | 'legal_representative'}`), at: formatDateTime(c.consent.at) }))
      : h('p', { class: 'muted', 'data-field': 'consent', i18n: 'consult.consent.missing' })));
    if (c.intake.length) {
      out.push(section('intake', 'consult.section.intake', h('ol', { class: 'intake' }, ...c.intake.map((r, i) =>
        h('li', {}, h('span', { class: 'muted' }, `${t('consult.intake.round', { n: i + 1 })} · ${formatDateTime(r.askedBy.at)}`),
          h('dl', {}, ...r.questions.flatMap((q, k) => [h('dt', {}, q), h('dd', { class: r.answers ? '' : 'muted' }, r.answers?.[k] ?? t('consult.intake.unanswered'))])))))));
    }
  }

  if (v.invitations.length || v.state !== 'draft') {
    out.push(section('invitations', 'consult.section.invitations', v.invitations.length
      ? h('ul', { class: 'plain' }, ...v.invitations.map((i) => h('li', { 'data-expert': i.expertUserId },
        `${t('consult.invitation', { expert: i.expertUserId, specialty: i.specialty })} — `, h('span', { class: `inv-${i.status}`, i18n: `invitation.${i.status}` }), i.reason ? ` (${i.reason})` : '')))
      : none()));
  }
  if (v.schedule) {
    const s = v.schedule;
    out.push(section('schedule', 'consult.section.schedule', h('p', { 'data-field': 'schedule' }, `${formatDateTime(s.start)}${s.end ? ` – ${formatDateTime(s.end)}` : ''}`),
      s.link ? h('p', {}, h('span', { class: 'muted', i18n: 'consult.link' }), ': ', h('a', { href: safeLink(s.link), rel: 'noopener noreferrer', target: '_blank' }, s.link)) : null));
  }
  if (v.participants.length || v.approvals.length) {
    const byFacility = new Map<string, typeof v.participants[number][]>();
    for (const p of v.participants) byFacility.set(p.facilityId, [...(byFacility.get(p.facilityId) ?? []), p]);
    out.push(section('participants', 'consult.section.participants', ...[...byFacility].map(([fid, ps]) => {
      const approved = v.approvals.some((a) => a.facilityId === fid);
      return h('div', { class: 'participants', 'data-facility': fid },
        h('p', { class: approved ? 'ok' : 'muted' }, t(approved ? 'consult.approved' : 'consult.notApproved', { facility: facility(fid) })),
        h('ul', { class: 'plain' }, ...ps.map((p) => h('li', {}, t('consult.participant', { user: p.userId, role: roleLabel(p.role) })))));
    }), h('p', {}, h('a', { href: '#', class: 'button secondary small', 'data-pdf': 'participants', i18n: 'consult.participants.pdf' }))));
  }
  if (v.connectionTests.length) {
    out.push(section('connection', 'consult.section.connection', h('ul', { class: 'plain' }, ...v.connectionTests.map((ct) =>
      h('li', { 'data-result': ct.result }, t('consult.test', { facility: facility(ct.facilityId), result: t(`result.${ct.result}`), at: formatDateTime(ct.at) }),
        ct.bandwidthMbps !== undefined ? ` · ${ct.bandwidthMbps} Mbit/s` : '', ct.rttMs !== undefined ? ` · ${ct.rttMs} ms` : '', ct.notes ? ` · ${ct.notes}` : '')))));
  }
  if (c?.minutes) {
    const m = c.minutes;
    const status = [t('consult.minutes.version', { version: m.version })];
    if (m.agreedBy) status.push(`${t('consult.minutes.agreed')} (${m.agreedBy.userId}, ${formatDateTime(m.agreedBy.at)})`);
    if (m.signedBy) status.push(`${t('consult.minutes.signed')} (${m.signedBy.userId}, ${formatDateTime(m.signedBy.at)})`);
    out.push(section('minutes', 'consult.section.minutes',
      h('p', { class: 'muted', 'data-field': 'minutesStatus' }, status.join(' · ')),
      h('dl', { class: 'case-fields', 'data-testid': 'consult-minutes' },
        h('dt', { i18n: 'field.assessment' }), h('dd', { 'data-field': 'assessment' }, m.assessment),
        h('dt', { i18n: 'field.definitiveDiagnosis' }), h('dd', { 'data-field': 'definitiveDiagnosis' }, m.definitiveDiagnosis),
        h('dt', { i18n: 'field.treatmentDirection' }), h('dd', { 'data-field': 'treatmentDirection', i18n: `direction.${m.treatmentDirection}` }),
        ...(m.notes ? [h('dt', { i18n: 'field.notes' }), h('dd', {}, m.notes)] : [])),
      h('p', {}, h('a', { href: '#', class: 'button secondary small', 'data-pdf': 'minutes', i18n: 'consult.minutes.pdf' }))));
  }
  if (c?.followUps.length) {
    out.push(section('followUps', 'consult.section.followUps', h('ul', { class: 'plain' }, ...c.followUps.map((f) =>
      h('li', { class: f.kind === 'urgent_escalation' ? 'urgent' : '' }, t('consult.followUp', { kind: t(`followUp.${f.kind}`), at: formatDateTime(f.at), text: f.text }))))));
  }
  if (v.history.length) {
    const list = h('ol', { class: 'history' }, ...v.history.map((e) => h('li', {}, t('consult.historyEntry', {
      at: formatDateTime(e.at), user: e.userId, role: roleLabel(e.role), command: commandLabel(e.command), state: t(`state.${e.to as ConsultState}`),
    }))));
    out.push(h('details', { class: 'consult-section history-section' }, h('summary', { i18n: 'consult.section.history' }), list));
  }
  return out;
}

function commandLabel(command: string): string {
  const key = `cmd.${command}` as `cmd.${CommandType}`;
  const s = t(key);
  return s === key ? command : s;
}

/** Only http(s) links become clickable (a `javascript:` link typed into the schedule must not run). */
export function safeLink(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : '#';
  } catch {
    return '#';
  }
}

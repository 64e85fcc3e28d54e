import { can } from '@worklist/policy/can';
import { isRole } from '@worklist/model/Role';
import type { MessageKey } from '../i18n/i18n';
import { h } from '../ui/dom';

export type NavItem = 'consults' | 'newConsult' | 'studies' | 'audit';

const ITEMS: { id: NavItem; href: string; label: MessageKey }[] = [
  { id: 'consults', href: '#/consults', label: 'nav.consults' },
  { id: 'newConsult', href: '#/consults/new', label: 'nav.newConsult' },
  { id: 'studies', href: '#/studies', label: 'nav.studies' },
  { id: 'audit', href: '#/audit', label: 'nav.audit' },
];

/**
 * The screens a user can go to, by role (G-2.9): the consult list for worklist roles, "request a consult" for
 * the requesting side, the archive's study list, the audit log for directors and admins (G-2.11). The
 * current screen is marked with aria-current.
 */
export function mainNav(roles: readonly string[], current: NavItem | null): HTMLElement {
  const actor = { userId: '', facilityId: '', roles: roles.filter(isRole) };
  const show: Record<NavItem, boolean> = {
    consults: can(actor, 'consult.list').ok,
    newConsult: can(actor, 'create').ok,
    studies: roles.includes('admin') || roles.some((r) => r === 'requesting_doctor' || r === 'requesting_coordinator') || !actor.roles.length,
    audit: can(actor, 'audit.read').ok,
  };
  const nav = h('nav', { class: 'main-nav', i18nAttr: { 'aria-label': 'nav.main' } });
  for (const item of ITEMS) {
    if (!show[item.id]) continue;
    nav.append(h('a', { href: item.href, class: 'nav-link', 'data-nav': item.id, 'aria-current': item.id === current ? 'page' : undefined, i18n: item.label }));
  }
  return nav;
}

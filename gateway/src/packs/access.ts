import type { FastifyRequest } from 'fastify';
import type { Identity } from '@hoichan/anonymizer';
import type { PatientIdRef } from '@hoichan/worklist';
import type { User } from '../auth/Accounts.js';

/** What a policy needs to know about a pack. */
export interface PackSubject {
  id: string;
  consultId: string;
  createdBy: string;
}

/**
 * Who may build and who may see a consult's pack. The worklist (H4) owns consults and their participants;
 * until it is wired in, `defaultPackAccess` lets admins do everything and a pack's creator see it.
 */
export interface PackAccessPolicy {
  mayBuild(user: User, consultId: string): Promise<boolean>;
  mayView(user: User, pack: PackSubject): Promise<boolean>;
  /** The consult's pseudonym, when the worklist knows it (the request may not choose another). */
  pseudonymOf?(consultId: string): Promise<string | null>;
  /**
   * The consult's patient as the requesting hospital records it (never shown to consultants): the PACS ids that
   * source studies must carry, and the identity the leak gate looks for in what is added to the pack. Null when
   * the consult is unknown; absent when no worklist is wired (then no ownership check can run).
   */
  patientOf?(consultId: string): Promise<PackPatient | null>;
}

export interface PackPatient {
  ids: readonly PatientIdRef[];
  identity: Identity;
}

export const defaultPackAccess: PackAccessPolicy = {
  async mayBuild(user) {
    return user.roles.includes('admin');
  },
  async mayView(user, pack) {
    return user.roles.includes('admin') || user.username === pack.createdBy;
  },
};

/** One audit line (G-x: every access to patient data is traceable). Never holds patient identity. */
export interface AuditEntry {
  action: 'pack.build.requested' | 'pack.build.finished' | 'pack.export' | 'pack.attachment' | 'pack.view' | 'pack.delete' | 'pack.document';
  actor: string | null;
  packId: string;
  consultId: string;
  outcome: 'ok' | 'denied' | 'failed';
  detail?: Record<string, unknown>;
}

export interface AuditPort {
  record(entry: AuditEntry, req?: FastifyRequest): Promise<void> | void;
}

/** Until the worklist's audit sink is wired in: one structured log line per entry. */
export const logAudit = (log: { info(obj: object, msg: string): void }): AuditPort => ({
  record(entry) {
    log.info({ audit: entry }, `audit ${entry.action} ${entry.outcome}`);
  },
});

/**
 * The worklist API's shapes, taken from @hoichan/worklist so that client and server cannot drift: a view of a
 * consult is `viewFor()`'s output, a command is the worklist's `Command` union.
 */
export type { ConsultView, ClinicalView, PatientView } from '@worklist/policy/viewFor';
export type { Command, CommandOf, CommandType, DraftPatch, ExpertRequest, ParticipantRequest } from '@worklist/consult/events';
export type {
  Actor,
  CaseSummary as ConsultCaseSummary,
  ConsultState,
  ConsultType,
  Urgency,
  Role,
  Minutes,
  TreatmentDirection,
  Invitation,
  IntakeRound,
} from '@worklist/model/index';
export type { AuditEntry } from '@worklist/audit/AuditEntry';

export type { Facility, PatientIdentity } from '@worklist/model/index';
import type { Facility, Role } from '@worklist/model/index';
import type { CommandType } from '@worklist/consult/events';
import type { ConsultView } from '@worklist/policy/viewFor';

/** GET /api/me: who is logged in, at which facility, with which worklist roles. */
export interface Me {
  username: string;
  displayName?: string | null;
  facility: Facility | null;
  roles: string[];
  worklistRoles: Role[];
}

/** A consult as the API answers it: the actor's view plus the commands the server would accept from them now. */
export type ConsultItem = ConsultView & { allowedCommands?: CommandType[] };

/** A user as GET /api/users lists them (to invite experts and propose participants). */
export interface DirectoryUser {
  username: string;
  displayName?: string | null;
  facilityId: string;
  roles: string[];
}

/** Filters of GET /api/consults (all optional; the server puts emergencies first). */
export interface ConsultFilter {
  /** One state or several, comma separated. */
  state?: string;
  urgency?: string;
  facility?: string;
}

/** One server-sent event of GET /api/events. */
export interface WorklistEvent {
  type: string;
  consultId?: string;
  data: unknown;
}

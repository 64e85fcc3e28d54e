import type { Role } from './Role.js';

/** The authenticated user issuing a command or a read: one facility, one or more roles there. */
export interface Actor {
  readonly userId: string;
  readonly facilityId: string;
  readonly roles: readonly Role[];
}

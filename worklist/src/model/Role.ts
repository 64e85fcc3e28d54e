/**
 * The roles a user holds at one facility (G-2.9: access is granted by role, matching each user's function).
 * The `requesting_*` roles act for consults their facility requested; `consulting_coordinator` (the planning
 * office, phòng KHTH) and `consultant_expert` act for consults their facility received.
 */
export const ROLES = [
  'requesting_doctor',
  'requesting_coordinator',
  'consulting_coordinator',
  'consultant_expert',
  'it_technician',
  'facility_director',
  'admin',
] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** True when `s` names a worklist role (for parsing the gateway's stored role strings). */
export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

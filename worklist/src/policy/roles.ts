import type { Role } from '../model/index.js';

/** Roles that act for the requesting hospital (BVTD) on consults their facility requested. */
export const REQUESTING_SIDE_ROLES = ['requesting_doctor', 'requesting_coordinator'] as const satisfies readonly Role[];

/** Roles that act for the consulting hospital (BVTT) on consults their facility received. */
export const CONSULTING_SIDE_ROLES = ['consulting_coordinator', 'consultant_expert'] as const satisfies readonly Role[];

/** Roles that act for whichever side their facility is on (G-2.7 approvals, G-3.5 connection tests). */
export const FACILITY_ROLES = ['facility_director', 'it_technician'] as const satisfies readonly Role[];

/**
 * Private attributes kept by the Retain Safe Private option (PS3.15 E.3.10). Without that option every private
 * attribute is removed (Table E.1-1 row "(GGGG,EEEE) where GGGG is odd": X).
 *
 * Policy (README "Safe private list"):
 *  - an entry names the Private Creator, the group, the element offset inside the creator's block (the "xx" of
 *    (gggg,xxee)), the VRs accepted, and why the consult needs it;
 *  - only numeric values that carry acquisition physics (b-values, rescale factors, SUV factors) are listed; never
 *    free text, dates, names, identifiers, or opaque blobs (CSA headers and the like can embed anything);
 *  - entries come from PS3.15 Table E.3.10-1 (Safe Private Attributes); nothing is added without a reason here
 *    and a review;
 *  - a value is kept only if its VR is one of `vrs` (or UN whose bytes decode as that numeric VR); the Private
 *    Creator element of a kept block is kept with it.
 */

/** One safe private attribute. */
export interface SafePrivateEntry {
  /** Private Creator value (compared trimmed, case-sensitively as the standard requires). */
  readonly creator: string;
  /** Odd group, 4 upper-case hex digits. */
  readonly group: string;
  /** Element offset within the block, 2 upper-case hex digits (the "ee" of (gggg,xxee)). */
  readonly element: string;
  /** Accepted VRs. */
  readonly vrs: readonly string[];
  readonly name: string;
  /** Why a consultant needs it. */
  readonly reason: string;
}

/** The safe private list. */
export const SAFE_PRIVATE: readonly SafePrivateEntry[] = [
  {
    creator: 'SIEMENS MR HEADER', group: '0019', element: '0C', vrs: ['IS'], name: 'B_value',
    reason: 'diffusion b-value: needed to read DWI/ADC series (PS3.15 Table E.3.10-1)',
  },
  {
    creator: 'SIEMENS MR HEADER', group: '0019', element: '0D', vrs: ['CS'], name: 'DiffusionDirectionality',
    reason: 'diffusion directionality (DIRECTIONAL/ISOTROPIC/NONE): needed to read DWI (Table E.3.10-1)',
  },
  {
    creator: 'SIEMENS MR HEADER', group: '0019', element: '0E', vrs: ['FD'], name: 'DiffusionGradientDirection',
    reason: 'diffusion gradient vector: needed for DWI/DTI review (Table E.3.10-1)',
  },
  {
    creator: 'GEMS_PARM_01', group: '0043', element: '39', vrs: ['IS'], name: 'SlopInt6-9 (b-value)',
    reason: 'GE diffusion b-value in the first value: needed to read DWI (Table E.3.10-1)',
  },
  {
    creator: 'Philips Imaging DD 001', group: '2001', element: '03', vrs: ['FL'], name: 'DiffusionBFactor',
    reason: 'Philips diffusion b-value: needed to read DWI (Table E.3.10-1)',
  },
  {
    creator: 'Philips Imaging DD 001', group: '2001', element: '04', vrs: ['CS'], name: 'DiffusionDirection',
    reason: 'Philips diffusion direction code: needed to read DWI (Table E.3.10-1)',
  },
  {
    creator: 'Philips MR Imaging DD 001', group: '2005', element: '0D', vrs: ['FL'], name: 'ScaleIntercept',
    reason: 'Philips MR floating-point rescale: needed for quantitative values such as ADC (Table E.3.10-1)',
  },
  {
    creator: 'Philips MR Imaging DD 001', group: '2005', element: '0E', vrs: ['FL'], name: 'ScaleSlope',
    reason: 'Philips MR floating-point rescale: needed for quantitative values such as ADC (Table E.3.10-1)',
  },
  {
    creator: 'Philips PET Private Group', group: '7053', element: '00', vrs: ['DS'], name: 'SUVFactor',
    reason: 'SUV scale factor: needed to read PET SUVs (Table E.3.10-1)',
  },
  {
    creator: 'Philips PET Private Group', group: '7053', element: '09', vrs: ['DS'], name: 'ActivityConcentrationScaleFactor',
    reason: 'activity concentration scale: needed for quantitative PET (Table E.3.10-1)',
  },
];

/** Finds the safe entry for a private element given its block's creator, or undefined. */
export function findSafePrivate(group: string, elementOffset: string, creator: string | undefined): SafePrivateEntry | undefined {
  if (creator === undefined) return undefined;
  const c = creator.replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return SAFE_PRIVATE.find(
    (e) => e.group === group.toUpperCase() && e.element === elementOffset.toUpperCase() && e.creator === c,
  );
}

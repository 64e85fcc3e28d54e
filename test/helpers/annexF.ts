/**
 * Checks a value against PS3.18 Annex F (DICOM JSON): 8-hex tag keys, a known VR, and the value form that
 * VR takes. Returns the problems found (empty when valid), with a path to each.
 */
const VRS = new Set(['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV']);
const NUMERIC = new Set(['DS', 'IS', 'FL', 'FD', 'SL', 'SS', 'UL', 'US', 'SV', 'UV']);
const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

export function annexFProblems(obj: unknown, at = '$'): string[] {
  const out: string[] = [];
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [`${at}: dataset is not an object`];
  for (const [tag, el] of Object.entries(obj as Record<string, unknown>)) {
    const p = `${at}.${tag}`;
    if (!/^[0-9A-F]{8}$/.test(tag)) out.push(`${p}: key is not 8 uppercase hex digits`);
    if (typeof el !== 'object' || el === null) { out.push(`${p}: element is not an object`); continue; }
    const e = el as { vr?: unknown; Value?: unknown; BulkDataURI?: unknown; InlineBinary?: unknown };
    if (typeof e.vr !== 'string' || !VRS.has(e.vr)) { out.push(`${p}: bad vr ${String(e.vr)}`); continue; }
    const forms = ['Value', 'BulkDataURI', 'InlineBinary'].filter((k) => k in e);
    if (forms.length > 1) out.push(`${p}: more than one of Value/BulkDataURI/InlineBinary`);
    if ('BulkDataURI' in e && typeof e.BulkDataURI !== 'string') out.push(`${p}: BulkDataURI not a string`);
    if ('InlineBinary' in e && (typeof e.InlineBinary !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(e.InlineBinary))) out.push(`${p}: InlineBinary not base64`);
    if ('Value' in e) {
      if (!Array.isArray(e.Value)) { out.push(`${p}: Value is not an array`); continue; }
      if (BINARY.has(e.vr)) out.push(`${p}: binary VR ${e.vr} with Value`);
      e.Value.forEach((v, i) => {
        const vp = `${p}.Value[${i}]`;
        if (v === null) return; // an empty value inside a multi-valued element
        if (e.vr === 'SQ') out.push(...annexFProblems(v, vp));
        else if (e.vr === 'PN') {
          if (typeof v !== 'object' || Array.isArray(v)) out.push(`${vp}: PN value is not an object`);
          else for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
            if (!['Alphabetic', 'Ideographic', 'Phonetic'].includes(k) || typeof s !== 'string') out.push(`${vp}: bad PN component ${k}`);
          }
        } else if (NUMERIC.has(e.vr)) {
          if (typeof v !== 'number' && !(e.vr === 'SV' || e.vr === 'UV')) out.push(`${vp}: ${e.vr} value is not a number`);
        } else if (e.vr === 'AT') {
          if (typeof v !== 'string' || !/^[0-9A-F]{8}$/.test(v)) out.push(`${vp}: AT value not 8 hex`);
        } else if (typeof v !== 'string') out.push(`${vp}: ${e.vr} value is not a string`);
      });
    }
  }
  return out;
}

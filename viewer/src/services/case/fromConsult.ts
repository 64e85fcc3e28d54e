import type { CaseSummary } from '../../types';
import type { ConsultView } from '../worklist/types';
import { t } from '../../i18n/i18n';

/**
 * The viewer's case panel content for a consult (G-1.4): the pseudonym and the clinical fields, the question,
 * and the current minutes as the draft. Built field by field from the clinical part of the view, so the
 * patient's identity (present in the view for the requesting side) is never copied (G-2.3).
 */
export function caseSummaryFromConsult(v: ConsultView): CaseSummary {
  const c = v.clinical;
  const m = c?.minutes;
  const minutes = m
    ? [`${t('field.assessment')}: ${m.assessment}`, `${t('field.definitiveDiagnosis')}: ${m.definitiveDiagnosis}`, `${t('field.treatmentDirection')}: ${t(`direction.${m.treatmentDirection}`)}`, ...(m.notes ? [`${t('field.notes')}: ${m.notes}`] : [])].join('\n')
    : undefined;
  return {
    pseudonym: v.patient.pseudonym,
    history: c?.caseSummary.history,
    pastHistory: c?.caseSummary.pastHistory,
    examination: c?.caseSummary.examination,
    paraclinical: c?.caseSummary.paraclinical,
    preliminaryDiagnosis: c?.caseSummary.preliminaryDiagnosis,
    treatmentSoFar: c?.caseSummary.treatmentSoFar,
    question: c?.caseSummary.question,
    minutesDraft: minutes,
    emergency: v.urgency === 'emergency',
  };
}

import type { Kysely } from 'kysely';
import type { Database } from '../archive/index/schema.js';
import type { Level } from '../dicomweb/qido/attributes.js';
import type { QidoQuery } from '../dicomweb/qido/parseQuery.js';
import { MAX_RESULTS, runQuery } from '../dicomweb/qido/runQuery.js';
import { HIDE_PACK_CONTENT } from '../packs/views.js';
import { HoiError } from '../errors.js';
import { CMD, STATUS, responseFor } from './command.js';
import { hexTag, type Element } from './dataset.js';
import { TAG, answerFor, parseIdentifier, stringElement, type JsonDataset, type ParsedIdentifier, type QrLevel } from './identifier.js';
import type { Operation } from './association.js';

const QIDO_LEVEL: Record<QrLevel, Level> = { PATIENT: 'study', STUDY: 'study', SERIES: 'series', IMAGE: 'instance' };

/** Keys we fill in ourselves: never looked up in stored metadata. */
const COMPUTED: ReadonlySet<number> = new Set([TAG.retrieveAeTitle, TAG.numberOfPatientRelatedStudies, TAG.numberOfPatientRelatedSeries, TAG.numberOfPatientRelatedInstances]);

/** Yield to the event loop now and then, so that a C-CANCEL-RQ can be read during a long answer. */
const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Every match of a query, page after page (runQuery caps a page at MAX_RESULTS). */
async function* matches(db: Kysely<Database>, level: Level, ident: ParsedIdentifier): AsyncGenerator<JsonDataset> {
  const includeTags = [...new Set(ident.keys.filter((k) => !COMPUTED.has(k.tag)).map((k) => hexTag(k.tag)))];
  for (let offset = 0; ; offset += MAX_RESULTS) {
    const q: QidoQuery = { filters: ident.filters, includeTags, includeAll: false, limit: MAX_RESULTS, offset, fuzzy: false, ignored: [] };
    const page = await runQuery(db, level, q, { restrict: HIDE_PACK_CONTENT }, '');
    for (const item of page.items) yield JSON.parse(item) as JsonDataset;
    if (!page.more) return;
  }
}

const num = (o: JsonDataset, tag: string): number => Number(o[tag]?.Value?.[0] ?? 0);

/** C-FIND SCP (patient and study root): the QIDO matching, answered with the keys asked for. */
export function findService(deps: { db: Kysely<Database>; aeTitle: string }) {
  return async (op: Operation): Promise<void> => {
    const { assoc, pc, rq } = op;
    const final = (status: number, comment?: string) => assoc.respond(pc, responseFor(rq, CMD.cFindRsp, status, comment ? { errorComment: comment.slice(0, 64) } : {}));
    const ident = parseIdentifier(op.identifier);
    if (!ident.level) return final(STATUS.identifierMismatch, 'QueryRetrieveLevel missing or invalid');
    const level = ident.level;
    const asked = new Set(ident.keys.map((k) => k.tag));
    const extra = (): Element[] => (asked.has(TAG.retrieveAeTitle) ? [stringElement(TAG.retrieveAeTitle, 'AE', deps.aeTitle)] : []);
    const pending = (answer: Element[]) => assoc.respond(pc, responseFor(rq, CMD.cFindRsp, STATUS.pending), answer);

    let sent = 0;
    try {
      if (level === 'PATIENT') {
        // One answer per patient: study rows grouped by PatientID (+ issuer), with the related counts.
        const groups = new Map<string, { first: JsonDataset; studies: number; series: number; instances: number }>();
        for await (const o of matches(deps.db, 'study', ident)) {
          const key = `${o['00100020']?.Value?.[0] ?? ''}\u0000${o['00100021']?.Value?.[0] ?? ''}`;
          const g = groups.get(key);
          if (g) {
            g.studies++;
            g.series += num(o, '00201206');
            g.instances += num(o, '00201208');
          } else groups.set(key, { first: o, studies: 1, series: num(o, '00201206'), instances: num(o, '00201208') });
        }
        for (const g of groups.values()) {
          if (op.cancelled) return final(STATUS.cancel);
          const counts: Element[] = [];
          if (asked.has(TAG.numberOfPatientRelatedStudies)) counts.push(stringElement(TAG.numberOfPatientRelatedStudies, 'IS', String(g.studies)));
          if (asked.has(TAG.numberOfPatientRelatedSeries)) counts.push(stringElement(TAG.numberOfPatientRelatedSeries, 'IS', String(g.series)));
          if (asked.has(TAG.numberOfPatientRelatedInstances)) counts.push(stringElement(TAG.numberOfPatientRelatedInstances, 'IS', String(g.instances)));
          await pending(answerFor(ident.keys, g.first, level, [...counts, ...extra()]));
          if (++sent % 32 === 0) await breathe();
        }
      } else {
        for await (const o of matches(deps.db, QIDO_LEVEL[level], ident)) {
          if (op.cancelled) return final(STATUS.cancel);
          await pending(answerFor(ident.keys, o, level, extra()));
          if (++sent % 32 === 0) await breathe();
        }
      }
    } catch (err) {
      if (err instanceof HoiError) return final(err.dimse, err.message);
      throw err;
    }
    if (op.cancelled) return final(STATUS.cancel);
    return final(STATUS.success);
  };
}

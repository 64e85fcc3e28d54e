/** UIDs the DIMSE layer negotiates with (PS3.6 Annex A, PS3.4). */

export const APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1';

/** Identifies Hoichan in the file meta (0002,0012) and A-ASSOCIATE user information. */
export const IMPLEMENTATION_CLASS_UID = '2.25.330499851762933868675544871829120657852';
export const IMPLEMENTATION_VERSION = 'HOICHAN_0.1';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
} as const;

/** Transfer syntaxes we accept for storage: the bytes are kept as received, so we only need to parse headers. */
export const STORAGE_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  TS.implicitLE, TS.explicitLE, TS.deflatedLE, TS.explicitBE,
  '1.2.840.10008.1.2.1.98', // encapsulated uncompressed explicit LE
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.92', '1.2.840.10008.1.2.4.93',
  '1.2.840.10008.1.2.4.94', '1.2.840.10008.1.2.4.95',
  '1.2.840.10008.1.2.4.100', '1.2.840.10008.1.2.4.101', '1.2.840.10008.1.2.4.102', '1.2.840.10008.1.2.4.103',
  '1.2.840.10008.1.2.4.104', '1.2.840.10008.1.2.4.105', '1.2.840.10008.1.2.4.106', '1.2.840.10008.1.2.4.107', '1.2.840.10008.1.2.4.108',
  '1.2.840.10008.1.2.4.110', '1.2.840.10008.1.2.4.111', '1.2.840.10008.1.2.4.112',
  '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203',
  '1.2.840.10008.1.2.5',
]);

/** Commands, queries and identifiers: what every DIMSE implementation speaks. */
export const COMMAND_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([TS.implicitLE, TS.explicitLE]);

export const SOP = {
  verification: '1.2.840.10008.1.1',
  patientRootFind: '1.2.840.10008.5.1.4.1.2.1.1',
  patientRootMove: '1.2.840.10008.5.1.4.1.2.1.2',
  patientRootGet: '1.2.840.10008.5.1.4.1.2.1.3',
  studyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
  studyRootMove: '1.2.840.10008.5.1.4.1.2.2.2',
  studyRootGet: '1.2.840.10008.5.1.4.1.2.2.3',
  patientStudyOnlyFind: '1.2.840.10008.5.1.4.1.2.3.1',
  patientStudyOnlyMove: '1.2.840.10008.5.1.4.1.2.3.2',
  patientStudyOnlyGet: '1.2.840.10008.5.1.4.1.2.3.3',
} as const;

export type QueryModel = 'patient' | 'study';
export type Service = 'echo' | 'find' | 'move' | 'get' | 'storage';

const QR: Record<string, { service: Service; model: QueryModel }> = {
  [SOP.patientRootFind]: { service: 'find', model: 'patient' },
  [SOP.patientRootMove]: { service: 'move', model: 'patient' },
  [SOP.patientRootGet]: { service: 'get', model: 'patient' },
  [SOP.studyRootFind]: { service: 'find', model: 'study' },
  [SOP.studyRootMove]: { service: 'move', model: 'study' },
  [SOP.studyRootGet]: { service: 'get', model: 'study' },
  [SOP.patientStudyOnlyFind]: { service: 'find', model: 'patient' },
  [SOP.patientStudyOnlyMove]: { service: 'move', model: 'patient' },
  [SOP.patientStudyOnlyGet]: { service: 'get', model: 'patient' },
};

/** Storage SOP classes outside the 1.2.840.10008.5.1.4.1.1 arc. */
const OTHER_STORAGE = /^1\.2\.840\.10008\.5\.1\.4\.(34\.\d+|38\.1|39\.1|43\.1|44\.1|45\.1)$/;

/**
 * What an abstract syntax is for us. Standard storage classes and any non-standard (private) class count as
 * storage; other standard services we do not offer are null.
 */
export function serviceOf(abstractSyntax: string): { service: Service; model?: QueryModel } | null {
  if (abstractSyntax === SOP.verification) return { service: 'echo' };
  const qr = QR[abstractSyntax];
  if (qr) return qr;
  if (abstractSyntax.startsWith('1.2.840.10008.5.1.4.1.1.') || OTHER_STORAGE.test(abstractSyntax)) return { service: 'storage' };
  if (!abstractSyntax.startsWith('1.2.840.10008.')) return { service: 'storage' };
  return null;
}

export const isCompressed = (ts: string): boolean => ts !== TS.implicitLE && ts !== TS.explicitLE && ts !== TS.explicitBE && ts !== TS.deflatedLE;

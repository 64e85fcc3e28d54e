/** PDU types (PS3.8 9.3). */
export const PDU = {
  associateRq: 0x01,
  associateAc: 0x02,
  associateRj: 0x03,
  pData: 0x04,
  releaseRq: 0x05,
  releaseRp: 0x06,
  abort: 0x07,
} as const;

/** A-ABORT sources and service-provider reasons (PS3.8 9.3.8). */
export const ABORT = {
  sourceUser: 0,
  sourceProvider: 2,
  reasonNotSpecified: 0,
  reasonUnrecognizedPdu: 1,
  reasonUnexpectedPdu: 2,
  reasonUnrecognizedParameter: 4,
  reasonUnexpectedParameter: 5,
  reasonInvalidParameter: 6,
} as const;

/** A-ASSOCIATE-RJ result / source / reason (PS3.8 9.3.4). */
export const REJECT = {
  permanent: 1,
  transient: 2,
  sourceUser: 1,
  sourceAcse: 2,
  sourcePresentation: 3,
  /** source 1 */
  reasonNoReason: 1,
  reasonAppContext: 2,
  reasonCallingAe: 3,
  reasonCalledAe: 7,
  /** source 3 */
  reasonCongestion: 1,
  reasonLocalLimit: 2,
  /** source 2 */
  reasonProtocolVersion: 2,
} as const;

/** PDV message control header bits (PS3.8 E.2). */
export const PDV_COMMAND = 0x01;
export const PDV_LAST = 0x02;

/** Raised by the reader on bytes that are not a valid PDU stream; answered with an A-ABORT. */
export class PduError extends Error {
  constructor(readonly reason: number, message: string) {
    super(message);
    this.name = 'PduError';
  }
}

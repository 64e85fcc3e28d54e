import { describe, expect, it } from 'vitest';
import { negotiate, RESULT } from './negotiation.js';
import type { AssociateRq } from './pdu/associate.js';
import { SOP, TS } from './uids.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const JPEG_LL = '1.2.840.10008.1.2.4.70';

function rq(contexts: AssociateRq['contexts'], roles: AssociateRq['user']['roles'] = []): AssociateRq {
  return {
    protocolVersion: 1, calledAe: 'HOICHAN', callingAe: 'SCU', applicationContext: '1.2.840.10008.3.1.1.1', contexts,
    user: { maxPduLength: 16384, implementationClassUid: '1.2', implementationVersion: null, roles, asyncOps: null },
  };
}

describe('negotiate', () => {
  it('accepts storage with the first proposed transfer syntax we know, compressed ones included', () => {
    const n = negotiate(rq([
      { id: 1, abstractSyntax: CT, transferSyntaxes: ['1.2.3.4.5.private', JPEG_LL, TS.explicitLE] },
      { id: 3, abstractSyntax: CT, transferSyntaxes: [TS.implicitLE] },
      { id: 5, abstractSyntax: '1.2.840.10008.5.1.4.1.1.4', transferSyntaxes: [TS.explicitBE] },
      { id: 7, abstractSyntax: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxes: [TS.deflatedLE, TS.explicitLE] },
    ]));
    expect(n.results.map((r) => [r.id, r.result, r.transferSyntax])).toEqual([
      [1, 0, JPEG_LL], [3, 0, TS.implicitLE], [5, 0, TS.explicitBE], [7, 0, TS.deflatedLE],
    ]);
    expect(n.accepted.get(1)).toMatchObject({ service: 'storage', transferSyntax: JPEG_LL });
  });

  it('accepts verification and Q/R with Implicit/Explicit LE only', () => {
    const n = negotiate(rq([
      { id: 1, abstractSyntax: SOP.verification, transferSyntaxes: [TS.implicitLE] },
      { id: 3, abstractSyntax: SOP.studyRootFind, transferSyntaxes: [TS.explicitLE, TS.implicitLE] },
      { id: 5, abstractSyntax: SOP.patientRootMove, transferSyntaxes: [JPEG_LL] },
      { id: 7, abstractSyntax: SOP.studyRootGet, transferSyntaxes: [TS.explicitBE, TS.implicitLE] },
    ]));
    expect(n.results.map((r) => r.result)).toEqual([0, 0, RESULT.transferSyntaxes, 0]);
    expect(n.accepted.get(3)).toMatchObject({ service: 'find', model: 'study', transferSyntax: TS.explicitLE });
    expect(n.accepted.get(7)).toMatchObject({ service: 'get', model: 'study', transferSyntax: TS.implicitLE });
  });

  it('rejects standard services we do not offer, accepts private classes as storage', () => {
    const n = negotiate(rq([
      { id: 1, abstractSyntax: '1.2.840.10008.3.1.2.3.3', transferSyntaxes: [TS.implicitLE] }, // MPPS
      { id: 3, abstractSyntax: '1.2.840.10008.5.1.4.31', transferSyntaxes: [TS.implicitLE] }, // worklist
      { id: 5, abstractSyntax: '1.3.12.2.1107.5.9.1', transferSyntaxes: [TS.explicitLE] }, // Siemens CSA non-image
      { id: 7, abstractSyntax: '', transferSyntaxes: [TS.explicitLE] },
    ]));
    expect(n.results.map((r) => r.result)).toEqual([RESULT.abstractSyntax, RESULT.abstractSyntax, 0, RESULT.abstractSyntax]);
    expect(n.accepted.get(5)?.service).toBe('storage');
  });

  it('grants the SCP role for storage (C-GET) and marks those contexts for sub-operations', () => {
    const n = negotiate(rq([
      { id: 1, abstractSyntax: SOP.studyRootGet, transferSyntaxes: [TS.implicitLE] },
      { id: 3, abstractSyntax: CT, transferSyntaxes: [TS.explicitLE] },
      { id: 5, abstractSyntax: '1.2.840.10008.5.1.4.1.1.4', transferSyntaxes: [TS.explicitLE] },
    ], [
      { sopClass: CT, scu: false, scp: true },
      { sopClass: '1.2.840.10008.5.1.4.1.1.4', scu: true, scp: false },
      { sopClass: SOP.studyRootGet, scu: true, scp: true },
    ]));
    expect(n.roles).toEqual([
      { sopClass: CT, scu: false, scp: true },
      { sopClass: '1.2.840.10008.5.1.4.1.1.4', scu: true, scp: false },
      { sopClass: SOP.studyRootGet, scu: true, scp: false },
    ]);
    expect(n.accepted.get(3)?.storeToPeer).toBe(true);
    expect(n.accepted.get(5)?.storeToPeer).toBe(false);
  });
});

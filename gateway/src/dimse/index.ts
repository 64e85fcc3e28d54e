import type { Config } from '../config/config.js';
import { Dimse, type DimseDeps } from './scp.js';

export { Dimse } from './scp.js';
export { peerSourcesRoutes, peersRoutes } from './peersRoutes.js';

/** The DIMSE side from the gateway's Config (the peer registry always; the listener when a port is set). */
export function createDimse(config: Config, deps: DimseDeps): Promise<Dimse> {
  return Dimse.create(deps, {
    port: config.dicomPort,
    host: config.host,
    aeTitle: config.aeTitle,
    maxAssociations: config.dicomMaxAssociations,
    maxPdu: config.dicomMaxPdu,
    idleSeconds: config.dicomIdleSeconds,
    durability: config.dimseDurability,
    maxInstanceBytes: config.maxInstanceBytes,
    acceptAny: config.dicomAcceptAny,
    peersFile: config.dicomPeersFile,
    tls: config.dicomTlsPort !== null && config.dicomTlsCert && config.dicomTlsKey
      ? { port: config.dicomTlsPort, cert: config.dicomTlsCert, key: config.dicomTlsKey, ca: config.dicomTlsCa }
      : null,
  });
}

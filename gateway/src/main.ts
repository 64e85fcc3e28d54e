import { loadConfig } from './config/config.js';
import { build } from './app.js';

/** Starts the gateway on the configured port and prints where it listens and how to log in. */
async function main(): Promise<void> {
  const config = loadConfig();
  const gw = await build(config);
  const address = await gw.app.listen({ host: config.host, port: config.httpPort });
  const shown = config.host === '0.0.0.0' ? `http://localhost:${config.httpPort}` : address;
  const lines = [
    `Hoichan gateway listening on ${address} (open ${shown})`,
    `  DICOMweb: ${shown}/dicom-web   index: ${gw.index.dialect}   data: ${config.dataDir}`,
    gw.dimse.port === null ? '  DICOM: off (HOICHAN_DICOM_PORT=off)'
      : `  DICOM: AE ${config.aeTitle} on port ${gw.dimse.port}${gw.dimse.tlsPort !== null ? ` (TLS on ${gw.dimse.tlsPort})` : ''}, ${config.dimseDurability} durability${gw.dimse.peers.acceptAny ? ', accepting any calling AE' : ''}`,
  ];
  if (gw.generatedAdminPassword) {
    lines.push(`  First start: created user "admin" with password ${gw.generatedAdminPassword}`);
    lines.push('  (shown only this once; set HOICHAN_ADMIN_PASSWORD to choose it yourself)');
  } else {
    lines.push('  Log in as "admin" (POST /api/auth/login {"username","password"}) with the password set at first start.');
  }
  process.stdout.write(lines.join('\n') + '\n');
  const stop = async (sig: string) => {
    gw.app.log.info(`${sig}: closing`);
    await gw.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`hoichan: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

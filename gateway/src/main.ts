import { loadConfig } from './config/config.js';
import { build } from './app.js';
import { loadDemo } from './worklist/demo.js';
import { tuneHeap } from './heapTuning.js';

/** Starts the gateway on the configured port and prints where it listens and how to log in. */
async function main(): Promise<void> {
  tuneHeap();
  const config = loadConfig();
  const gw = await build(config);
  // Demo data set (fixtures/demo, issue 5): `npm start -- --demo` or HOICHAN_DEMO=1. Loaded before listening,
  // so a login right after /healthz answers 200 already finds the demo users' facilities.
  const demoLines: string[] = [];
  if (process.argv.includes('--demo') || /^(1|true|yes|on)$/i.test(process.env.HOICHAN_DEMO ?? '')) {
    const demo = await loadDemo(gw.worklist, gw.accounts);
    demoLines.push(`  Demo data ${demo.loaded ? `loaded (${demo.consults} consults)` : 'already present'}; every demo user's password is ${demo.password}:`);
    for (const u of demo.logins) demoLines.push(`    ${u.username.padEnd(9)} ${u.roles.join(', ').padEnd(24)} ${u.facility} — ${u.displayName}`);
  }
  const address = await gw.app.listen({ host: config.host, port: config.httpPort });
  const shown = config.host === '0.0.0.0' ? `${gw.tls ? 'https' : 'http'}://localhost:${config.httpPort}` : address;
  const lines = [
    `Hoichan gateway listening on ${address} (open ${shown})`,
    `  DICOMweb: ${shown}/dicom-web   index: ${gw.index.dialect}   data: ${config.dataDir}`,
    gw.dimse.port === null ? '  DICOM: off (HOICHAN_DICOM_PORT=off)'
      : `  DICOM: AE ${config.aeTitle} on port ${gw.dimse.port}${gw.dimse.tlsPort !== null ? ` (TLS on ${gw.dimse.tlsPort})` : ''}, ${config.dimseDurability} durability${gw.dimse.peers.acceptAny ? ', accepting any calling AE' : ''}`,
  ];
  if (gw.tls) {
    // IT compares this with what the browser shows before trusting a self-signed certificate.
    lines.push(`  HTTPS: ${gw.tls.source === 'configured' ? 'configured certificate' : gw.tls.source === 'self-signed-new' ? 'self-signed certificate made now' : 'self-signed certificate'} ${gw.tls.certFile}`);
    lines.push(`  HTTPS certificate SHA-256 fingerprint: ${gw.tls.fingerprint256}`);
  } else {
    lines.push('  HTTP only (HOICHAN_HTTPS=off or loopback): cameras work only on this machine (localhost)');
  }
  if (gw.generatedAdminPassword) {
    lines.push(`  First start: created user "admin" with password ${gw.generatedAdminPassword}`);
    lines.push('  (shown only this once; set HOICHAN_ADMIN_PASSWORD to choose it yourself)');
  } else {
    lines.push('  Log in as "admin" (POST /api/auth/login {"username","password"}) with the password set at first start.');
  }
  lines.push(...demoLines);
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

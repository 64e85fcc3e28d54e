import fs from 'node:fs';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import selfsigned from 'selfsigned';

/** How the HTTP listener is secured: `on` HTTPS, `off` plain HTTP, `auto` HTTPS unless bound to loopback only. */
export type HttpsMode = 'auto' | 'on' | 'off';

/** PEM certificate and key for the HTTPS listener, where they came from, and the SHA-256 fingerprint IT trusts. */
export interface ServerTls {
  cert: string;
  key: string;
  source: 'configured' | 'self-signed-new' | 'self-signed-stored';
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (what browsers show). */
  fingerprint256: string;
  certFile: string;
}

/** True when the gateway should speak HTTPS for this mode and bind address. */
export function httpsEnabled(mode: HttpsMode, host: string): boolean {
  if (mode !== 'auto') return mode === 'on';
  // Browsers treat http://localhost as a secure context (camera allowed); any LAN address needs HTTPS.
  return !/^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(host);
}

/**
 * The configured certificate (HOICHAN_TLS_CERT/KEY, PEM files), or a self-signed one kept in
 * `<dataDir>/tls/` and made on first start (with the `selfsigned` package: node:crypto makes keys but cannot
 * sign X.509). The same stored certificate is reused afterwards so its fingerprint stays the one IT trusted.
 */
export async function loadServerTls(opts: { dataDir: string; certFile: string | null; keyFile: string | null; hostnames?: string[] }): Promise<ServerTls> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new Error('HOICHAN_TLS_CERT and HOICHAN_TLS_KEY go together');
    const cert = fs.readFileSync(opts.certFile, 'utf8');
    const key = fs.readFileSync(opts.keyFile, 'utf8');
    return { cert, key, source: 'configured', fingerprint256: fingerprintOf(cert), certFile: opts.certFile };
  }
  const dir = path.join(opts.dataDir, 'tls');
  const certFile = path.join(dir, 'gateway-cert.pem');
  const keyFile = path.join(dir, 'gateway-key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const cert = fs.readFileSync(certFile, 'utf8');
    return { cert, key: fs.readFileSync(keyFile, 'utf8'), source: 'self-signed-stored', fingerprint256: fingerprintOf(cert), certFile };
  }
  const names = [...new Set(['localhost', os.hostname(), ...(opts.hostnames ?? [])])].filter((n) => n && !isIp(n));
  const ips = [...new Set(['127.0.0.1', '::1', ...lanAddresses(), ...(opts.hostnames ?? []).filter(isIp)])];
  const now = new Date();
  const pems = await selfsigned.generate([{ name: 'commonName', value: os.hostname() || 'hoichan-gateway' }, { name: 'organizationName', value: 'Hoichan gateway' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3600_000),
    notAfterDate: new Date(now.getTime() + 5 * 365 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Key first and private; a crash between the two writes makes a new pair next start (nothing trusted yet).
  fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
  fs.writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, source: 'self-signed-new', fingerprint256: fingerprintOf(pems.cert), certFile };
}

/** SHA-256 fingerprint of a PEM certificate, as `AB:CD:…`. */
export function fingerprintOf(pem: string): string {
  return new crypto.X509Certificate(pem).fingerprint256;
}

function isIp(s: string): boolean {
  return /^[0-9.]+$/.test(s) || s.includes(':');
}

function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flat().filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal).map((a) => a.address);
}

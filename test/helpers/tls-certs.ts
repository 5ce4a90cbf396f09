// Certificates for the TLS tests and benchmarks, made with openssl in a directory of the
// caller's: a self-signed one, or a CA and certificates it signs. Every certificate names
// 127.0.0.1 and localhost, where the tests' daemons listen.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const NAMES = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

function openssl(dir: string, args: string[]): void {
  const res = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${res.stderr}`);
}

/** `dir`/cert.pem and `dir`/key.pem: a self-signed certificate for 127.0.0.1 and localhost. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    NAMES,
  ]);
  return { cert, key };
}

/** `dir`/<name>.pem and <name>-key.pem: a CA's certificate and key. */
export function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}-key.pem`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
}

/** `dir`/<name>.pem and <name>-key.pem: a certificate for 127.0.0.1 and localhost that the CA `ca` signs. */
export function makeCert(dir: string, name: string, ca: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, `${name}.ext`), `${NAMES}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/**
 * The LIBPROCESS_SSL_* environment of a process that serves with `dir`/<name>.pem and verifies
 * its peers against `dir`/<ca>.pem (made with makeCa and makeCert).
 */
export function tlsEnvironment(dir: string, name = 'server', ca = 'ca'): Record<string, string> {
  return {
    LIBPROCESS_SSL_ENABLED: 'true',
    LIBPROCESS_SSL_CERT_FILE: path.join(dir, `${name}.pem`),
    LIBPROCESS_SSL_KEY_FILE: path.join(dir, `${name}-key.pem`),
    LIBPROCESS_SSL_CA_FILE: path.join(dir, `${ca}.pem`),
    LIBPROCESS_SSL_VERIFY_SERVER_CERT: 'true',
  };
}

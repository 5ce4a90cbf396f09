// The files a TlsConfig names, read once, turned into node:tls options for both sides.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { type TlsConfig, TlsConfigError } from './tls-config.ts';

export interface TlsMaterial {
  config: TlsConfig;
  cert: Buffer;
  key: Buffer;
  /** Undefined: the system's trusted roots, as OpenSSL's default verify paths. */
  ca?: Buffer[];
}

function readNamed(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TlsConfigError(`${variable}=${file} cannot be read (${code}); point it at a readable PEM file`);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a CA directory (OpenSSL's hashed links or plain .pem files alike). */
function readCaDir(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw new TlsConfigError(
      `LIBPROCESS_SSL_CA_DIR=${dir} cannot be listed (${(err as NodeJS.ErrnoException).code}); point it at a directory of PEM certificates`,
    );
  }
  const out: Buffer[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
      for (const pem of readFileSync(file, 'utf8').match(PEM_CERT) ?? []) out.push(Buffer.from(pem));
    } catch {
      // An unreadable entry is not a CA; OpenSSL skips it too.
    }
  }
  return out;
}

export function loadTlsMaterial(config: TlsConfig): TlsMaterial {
  if (config.certFile === undefined || config.keyFile === undefined) {
    throw new TlsConfigError('TLS needs LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE; set both');
  }
  const material: TlsMaterial = {
    config,
    cert: readNamed(config.certFile, 'LIBPROCESS_SSL_CERT_FILE'),
    key: readNamed(config.keyFile, 'LIBPROCESS_SSL_KEY_FILE'),
  };
  const ca: Buffer[] = [];
  if (config.caFile !== undefined) ca.push(readNamed(config.caFile, 'LIBPROCESS_SSL_CA_FILE'));
  if (config.caDir !== undefined) ca.push(...readCaDir(config.caDir));
  if (ca.length > 0) material.ca = ca;
  try {
    tls.createSecureContext(secureContextOptions(material));
  } catch (err) {
    throw new TlsConfigError(
      `the TLS certificate, key or CA is not usable (${(err as Error).message}); check LIBPROCESS_SSL_CERT_FILE, LIBPROCESS_SSL_KEY_FILE and LIBPROCESS_SSL_CA_FILE`,
    );
  }
  return material;
}

function secureContextOptions(m: TlsMaterial): tls.SecureContextOptions {
  return { cert: m.cert, key: m.key, ...(m.ca ? { ca: m.ca } : {}), minVersion: 'TLSv1.2' };
}

export function serverOptions(m: TlsMaterial): tls.TlsOptions {
  return { ...secureContextOptions(m), requestCert: m.config.requireClientCert, rejectUnauthorized: m.config.requireClientCert };
}

/**
 * The name check of an outgoing connection. With the openssl scheme a peer reached by IP
 * address only passes with VERIFY_IPADD (X509_VERIFY_PARAM_set1_ip is only set then); the
 * legacy scheme checks the name or address connected to, IP SANs included.
 */
export function checkServerName(config: TlsConfig, host: string, cert: tls.PeerCertificate): Error | undefined {
  if (config.hostnameValidationScheme === 'openssl' && net.isIP(host) !== 0 && !config.verifyIpAdd) {
    return new Error(
      `the server ${host} was reached by IP address, which LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME=openssl only accepts with LIBPROCESS_SSL_VERIFY_IPADD=true`,
    );
  }
  return tls.checkServerIdentity(host, cert);
}

export function clientOptions(m: TlsMaterial, host: string): tls.ConnectionOptions {
  const verify = m.config.verifyServerCert;
  return {
    ...secureContextOptions(m),
    rejectUnauthorized: verify,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    checkServerIdentity: verify ? (h, cert) => checkServerName(m.config, h, cert) : () => undefined,
  };
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** A failed verification of a server's certificate, said with what to change; others as they are. */
export function explainTlsError(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED.has(code)) {
    return new Error(
      `the server's certificate is not signed by a trusted CA (${err.message}); set LIBPROCESS_SSL_CA_FILE or LIBPROCESS_SSL_CA_DIR to its CA`,
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return new Error(`the server's certificate is not valid now (${err.message})`);
  return err;
}

// TLS as libprocess configures it: from the environment only, with the LIBPROCESS_SSL_ prefix
// overriding the pre-1.0 SSL_ one, and the legacy VERIFY_CERT / REQUIRE_CERT aliases.
// Pure: the caller passes the environment; tls-material.ts reads the files it names.

export type HostnameValidationScheme = 'legacy' | 'openssl';

export interface TlsConfig {
  enabled: boolean;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  caDir?: string;
  /** Outgoing connections verify the server's certificate (chain and name). */
  verifyServerCert: boolean;
  /** Incoming connections must present a certificate the CA signed. */
  requireClientCert: boolean;
  hostnameValidationScheme: HostnameValidationScheme;
  /** A certificate's IP subjectAltName may match a peer reached by address. */
  verifyIpAdd: boolean;
  /** The listening side also speaks plain HTTP on the same port. */
  supportDowngrade: boolean;
}

export class TlsConfigError extends Error {}

export const TLS_DISABLED: TlsConfig = {
  enabled: false,
  verifyServerCert: false,
  requireClientCert: false,
  hostnameValidationScheme: 'legacy',
  verifyIpAdd: false,
  supportDowngrade: false,
};

const PREFIXES = ['SSL_', 'LIBPROCESS_SSL_'] as const;

/** The value of a setting and the variable it came from; LIBPROCESS_SSL_ wins over SSL_. */
function lookup(env: Record<string, string | undefined>, names: readonly string[]): { value: string; variable: string } | undefined {
  let found: { value: string; variable: string } | undefined;
  for (const prefix of PREFIXES) {
    for (const name of names) {
      const value = env[prefix + name];
      if (value !== undefined) found = { value, variable: prefix + name };
    }
  }
  return found;
}

/** stout's boolean: true/1 and false/0, nothing else. */
export function parseLibprocessBool(value: string, variable: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new TlsConfigError(`${variable}='${value}' is not a boolean; use true, false, 1 or 0`);
}

function bool(env: Record<string, string | undefined>, names: readonly string[]): boolean {
  const found = lookup(env, names);
  return found === undefined ? false : parseLibprocessBool(found.value, found.variable);
}

function path(env: Record<string, string | undefined>, name: string): string | undefined {
  const found = lookup(env, [name]);
  return found === undefined || found.value === '' ? undefined : found.value;
}

export function readTlsConfig(env: Record<string, string | undefined>): TlsConfig {
  const enabled = bool(env, ['ENABLED']);
  // Legacy names listed first: where both are set under one prefix the current name counts.
  const requireClientCert = bool(env, ['REQUIRE_CERT', 'REQUIRE_CLIENT_CERT']);
  const verifyServerCert = bool(env, ['VERIFY_CERT', 'VERIFY_SERVER_CERT']) || requireClientCert;
  const schemeFound = lookup(env, ['HOSTNAME_VALIDATION_SCHEME']);
  let hostnameValidationScheme: HostnameValidationScheme = 'legacy';
  if (schemeFound !== undefined) {
    if (schemeFound.value !== 'legacy' && schemeFound.value !== 'openssl') {
      throw new TlsConfigError(`${schemeFound.variable}='${schemeFound.value}' is not a hostname validation scheme; use legacy or openssl`);
    }
    hostnameValidationScheme = schemeFound.value;
  }
  const config: TlsConfig = {
    enabled,
    verifyServerCert,
    requireClientCert,
    hostnameValidationScheme,
    verifyIpAdd: bool(env, ['VERIFY_IPADD']),
    supportDowngrade: bool(env, ['SUPPORT_DOWNGRADE']),
  };
  const certFile = path(env, 'CERT_FILE');
  const keyFile = path(env, 'KEY_FILE');
  const caFile = path(env, 'CA_FILE');
  const caDir = path(env, 'CA_DIR');
  if (certFile !== undefined) config.certFile = certFile;
  if (keyFile !== undefined) config.keyFile = keyFile;
  if (caFile !== undefined) config.caFile = caFile;
  if (caDir !== undefined) config.caDir = caDir;
  if (enabled && keyFile === undefined) {
    throw new TlsConfigError('LIBPROCESS_SSL_ENABLED=true needs a private key; set LIBPROCESS_SSL_KEY_FILE to its path');
  }
  if (enabled && certFile === undefined) {
    throw new TlsConfigError('LIBPROCESS_SSL_ENABLED=true needs a certificate; set LIBPROCESS_SSL_CERT_FILE to its path');
  }
  return config;
}

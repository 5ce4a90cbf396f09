// This process's TLS, read from its environment once (libprocess reads it at initialization):
// every server and client of the process uses the same certificate, key and CA.
import { TLS_DISABLED, readTlsConfig } from './tls-config.ts';
import { type TlsMaterial, loadTlsMaterial } from './tls-material.ts';

let cached: { material: TlsMaterial | undefined } | undefined;

/** Undefined when TLS is off; throws a one-line TlsConfigError for a bad setting or file. */
export function processTls(): TlsMaterial | undefined {
  if (cached === undefined) {
    const config = readTlsConfig(process.env);
    cached = { material: config.enabled ? loadTlsMaterial(config) : undefined };
  }
  return cached.material;
}

/** The scheme this process's HTTP speaks. */
export function processScheme(): 'http' | 'https' {
  return processTls() === undefined ? 'http' : 'https';
}

export { TLS_DISABLED };

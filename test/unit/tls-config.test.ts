import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { TlsConfigError, parseLibprocessBool, readTlsConfig } from '../../daemons/common/tls-config.ts';
import { checkServerName, explainTlsError } from '../../daemons/common/tls-material.ts';

const files = { LIBPROCESS_SSL_CERT_FILE: '/c.pem', LIBPROCESS_SSL_KEY_FILE: '/k.pem' };

function tlsError(env: Record<string, string>): string {
  try {
    readTlsConfig(env);
  } catch (err) {
    assert.ok(err instanceof TlsConfigError);
    assert.ok(!err.message.includes('\n'));
    return err.message;
  }
  assert.fail('expected a TlsConfigError');
}

describe('TLS configuration from the environment', () => {
  it('is off with nothing set, with libprocess defaults', () => {
    assert.deepEqual(readTlsConfig({}), {
      enabled: false,
      verifyServerCert: false,
      requireClientCert: false,
      hostnameValidationScheme: 'legacy',
      verifyIpAdd: false,
      supportDowngrade: false,
    });
  });

  it('reads booleans as stout does: true/1 and false/0 only', () => {
    assert.equal(parseLibprocessBool('true', 'X'), true);
    assert.equal(parseLibprocessBool('1', 'X'), true);
    assert.equal(parseLibprocessBool('false', 'X'), false);
    assert.equal(parseLibprocessBool('0', 'X'), false);
    assert.match(tlsError({ LIBPROCESS_SSL_ENABLED: 'yes' }), /LIBPROCESS_SSL_ENABLED='yes' is not a boolean; use true, false, 1 or 0/);
    assert.match(tlsError({ SSL_SUPPORT_DOWNGRADE: 'TRUE' }), /SSL_SUPPORT_DOWNGRADE='TRUE'/);
  });

  it('takes every setting with either prefix, LIBPROCESS_SSL_ winning', () => {
    const c = readTlsConfig({
      SSL_ENABLED: '1',
      SSL_CERT_FILE: '/old.pem',
      LIBPROCESS_SSL_CERT_FILE: '/new.pem',
      SSL_KEY_FILE: '/k.pem',
      SSL_CA_FILE: '/ca.pem',
      SSL_CA_DIR: '/cas',
      SSL_SUPPORT_DOWNGRADE: 'true',
      LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'false',
      SSL_HOSTNAME_VALIDATION_SCHEME: 'openssl',
      SSL_VERIFY_IPADD: '1',
    });
    assert.equal(c.enabled, true);
    assert.equal(c.certFile, '/new.pem');
    assert.equal(c.keyFile, '/k.pem');
    assert.equal(c.caFile, '/ca.pem');
    assert.equal(c.caDir, '/cas');
    assert.equal(c.supportDowngrade, false);
    assert.equal(c.hostnameValidationScheme, 'openssl');
    assert.equal(c.verifyIpAdd, true);
  });

  it('accepts the legacy VERIFY_CERT and REQUIRE_CERT names; requiring client certificates verifies servers too', () => {
    assert.equal(readTlsConfig({ LIBPROCESS_SSL_VERIFY_CERT: 'true' }).verifyServerCert, true);
    assert.equal(readTlsConfig({ SSL_VERIFY_SERVER_CERT: '1' }).verifyServerCert, true);
    const required = readTlsConfig({ LIBPROCESS_SSL_REQUIRE_CERT: '1' });
    assert.equal(required.requireClientCert, true);
    assert.equal(required.verifyServerCert, true);
    assert.equal(readTlsConfig({ LIBPROCESS_SSL_REQUIRE_CLIENT_CERT: 'true' }).requireClientCert, true);
    assert.equal(
      readTlsConfig({ LIBPROCESS_SSL_REQUIRE_CERT: 'true', LIBPROCESS_SSL_REQUIRE_CLIENT_CERT: 'false' }).requireClientCert,
      false,
    );
  });

  it('refuses an unknown hostname validation scheme', () => {
    assert.match(
      tlsError({ LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: 'strict' }),
      /'strict' is not a hostname validation scheme; use legacy or openssl/,
    );
  });

  it('needs a certificate and a key once enabled, naming the variable to set', () => {
    assert.match(tlsError({ LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_CERT_FILE: '/c.pem' }), /set LIBPROCESS_SSL_KEY_FILE/);
    assert.match(tlsError({ LIBPROCESS_SSL_ENABLED: 'true', LIBPROCESS_SSL_KEY_FILE: '/k.pem' }), /set LIBPROCESS_SSL_CERT_FILE/);
    assert.match(tlsError({ LIBPROCESS_SSL_ENABLED: 'true', ...files, LIBPROCESS_SSL_KEY_FILE: '' }), /set LIBPROCESS_SSL_KEY_FILE/);
    assert.equal(readTlsConfig({ LIBPROCESS_SSL_ENABLED: 'true', ...files }).enabled, true);
    assert.equal(readTlsConfig({ LIBPROCESS_SSL_ENABLED: 'false' }).enabled, false);
  });
});

describe('the name check of a server certificate', () => {
  const cert = { subject: { CN: 'localhost' }, subjectaltname: 'IP Address:127.0.0.1, DNS:localhost' } as unknown as PeerCertificate;
  const legacy = readTlsConfig({ LIBPROCESS_SSL_VERIFY_SERVER_CERT: 'true' });
  const openssl = readTlsConfig({ LIBPROCESS_SSL_VERIFY_SERVER_CERT: 'true', LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: 'openssl' });
  const opensslIp = readTlsConfig({ LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: 'openssl', LIBPROCESS_SSL_VERIFY_IPADD: 'true' });

  it('legacy: the name or the address called must be in the certificate', () => {
    assert.equal(checkServerName(legacy, 'localhost', cert), undefined);
    assert.equal(checkServerName(legacy, '127.0.0.1', cert), undefined);
    assert.ok(checkServerName(legacy, 'other.example', cert) instanceof Error);
    assert.ok(checkServerName(legacy, '10.0.0.1', cert) instanceof Error);
  });

  it('openssl: names; an address only with VERIFY_IPADD', () => {
    assert.equal(checkServerName(openssl, 'localhost', cert), undefined);
    assert.match(checkServerName(openssl, '127.0.0.1', cert)?.message ?? '', /LIBPROCESS_SSL_VERIFY_IPADD=true/);
    assert.equal(checkServerName(opensslIp, '127.0.0.1', cert), undefined);
  });

  it('an untrusted certificate is explained with the variable to set', () => {
    const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.match(explainTlsError(err).message, /not signed by a trusted CA .*set LIBPROCESS_SSL_CA_FILE or LIBPROCESS_SSL_CA_DIR/);
    const other = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(explainTlsError(other), other);
  });
});

// serveTls on an http.Server, in process: TLS with and without SUPPORT_DOWNGRADE, the peer's
// address seen by the request handler either way, and plain HTTP refused without downgrade.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readTlsConfig } from '../../daemons/common/tls-config.ts';
import { loadTlsMaterial } from '../../daemons/common/tls-material.ts';
import { serveTls } from '../../daemons/common/tls-server.ts';
import { tempDir } from '../helpers/cluster.ts';
import { selfSignedCert } from '../helpers/tls-certs.ts';

const dir = tempDir('tls-server');
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');

before(() => {
  selfSignedCert(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve(downgrade: boolean): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => res.end(`${req.socket.remoteAddress} ${'encrypted' in req.socket ? 'tls' : 'plain'}`));
  const env = {
    LIBPROCESS_SSL_ENABLED: 'true',
    LIBPROCESS_SSL_CERT_FILE: cert,
    LIBPROCESS_SSL_KEY_FILE: key,
    LIBPROCESS_SSL_SUPPORT_DOWNGRADE: String(downgrade),
  };
  serveTls(server, loadTlsMaterial(readTlsConfig(env)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function get(mod: typeof http | typeof https, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    mod
      .get({ host: '127.0.0.1', port, ca: readFileSync(cert), agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

test('without downgrade: TLS only, the peer address seen', async () => {
  const { server, port } = await serve(false);
  try {
    assert.equal(await get(https, port), '127.0.0.1 tls');
    await assert.rejects(get(http, port));
  } finally {
    server.close();
  }
});

test('with downgrade: plain HTTP and TLS on one port, the peer address seen by both', async () => {
  const { server, port } = await serve(true);
  try {
    assert.equal(await get(https, port), '127.0.0.1 tls');
    assert.equal(await get(http, port), '127.0.0.1 plain');
  } finally {
    server.close();
  }
});

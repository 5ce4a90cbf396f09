// A private Docker registry on loopback for pull tests: the Registry HTTP API v2 with Basic
// authentication, serving the test image (taken from the local daemon with `docker save`, its
// layers gzipped). dockerd pulls from 127.0.0.1:<port> over plain HTTP: loopback registries are
// insecure registries by default.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { TEST_IMAGE, dockerClient, ensureTestImage } from './docker.ts';

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

export interface FakeRegistry {
  /** host:port, the registry part of image names. */
  host: string;
  /** The user of every request that authenticated, in order. */
  authenticated: string[];
  /** Requests refused for missing or wrong credentials. */
  refused: number;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The test image as registry blobs: its manifest (for any repository and tag) and blobs by digest. */
async function imageBlobs(): Promise<{ manifest: Buffer; blobs: Map<string, Buffer> }> {
  await ensureTestImage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-registry-'));
  try {
    const archive = path.join(dir, 'image.tar');
    const stream = await dockerClient().getImage(TEST_IMAGE).get();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    writeFileSync(archive, Buffer.concat(chunks));
    await execa('tar', ['-xf', archive, '-C', dir]);
    const [saved] = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
    const blobs = new Map<string, Buffer>();
    const config = readFileSync(path.join(dir, saved!.Config));
    blobs.set(sha256(config), config);
    const layers = saved!.Layers.map((file) => {
      const gz = gzipSync(readFileSync(path.join(dir, file)));
      blobs.set(sha256(gz), gz);
      return { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: gz.length, digest: sha256(gz) };
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_V2,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
        layers,
      }),
    );
    return { manifest, blobs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a registry that lets in `users` (name -> password) and serves the test image under every name. */
export async function startFakeRegistry(users: Record<string, string>): Promise<FakeRegistry> {
  const { manifest, blobs } = await imageBlobs();
  const manifestDigest = sha256(manifest);
  const registry: FakeRegistry = { host: '', authenticated: [], refused: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    const [user, ...rest] = scheme === 'Basic' && token ? Buffer.from(token, 'base64').toString('utf8').split(':') : [];
    if (user === undefined || users[user] === undefined || users[user] !== rest.join(':')) {
      registry.refused++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake-registry"', 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    registry.authenticated.push(user);
    const url = req.url ?? '';
    const send = (type: string, body: Buffer, digest: string) => {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Content-Digest': digest });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url === '/v2/') {
      send('application/json', Buffer.from('{}'), '');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (m?.[2] === 'manifests') {
      send(MANIFEST_V2, manifest, manifestDigest);
      return;
    }
    const blob = m?.[2] === 'blobs' ? blobs.get(m[3]!) : undefined;
    if (blob) {
      send('application/octet-stream', blob, m![3]!);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'unknown' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  registry.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return registry;
}

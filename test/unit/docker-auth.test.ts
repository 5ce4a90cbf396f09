import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DockerConfigError,
  authFor,
  credentialHelperFor,
  registryOf,
  sandboxDockerConfig,
} from '../../daemons/agent/containerizer/docker-auth.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registryOf', () => {
  test('an image names a registry only when its first component looks like a host', () => {
    assert.equal(registryOf('busybox'), 'docker.io');
    assert.equal(registryOf('library/busybox:1'), 'docker.io');
    assert.equal(registryOf('mesosphere/marathon:v1'), 'docker.io');
    assert.equal(registryOf('registry.example.com/team/app:2'), 'registry.example.com');
    assert.equal(registryOf('Registry.Example.com:5000/app@sha256:abc'), 'registry.example.com:5000');
    assert.equal(registryOf('127.0.0.1:5000/app'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
  });
});

describe('authFor', () => {
  test('config.json: the entry whose key names the image registry, scheme and path or not', () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pass') },
        'registry.example.com:5000': { auth: b64('alice:s3cret') },
        'https://other.example.com/v2/': { username: 'bob', password: 'pw' },
      },
    };
    assert.deepEqual(authFor(config, 'registry.example.com:5000/team/app:1'), {
      username: 'alice',
      password: 's3cret',
      serveraddress: 'registry.example.com:5000',
    });
    assert.deepEqual(authFor(config, 'other.example.com/x'), { username: 'bob', password: 'pw', serveraddress: 'other.example.com' });
    assert.deepEqual(
      authFor(config, 'busybox'),
      { username: 'hubuser', password: 'hub:pass', serveraddress: 'https://index.docker.io/v1/' },
      'the password may hold a colon',
    );
    assert.equal(authFor(config, 'registry.example.com/app'), undefined, 'another port is another registry');
    assert.equal(authFor(config, 'unknown.example.com/app'), undefined);
  });

  test('an old .dockercfg is the auths map itself; an identity token goes as is', () => {
    assert.deepEqual(authFor({ 'registry.example.com': { auth: b64('u:p'), email: 'u@example.com' } }, 'registry.example.com/app'), {
      username: 'u',
      password: 'p',
      serveraddress: 'registry.example.com',
    });
    assert.deepEqual(authFor({ auths: { 'r.example.com': { identitytoken: 'tok' } } }, 'r.example.com/app'), {
      identitytoken: 'tok',
      serveraddress: 'r.example.com',
    });
    assert.equal(authFor({ auths: {} }, 'r.example.com/app'), undefined);
    assert.equal(authFor('not an object', 'busybox'), undefined);
  });

  test('an entry that cannot be used is an error naming it', () => {
    assert.throws(
      () => authFor({ auths: { 'r.example.com': { auth: b64('no-colon') } } }, 'r.example.com/app'),
      (err: Error) => err instanceof DockerConfigError && /'auth' of 'r\.example\.com' is not base64 of user:password/.test(err.message),
    );
  });

  test('credential helpers are named, since the agent does not run them', () => {
    assert.equal(
      credentialHelperFor({ credHelpers: { 'r.example.com': 'ecr-login' } }, 'r.example.com/app'),
      'docker-credential-ecr-login',
    );
    assert.equal(credentialHelperFor({ credsStore: 'pass' }, 'busybox'), 'docker-credential-pass');
    assert.equal(credentialHelperFor({ auths: {} }, 'busybox'), undefined);
  });
});

describe('sandboxDockerConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'docker-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('.docker/config.json first, then .dockercfg, else none; bad JSON names the file', () => {
    const sandbox = path.join(dir, 'a');
    mkdirSync(path.join(sandbox, '.docker'), { recursive: true });
    assert.equal(sandboxDockerConfig(sandbox), undefined);
    writeFileSync(path.join(sandbox, '.dockercfg'), JSON.stringify({ 'r.example.com': { auth: b64('old:cfg') } }));
    assert.equal(sandboxDockerConfig(sandbox)?.file, path.join(sandbox, '.dockercfg'));
    writeFileSync(path.join(sandbox, '.docker', 'config.json'), JSON.stringify({ auths: { 'r.example.com': { auth: b64('new:json') } } }));
    const found = sandboxDockerConfig(sandbox)!;
    assert.equal(found.file, path.join(sandbox, '.docker', 'config.json'));
    assert.equal(authFor(found.config, 'r.example.com/app')?.username, 'new');
    writeFileSync(path.join(sandbox, '.docker', 'config.json'), '{"auths": ');
    assert.throws(() => sandboxDockerConfig(sandbox), /config\.json is not JSON/);
  });
});

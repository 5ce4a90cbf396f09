// TLS as libprocess does it, end to end: certificates made with openssl in a temp dir, a master
// and agent speaking HTTPS to each other, `mesos execute` over TLS, client certificates
// required, a wrong CA refused, plain HTTP and TLS on one port with SUPPORT_DOWNGRADE.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Daemon, ROOT, freePort, runMesos, spawnMesos, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { makeCa, makeCert, tlsEnvironment } from '../helpers/tls-certs.ts';

const dir = tempDir('tls');
const file = (name: string) => path.join(dir, name);

let tlsEnv: Record<string, string> = {};
/** A client's: its own certificate, the cluster's CA, the server verified. */
const clientEnv = () => ({ ...tlsEnv, LIBPROCESS_SSL_CERT_FILE: file('client.pem'), LIBPROCESS_SSL_KEY_FILE: file('client-key.pem') });

/** An HTTPS GET; the status, or the error's message. */
function httpsGet(port: number, p: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: p, ca: readFileSync(file('ca.pem')), ...opts }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
  });
}

before(() => {
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeCert(dir, 'server', 'ca');
  makeCert(dir, 'client', 'ca');
  tlsEnv = tlsEnvironment(dir);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('a master and an agent with TLS and SUPPORT_DOWNGRADE', () => {
  let master: Daemon;
  let agent: Daemon;
  before(async () => {
    // Downgrade lets the test helpers' plain-HTTP health checks in; master and agent still talk TLS.
    const env = { ...tlsEnv, LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true' };
    master = await startMaster([], env);
    agent = await startAgent(master, [], { env });
  });
  after(async () => {
    await agent?.stop();
    await master?.stop();
  });

  test('both plain HTTP and TLS are answered on the one port', async () => {
    const plain = await fetch(`http://127.0.0.1:${master.port}/master/state`);
    assert.equal(plain.status, 200);
    const secure = await httpsGet(master.port, '/master/state');
    assert.ok('status' in secure, JSON.stringify(secure));
    assert.equal(secure.status, 200);
    const state = JSON.parse(secure.body) as { slaves: { pid: string }[]; pid: string };
    assert.equal(state.slaves.length, 1);
    assert.match(state.pid, /^master@127\.0\.0\.1:\d+$/);
    const agentSecure = await httpsGet(agent.port, '/state');
    assert.ok('status' in agentSecure && agentSecure.status === 200, JSON.stringify(agentSecure));
  });

  test('mesos execute runs a task over TLS, verifying the master', async () => {
    const env = { ...tlsEnv, LIBPROCESS_SSL_CERT_FILE: file('client.pem'), LIBPROCESS_SSL_KEY_FILE: file('client-key.pem') };
    const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, '--name=tls', '--command=echo over-tls'], 60_000, env);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /TASK_FINISHED/);
  });

  test('a server certificate from another CA is refused with one line', async () => {
    const env = { ...tlsEnv, LIBPROCESS_SSL_CA_FILE: file('other-ca.pem') };
    const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, '--name=tls', '--command=true'], 30_000, env);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not signed by a trusted CA .*; set LIBPROCESS_SSL_CA_FILE or LIBPROCESS_SSL_CA_DIR/);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.doesNotMatch(res.stderr, /\n\s+at /, res.stderr);
  });
});

test('with REQUIRE_CLIENT_CERT a client without a certificate is refused, one with a certificate served', async () => {
  const port = await freePort();
  const workDir = tempDir('tls-master');
  const proc = spawnMesos(['master', '--ip=127.0.0.1', `--port=${port}`, `--work_dir=${workDir}`], {
    ...tlsEnv,
    LIBPROCESS_SSL_REQUIRE_CLIENT_CERT: 'true',
  });
  let output = '';
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const withCert = { cert: readFileSync(file('client.pem')), key: readFileSync(file('client-key.pem')) };
  try {
    await waitFor('TLS master', async () => {
      if (proc.exitCode !== null) throw new Error(`master exited: ${output}`);
      const r = await httpsGet(port, '/health', withCert);
      return 'status' in r && r.status === 200;
    });
    // The agent's link to the master has to be TLS with a certificate: nothing else gets in.
    const agentDir = tempDir('tls-agent');
    const agentProc = spawnMesos(
      [
        'agent',
        '--ip=127.0.0.1',
        `--port=${await freePort()}`,
        `--master=127.0.0.1:${port}`,
        `--work_dir=${agentDir}`,
        `--runtime_dir=${agentDir}/run`,
      ],
      tlsEnv,
    );
    try {
      await waitFor('agent registered over TLS', async () => {
        const r = await httpsGet(port, '/master/slaves', withCert);
        return 'status' in r && (JSON.parse(r.body) as { slaves: unknown[] }).slaves.length === 1;
      });
      // python-mesos reads the same variables: https, its certificate, the CA, verification.
      const python = spawnSync(
        'python3',
        [
          path.join(ROOT, 'clients', 'python', 'examples', 'hello_scheduler.py'),
          '--master',
          `127.0.0.1:${port}`,
          '--command',
          'echo py-tls',
        ],
        {
          encoding: 'utf8',
          timeout: 90_000,
          env: { ...process.env, ...clientEnv() },
        },
      );
      if (python.error === undefined || (python.error as NodeJS.ErrnoException).code !== 'ENOENT') {
        assert.equal(python.status, 0, python.stdout + python.stderr);
        assert.match(python.stdout + python.stderr, /Received status update TASK_FINISHED/);
      }
      // mesos-java too, when a JDK is there.
      if (spawnSync('javac', ['-version']).status === 0) {
        const out = path.join(dir, 'java');
        const build = spawnSync('sh', [path.join(ROOT, 'clients', 'java', 'build.sh'), out], { encoding: 'utf8', timeout: 180_000 });
        assert.equal(build.status, 0, build.stdout + build.stderr);
        const java = spawnSync(
          'java',
          [
            '-cp',
            `${path.join(out, 'mesos.jar')}:${path.join(out, 'test-classes')}`,
            'HelloScheduler',
            `--master=127.0.0.1:${port}`,
            '--command=echo java-tls',
            '--timeout=60',
          ],
          { encoding: 'utf8', timeout: 90_000, env: { ...process.env, ...clientEnv() } },
        );
        assert.equal(java.status, 0, java.stdout + java.stderr);
        assert.match(java.stdout + java.stderr, /Received status update TASK_FINISHED/);
      }
    } finally {
      agentProc.kill('SIGTERM');
      await new Promise((r) => agentProc.once('exit', r));
      rmSync(agentDir, { recursive: true, force: true });
    }
    const without = await httpsGet(port, '/health');
    assert.ok('error' in without, JSON.stringify(without));
    const plain = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    assert.equal(typeof plain, 'string', 'plain HTTP must not be served without SUPPORT_DOWNGRADE');
    {
      const res = await runMesos(['execute', `--master=127.0.0.1:${port}`, '--name=tls', '--command=true'], 30_000, {
        ...tlsEnv,
        LIBPROCESS_SSL_CERT_FILE: file('client.pem'),
        LIBPROCESS_SSL_KEY_FILE: file('client-key.pem'),
        LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: 'openssl',
      });
      // The openssl scheme accepts a server reached by IP address only with VERIFY_IPADD.
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /LIBPROCESS_SSL_VERIFY_IPADD=true/);
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(workDir, { recursive: true, force: true });
  }
});

test('TLS enabled without a key is a one-line startup error naming the variable', async () => {
  const res = await runMesos(['master', '--ip=127.0.0.1', `--port=${await freePort()}`, `--work_dir=${dir}`], 30_000, {
    LIBPROCESS_SSL_ENABLED: '1',
    LIBPROCESS_SSL_CERT_FILE: file('server.pem'),
  });
  assert.equal(res.code, 1);
  assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, /set LIBPROCESS_SSL_KEY_FILE/);
  const missing = await runMesos(['master', '--ip=127.0.0.1', `--port=${await freePort()}`, `--work_dir=${dir}`], 30_000, {
    SSL_ENABLED: 'true',
    SSL_CERT_FILE: file('nope.pem'),
    SSL_KEY_FILE: file('server-key.pem'),
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /LIBPROCESS_SSL_CERT_FILE=.*nope\.pem cannot be read \(ENOENT\)/);
});

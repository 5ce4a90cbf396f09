// Requests per second on loopback: a bare Node HTTP server (the ceiling for any API written in
// Node here) and the master's POST /api/v1/scheduler, driven by the same client the same way
// (keep-alive connections, each with one request in flight), so their ratio is the API's cost.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { SchedulerClient } from '../../daemons/common/scheduler-client.ts';
import { type Daemon, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { selfSignedCert } from '../helpers/tls-certs.ts';

const CONNECTIONS = 16;

interface Target {
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** HTTPS with these options (a CA to trust). */
  tls?: https.RequestOptions;
}

/** After a one-second warm-up (JIT, connections), the rate over `seconds`. */
async function drive(target: Target, seconds: number): Promise<number> {
  await measure(target, 1);
  return measure(target, seconds);
}

/** Sends requests for `seconds` over CONNECTIONS keep-alive connections; returns responses per second. */
async function measure(target: Target, seconds: number): Promise<number> {
  const agent = target.tls
    ? new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
    : new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const request = target.tls ? https.request : http.request;
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(
        {
          ...target.tls,
          host: '127.0.0.1',
          port: target.port,
          method: 'POST',
          path: target.path,
          agent,
          headers: { ...target.headers, 'Content-Length': Buffer.byteLength(target.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 202 || res.statusCode === 200) done++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(target.body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  if (failed > done) throw new Error(`http-rate: ${failed} of ${done + failed} requests failed`);
  return done / elapsed;
}

/** A bare `http.createServer` that reads the body and answers 202, in a process of its own. */
export async function bareServerRate(seconds: number): Promise<number> {
  const script = `const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = 202; res.end(); }); });
    s.listen(0, '127.0.0.1', () => process.send(s.address().port));`;
  const server = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once('message', (p) => resolve(p as number));
      server.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    });
    return await drive({ port, path: '/', headers: { 'Content-Type': 'application/json' }, body: '{"type":"SUPPRESS"}' }, seconds);
  } finally {
    server.kill();
  }
}

/**
 * SUPPRESS calls of a subscribed framework: the cheapest call of the scheduler API. With
 * `authorization` every call carries it (a master with --authenticate_http_frameworks).
 */
export async function schedulerApiRate(master: Daemon, seconds: number, authorization?: string): Promise<number> {
  return (await schedulerApiRates(master, [{ seconds, authorization }]))[0]!;
}

/** schedulerApiRate for each run in turn, one framework subscribed for all of them. */
async function schedulerApiRates(
  master: Daemon,
  runs: { seconds: number; authorization?: string; tls?: https.RequestOptions }[],
): Promise<number[]> {
  const authorization = runs[0]?.authorization;
  const client = new SchedulerClient({
    master: { host: '127.0.0.1', port: master.port },
    format: 'json',
    authorization,
    onEvent: () => undefined,
  });
  await client.subscribe({ user: os.userInfo().username, name: 'bench-http-rate' });
  await waitFor('the framework id', () => client.frameworkId);
  try {
    const body = JSON.stringify({ framework_id: { value: client.frameworkId }, type: 'SUPPRESS' });
    const rates: number[] = [];
    for (const run of runs) {
      const target: Target = {
        port: master.port,
        path: '/api/v1/scheduler',
        headers: {
          'Content-Type': 'application/json',
          'Mesos-Stream-Id': client.streamId!,
          ...(authorization ? { Authorization: authorization } : {}),
        },
        body,
        ...(run.tls ? { tls: run.tls } : {}),
      };
      rates.push(await drive(target, run.seconds));
    }
    return rates;
  } finally {
    await client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    client.close();
  }
}

/** schedulerApiRate against a master with --authenticate_http_frameworks and a credentials file of 100 principals. */
export async function authenticatedApiRate(seconds: number): Promise<number> {
  const file = path.join(tempDir('bench-auth'), 'credentials.json');
  const credentials = Array.from({ length: 100 }, (_, i) => ({ principal: `p${i}`, secret: `secret-of-principal-${i}` }));
  writeFileSync(file, JSON.stringify({ credentials }), { mode: 0o600 });
  const master = await startMaster([
    '--quiet',
    `--credentials=${file}`,
    '--authenticate_http_frameworks',
    '--http_framework_authenticators=basic',
  ]);
  try {
    return await schedulerApiRate(master, seconds, basicAuthorization('p50', 'secret-of-principal-50'));
  } finally {
    await master.stop();
  }
}

/**
 * The same calls over TLS and over plain HTTP to one master with LIBPROCESS_SSL_ENABLED and
 * SUPPORT_DOWNGRADE (both on its one port), alternating `rounds` times: medians of each.
 * Connections are kept alive, so this is TLS's cost per request, not per handshake.
 */
export async function tlsApiRate(seconds: number, rounds: number): Promise<{ tls: number; plain: number }> {
  const dir = tempDir('bench-tls');
  const { cert, key } = selfSignedCert(dir);
  const master = await startMaster(['--quiet'], {
    LIBPROCESS_SSL_ENABLED: 'true',
    LIBPROCESS_SSL_CERT_FILE: cert,
    LIBPROCESS_SSL_KEY_FILE: key,
    LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true',
  });
  try {
    const tls = { ca: readFileSync(cert) };
    const runs = Array.from({ length: rounds }, () => [{ seconds, tls }, { seconds }]).flat();
    const rates = await schedulerApiRates(master, runs);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return { tls: median(rates.filter((_, i) => i % 2 === 0)), plain: median(rates.filter((_, i) => i % 2 === 1)) };
  } finally {
    await master.stop();
  }
}

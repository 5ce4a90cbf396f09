// Operator event stream subscribers for the operator benchmark (test/bench/operator.ts forks
// this): `count` SUBSCRIBE streams of one master, each read to the end and its records counted,
// not parsed, so that this process keeps up with what the master sends them all.
// Configuration in argv[2] as JSON ({ port, count }); counts go back over the IPC channel.
import http from 'node:http';
import { RecordIODecoder } from '../../daemons/common/recordio.ts';

export type ReadersMessage = { type: 'ready' } | { type: 'counts'; records: number; ended: number };

const { port, count } = JSON.parse(process.argv[2] ?? '{}') as { port: number; count: number };
let records = 0;
let ended = 0;
let subscribed = 0;

for (let i = 0; i < count; i++) {
  const decoder = new RecordIODecoder();
  const body = '{"type":"SUBSCRIBE"}';
  const req = http.request(
    {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1',
      agent: false,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.length },
    },
    (res) => {
      let first = true;
      res.on('data', (chunk: Buffer) => {
        const n = decoder.decode(chunk).length;
        records += n;
        if (first && n > 0) {
          first = false;
          if (++subscribed === count) process.send!({ type: 'ready' } satisfies ReadersMessage);
        }
      });
      res.on('close', () => {
        ended++;
        // One cut off before its SUBSCRIBED was read counts as done: the parent checks the gauge.
        if (first && ++subscribed === count) process.send!({ type: 'ready' } satisfies ReadersMessage);
        first = false;
      });
    },
  );
  req.on('error', () => undefined);
  req.end(body);
}

process.on('message', () => process.send!({ type: 'counts', records, ended } satisfies ReadersMessage));
process.on('disconnect', () => process.exit(0));

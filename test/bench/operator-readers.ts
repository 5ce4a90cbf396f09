// Operator event stream subscribers for the operator benchmark (test/bench/operator.ts forks
// this): `count` SUBSCRIBE streams of one master, each read to the end and its bytes counted,
// neither split into records nor parsed, so that this process, on the master's cores, takes as
// little of them as a reader can.
// Configuration in argv[2] as JSON ({ port, count }); counts go back over the IPC channel.
import { subscribeRequest } from './subscribe-request.ts';

export type ReadersMessage = { type: 'ready' } | { type: 'counts'; bytes: number; ended: number };

const { port, count } = JSON.parse(process.argv[2] ?? '{}') as { port: number; count: number };
let bytes = 0;
let ended = 0;
let subscribed = 0;

for (let i = 0; i < count; i++) {
  const req = subscribeRequest(port, (res) => {
    let first = true;
    // The SUBSCRIBED record comes first; the second event (a HEARTBEAT) follows it at once.
    let head = '';
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!first) return;
      head += chunk.toString('latin1');
      if (head.includes('"HEARTBEAT"')) {
        first = false;
        head = '';
        if (++subscribed === count) process.send!({ type: 'ready' } satisfies ReadersMessage);
      }
    });
    res.on('close', () => {
      ended++;
      // One cut off before its SUBSCRIBED was read counts as done: the parent checks the gauge.
      if (first && ++subscribed === count) process.send!({ type: 'ready' } satisfies ReadersMessage);
      first = false;
    });
  });
  req.on('error', () => undefined);
}

process.on('message', () => process.send!({ type: 'counts', bytes, ended } satisfies ReadersMessage));
process.on('disconnect', () => process.exit(0));

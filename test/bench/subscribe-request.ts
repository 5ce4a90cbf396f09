// One operator SUBSCRIBE (`POST /api/v1`, JSON) of a master on 127.0.0.1, on a connection of its
// own, for the operator benchmark's subscribers (operator.ts reads one, operator-readers.ts many).
import http from 'node:http';

const BODY = '{"type":"SUBSCRIBE"}';

export function subscribeRequest(port: number, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const req = http.request(
    {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1',
      agent: false,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': BODY.length },
    },
    onResponse,
  );
  req.end(BODY);
  return req;
}

// Per-client and total limits on requests in flight: 429 past a client's share, 503 past the total.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientLimiter } from '../../daemons/common/client-limits.ts';

test('a client past its share gets 429 naming the limit; others are still admitted; a release frees a place once', () => {
  const l = new ClientLimiter('/files', { perClient: 2, total: 10 });
  const a1 = l.admit('10.0.0.1');
  const a2 = l.admit('10.0.0.1');
  assert.ok(a1.ok && a2.ok);
  const a3 = l.admit('10.0.0.1');
  assert.equal(a3.ok, false);
  assert.ok(!a3.ok && a3.status === 429 && /at most 2 at a time per client/.test(a3.message) && /10\.0\.0\.1/.test(a3.message));
  assert.ok(l.admit('10.0.0.2').ok);
  if (a1.ok) {
    a1.release();
    a1.release();
  }
  assert.equal(l.count('10.0.0.1'), 1, 'a second release changes nothing');
  assert.ok(l.admit('10.0.0.1').ok);
  assert.equal(l.count(), 3);
});

test('past the total every client gets 503, until one finishes', () => {
  const l = new ClientLimiter('/files', { perClient: 5, total: 3 });
  const held = ['a', 'b', 'c'].map((c) => l.admit(c));
  const refused = l.admit('d');
  assert.ok(!refused.ok && refused.status === 503 && /at most 3 at a time in all/.test(refused.message));
  const first = held[0]!;
  if (first.ok) first.release();
  assert.ok(l.admit('d').ok);
});

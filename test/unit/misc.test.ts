import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { findInPasswd, lookupUser } from '../../daemons/agent/users.ts';
import { invokedCommand } from '../../daemons/cli/dispatch.ts';
import { createLogger, formatRecord } from '../../daemons/common/log.ts';

describe('formatRecord (glog-like lines)', () => {
  // Local time, as glog prints it.
  const time = new Date(2024, 10, 26, 12, 5, 3, 7).getTime();

  test('prints level letter, MMDD hh:mm:ss.micros, pid, name and message', () => {
    const line = formatRecord({ level: 30, time, pid: 4242, hostname: 'h', name: 'master', msg: 'Agent registered' });
    assert.equal(line, 'I1126 12:05:03.007000 4242 master] Agent registered\n');
  });

  test('level letters follow glog: D, I, W, E, F', () => {
    const letter = (level: number) => formatRecord({ level, time, pid: 1, name: 'n', msg: 'm' })[0];
    assert.equal(letter(10), 'D');
    assert.equal(letter(20), 'D');
    assert.equal(letter(30), 'I');
    assert.equal(letter(40), 'W');
    assert.equal(letter(50), 'E');
    assert.equal(letter(60), 'F');
    assert.equal(letter(35), 'I', 'unknown levels print as INFO');
  });

  test('missing pid, name and message fall back to the process pid, mesos and empty', () => {
    assert.equal(formatRecord({ level: 40, time }), `W1126 12:05:03.007000 ${process.pid} mesos] \n`);
  });

  test('a missing time prints the current time', () => {
    const line = formatRecord({ level: 30, pid: 1, name: 'n', msg: 'm' });
    assert.match(line, /^I\d{4} \d{2}:\d{2}:\d{2}\.\d{6} 1 n\] m\n$/);
  });

  test('other fields follow as key=value; strings with spaces, quotes or = are JSON-quoted', () => {
    const line = formatRecord({
      level: 30,
      time,
      pid: 1,
      hostname: 'skipped',
      name: 'agent',
      msg: 'Launching',
      task: 't1',
      framework: 'has space',
      quote: 'say "hi"',
      eq: 'a=b',
      count: 3,
      ok: true,
      roles: ['a', 'b'],
      nothing: null,
      skipped: undefined,
    });
    assert.equal(
      line,
      'I1126 12:05:03.007000 1 agent] Launching task=t1 framework="has space" quote="say \\"hi\\"" eq="a=b" count=3 ok=true roles=["a","b"] nothing=null\n',
    );
  });

  test('an err object prints its message as error=', () => {
    const line = formatRecord({
      level: 50,
      time,
      pid: 1,
      name: 'n',
      msg: 'failed',
      err: { type: 'Error', message: 'disk full', stack: 'Error: disk full\n at x' },
    });
    assert.equal(line, 'E1126 12:05:03.007000 1 n] failed error="disk full"\n');
  });

  test('an err without a message is printed as JSON', () => {
    assert.equal(formatRecord({ level: 50, time, pid: 1, name: 'n', msg: 'x', err: 'plain' }), 'E1126 12:05:03.007000 1 n] x err=plain\n');
  });

  test('single-digit months, days and hours are zero-padded; microseconds have six digits', () => {
    const t = new Date(2024, 0, 2, 3, 4, 5, 678).getTime();
    assert.equal(formatRecord({ level: 30, time: t, pid: 9, name: 'n', msg: 'm' }), 'I0102 03:04:05.678000 9 n] m\n');
  });
});

describe('createLogger', () => {
  test('writes glog lines to <log_dir>/<program>.INFO, at the chosen level and above', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'log-'));
    try {
      const log = createLogger({ name: 'master', fileName: 'mesos-master', level: 'WARNING', quiet: true, logDir: dir });
      log.logger.info('not at this level');
      log.logger.warn({ agent: 'a1' }, 'Agent lost');
      await log.close();
      assert.equal(log.file, path.join(dir, 'mesos-master.INFO'));
      assert.match(readFileSync(log.file!, 'utf8'), /^W\d{4} [\d:.]+ \d+ master\] Agent lost agent=a1\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with --quiet and no --log_dir makes no records at all', () => {
    const log = createLogger({ name: 'master', quiet: true });
    assert.equal(log.logger.isLevelEnabled('info'), false);
    assert.equal(log.logger.isLevelEnabled('error'), false);
    assert.equal(createLogger({ name: 'master', quiet: false }).logger.isLevelEnabled('info'), true);
  });
});

describe('findInPasswd', () => {
  const passwd = [
    'root:x:0:0:root:/root:/bin/bash',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    '# a comment line',
    'short:x:5:5',
    'mesos:x:995:993:Mesos user:/var/lib/mesos:/sbin/nologin',
    'nohome:x:1001:1001:::/bin/sh',
    '',
  ].join('\n');

  test('finds a user with uid, gid and home', () => {
    assert.deepEqual(findInPasswd(passwd, 'root'), { name: 'root', uid: 0, gid: 0, home: '/root' });
    assert.deepEqual(findInPasswd(passwd, 'mesos'), { name: 'mesos', uid: 995, gid: 993, home: '/var/lib/mesos' });
  });

  test('names match exactly', () => {
    assert.equal(findInPasswd(passwd, 'roo'), undefined);
    assert.equal(findInPasswd(passwd, 'Root'), undefined);
    assert.equal(findInPasswd(passwd, 'x'), undefined);
    assert.equal(findInPasswd(passwd, ''), undefined);
  });

  test('unknown users and malformed lines are not found', () => {
    assert.equal(findInPasswd(passwd, 'nobody'), undefined);
    assert.equal(findInPasswd(passwd, 'short'), undefined);
    assert.equal(findInPasswd('', 'root'), undefined);
  });

  test('an empty home directory means /', () => {
    assert.deepEqual(findInPasswd(passwd, 'nohome'), { name: 'nohome', uid: 1001, gid: 1001, home: '/' });
  });
});

describe('lookupUser', () => {
  test('sees a user added to the passwd file after an earlier lookup, and a removed file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'passwd-'));
    const file = path.join(dir, 'passwd');
    try {
      writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n');
      assert.equal(lookupUser('root', file)?.uid, 0);
      assert.equal(lookupUser('alice', file), undefined);
      // useradd writes a new file and renames it over the old one.
      writeFileSync(`${file}.new`, 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n');
      renameSync(`${file}.new`, file);
      assert.deepEqual(lookupUser('alice', file), { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' });
      // Rewritten in place with the same size.
      writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1000::/home/alice:/bin/sh\n');
      assert.equal(lookupUser('alice', file)?.uid, 1001);
      rmSync(file);
      assert.equal(lookupUser('root', file), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('invokedCommand', () => {
  test('the busybox names pick their command from argv0', () => {
    assert.equal(invokedCommand('/usr/sbin/mesos-master', undefined), 'master');
    assert.equal(invokedCommand('mesos-agent', undefined), 'agent');
    assert.equal(invokedCommand('/usr/sbin/mesos-slave', undefined), 'agent');
    assert.equal(invokedCommand('/usr/bin/mesos-execute', undefined), 'execute');
    assert.equal(invokedCommand('mesos-local', undefined), 'local');
  });

  test('the script path is tried when argv0 is not a busybox name', () => {
    assert.equal(invokedCommand('/usr/bin/node', '/opt/mesos/bin/mesos-slave'), 'agent');
    assert.equal(invokedCommand('node', 'mesos-execute'), 'execute');
  });

  test('argv0 wins over the script', () => {
    assert.equal(invokedCommand('/usr/sbin/mesos-master', '/x/mesos-agent'), 'master');
  });

  test('other names select nothing', () => {
    assert.equal(invokedCommand('/usr/bin/mesos', undefined), undefined);
    assert.equal(invokedCommand('/usr/bin/mesos', '/usr/bin/mesos'), undefined);
    assert.equal(invokedCommand('node', '/work/daemons/main.ts'), undefined);
    assert.equal(invokedCommand('mesos-master-old', undefined), undefined);
    assert.equal(invokedCommand('', ''), undefined);
    assert.equal(invokedCommand('/usr/sbin/mesos-master/', undefined), 'master', 'basename ignores a trailing slash');
  });

  test('names of Object.prototype members select nothing', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.equal(invokedCommand(`/usr/bin/${name}`, undefined), undefined, name);
      assert.equal(invokedCommand('node', name), undefined, name);
    }
  });
});

import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { describeFs, mountOf, parseMounts } from '../bench/fs-kind.ts';

const MOUNTS = [
  '/dev/vda / ext4 rw,relatime 0 0',
  'tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0',
  '/dev/loop0 /mnt/x xfs rw,relatime 0 0',
  '/dev/loop1 /mnt/with\\040space ext4 rw 0 0',
  '',
].join('\n');

describe('bench: which file system a directory is on', () => {
  it('parses /proc/self/mounts, octal escapes included', () => {
    const m = parseMounts(MOUNTS);
    assert.equal(m.length, 4);
    assert.deepEqual(m[3], { source: '/dev/loop1', target: '/mnt/with space', fstype: 'ext4' });
  });

  it('picks the deepest mount a path is under, on whole path components', () => {
    const m = parseMounts(MOUNTS);
    assert.equal(mountOf('/mnt/x/mesos-bench-agent-1', m)?.fstype, 'xfs');
    assert.equal(mountOf('/mnt/x', m)?.fstype, 'xfs');
    assert.equal(mountOf('/mnt/xy', m)?.target, '/', '/mnt/xy is not under /mnt/x');
    assert.equal(mountOf('/dev/shm/run', m)?.fstype, 'tmpfs');
    assert.equal(mountOf('/mnt/with space/a', m)?.target, '/mnt/with space');
    assert.equal(mountOf('/tmp', []), undefined);
  });

  it('describes a real directory: its type, device and mount point', () => {
    const text = describeFs(os.tmpdir());
    assert.match(text, /^\S.*: .+ on \/.*$/);
    assert.equal(describeFs('/no/such/dir'), 'unknown file system');
  });
});

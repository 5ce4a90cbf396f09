// The SRPM rebuilt offline, as an unprivileged user with a fresh HOME (mock/rebuild's
// clean room, what stands in for mock here), gives packages with the same file lists and
// the same payloads as `npm run dist`: the build needs nothing outside the SRPM, and is
// reproducible.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { TARGETS } from '../../packaging/rpmbuild.ts';
import { byName, offlineRebuild, type PackagingBuild, packagingBuild, type Rebuild, rpmQuery } from './build-cache.ts';

let build: PackagingBuild;
const rebuilds = new Map<string, Rebuild>();

before(async () => {
  build = await packagingBuild();
  // Both at once: each is mostly one single-threaded compressor.
  const done = await Promise.all(TARGETS.map((t) => offlineRebuild(t)));
  for (const [i, t] of TARGETS.entries()) rebuilds.set(t.id, done[i]!);
});

for (const target of TARGETS) {
  describe(`${target.id}: offline rebuild of the SRPM`, () => {
    it('ran as an unprivileged user, without network, with a fresh HOME', async () => {
      const first = (await readFile(rebuilds.get(target.id)!.log, 'utf8')).split('\n')[0]!;
      const m = /^clean room: user (\S+), HOME=(\S+), network interfaces: (.*)$/.exec(first);
      assert.ok(m, first);
      assert.notEqual(m[1], 'root');
      assert.notEqual(m[1], '0');
      assert.match(m[2]!, /^\/tmp\/mesos-rebuild\.[^/]+\/home$/);
      assert.equal(m[3]!.trim(), 'lo');
    });

    it('gives the same subpackages with the same files', async () => {
      const original = await byName(build.sets[target.id]);
      const rebuilt = await byName(rebuilds.get(target.id)!.rpms);
      assert.deepEqual([...rebuilt.keys()].sort(), [...original.keys()].sort());
      for (const [name, file] of original) {
        const again = rebuilt.get(name)!;
        assert.equal(await rpmQuery(again, '-l'), await rpmQuery(file, '-l'), name);
        assert.equal(await rpmQuery(again, '--qf', '%{RELEASE}'), `2${target.defines['dist']}`);
      }
    });

    it('gives byte-identical payloads (reproducible build)', async () => {
      const original = await byName(build.sets[target.id]);
      const rebuilt = await byName(rebuilds.get(target.id)!.rpms);
      for (const [name, file] of original) {
        const digest = (f: string): Promise<string> => rpmQuery(f, '--qf', '%{PAYLOADDIGEST}');
        assert.equal(await digest(rebuilt.get(name)!), await digest(file), name);
      }
    });
  });
}

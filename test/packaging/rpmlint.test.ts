// rpmlint over every built package and the SRPM: no errors. The filters in
// packaging/rpmlintrc, and the warnings left, are justified in packaging/README.md.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, it } from 'node:test';
import { execa } from 'execa';
import { ROOT } from '../../packaging/paths.ts';
import { type PackagingBuild, packagingBuild } from './build-cache.ts';

let build: PackagingBuild;
before(async () => {
  build = await packagingBuild();
});

it('rpmlint finds no errors in any package', async (t) => {
  const which = await execa('sh', ['-c', 'command -v rpmlint'], { reject: false });
  if (which.exitCode !== 0) return t.skip('rpmlint is not installed (packaging/host-prereqs.sh --tests installs it)');
  const files = [...build.sets.fedora, ...build.sets.el7, build.srpm];
  const result = await execa('rpmlint', ['-r', path.join(ROOT, 'packaging', 'rpmlintrc'), ...files], {
    reject: false,
    all: true,
    env: { LC_ALL: 'C.UTF-8' },
  });
  const errors = result.all.split('\n').filter((l) => / E: /.test(l));
  assert.deepEqual(errors, []);
  assert.match(result.all, /\b0 errors\b/);
});

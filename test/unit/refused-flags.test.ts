import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadAgentFlags } from '../../daemons/agent/flags.ts';
import { refusedFlag } from '../../daemons/common/refused-flags.ts';
import { loadMasterFlags } from '../../daemons/master/flags.ts';

const master = (argv: string[]) => loadMasterFlags({ argv: ['--work_dir=/tmp/x', ...argv], env: {}, progName: 'mesos-master' }).raw;
const agent = (argv: string[]) =>
  loadAgentFlags({ argv: ['--master=127.0.0.1:5050', '--work_dir=/tmp/x', ...argv], env: {}, progName: 'mesos-agent' }).raw;

describe('refusedFlag', () => {
  test('what both daemons implement is not refused: HTTP authentication and --acls', () => {
    for (const argv of [['--acls={"permissive": false}'], ['--authenticate_http_readonly', '--authenticate_http_readwrite']]) {
      assert.equal(refusedFlag(master(argv)), undefined, argv.join(' '));
      assert.equal(refusedFlag(agent(argv)), undefined, argv.join(' '));
    }
    assert.equal(refusedFlag(agent(['--http_credentials=/etc/mesos/http-credentials.json'])), undefined);
  });

  test('the defaults ask for nothing missing', () => {
    assert.equal(refusedFlag(master([])), undefined);
    assert.equal(refusedFlag(agent([])), undefined);
    assert.equal(refusedFlag(master(['--no-authenticate_frameworks', '--authenticate_http_readwrite=false'])), undefined);
  });

  test('authentication, authorization, firewalls and modules asked for are refused with the flag named', () => {
    assert.match(
      refusedFlag(master(['--authenticate_frameworks'])) ?? '',
      /^--authenticate_frameworks: frameworks cannot be authenticated here.*remove the flag/,
    );
    assert.match(refusedFlag(master(['--authenticate_slaves'])) ?? '', /^--authenticate_agents: /);
    assert.match(refusedFlag(agent(['--credential=/etc/mesos/credential'])) ?? '', /^--credential: /);
    assert.equal(refusedFlag(agent(['--credential=/etc/mesos/credential']), ['credential']), undefined);
    assert.match(refusedFlag(agent(['--modules={"libraries": []}'])) ?? '', /^--modules: Mesos modules are C\+\+ shared libraries/);
    assert.match(
      refusedFlag(master(['--firewall_rules={"disabled_endpoints": {"paths": ["/files/browse"]}}'])) ?? '',
      /^--firewall_rules: /,
    );
  });
});

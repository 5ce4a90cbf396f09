import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadAgentFlags } from '../../daemons/agent/flags.ts';
import { refusedFlag } from '../../daemons/common/refused-flags.ts';
import { loadMasterFlags } from '../../daemons/master/flags.ts';

const master = (argv: string[]) => loadMasterFlags({ argv: ['--work_dir=/tmp/x', ...argv], env: {}, progName: 'mesos-master' }).raw;
const agent = (argv: string[]) =>
  loadAgentFlags({ argv: ['--master=127.0.0.1:5050', '--work_dir=/tmp/x', ...argv], env: {}, progName: 'mesos-agent' }).raw;

describe('refusedFlag', () => {
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
    assert.match(
      refusedFlag(agent(['--acls={"permissive": false}'])) ?? '',
      /^--acls: ACLs are not enforced by the agent.*give --acls to the master/,
    );
    assert.equal(refusedFlag(master(['--acls={"permissive": false}']), ['acls']), undefined);
    assert.match(refusedFlag(agent(['--http_credentials={"credentials": []}'])) ?? '', /^--http_credentials: /);
    assert.match(refusedFlag(agent(['--modules={"libraries": []}'])) ?? '', /^--modules: Mesos modules are C\+\+ shared libraries/);
    assert.match(
      refusedFlag(master(['--firewall_rules={"disabled_endpoints": {"paths": ["/files/browse"]}}'])) ?? '',
      /^--firewall_rules: /,
    );
  });
});

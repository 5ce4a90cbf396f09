import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { agentFlagDefs, loadAgentFlags } from '../../daemons/agent/flags.ts';
import { executeFlagDefs, loadExecuteFlags } from '../../daemons/cli/execute-flags.ts';
import {
  FlagError,
  formatBytes,
  formatDuration,
  formatHelp,
  isHelpRequested,
  isVersionRequested,
  loadFlags,
  parseBytes,
  parseDuration,
} from '../../daemons/common/flags/index.ts';
import type { FlagDef, FlagValues } from '../../daemons/common/flags/index.ts';
import { loadMasterFlags, masterFlagDefs } from '../../daemons/master/flags.ts';
import { constraintProblem } from '../../daemons/common/flags/constraints.ts';
import { convert } from '../../daemons/common/flags/convert.ts';

const master = (argv: string[], env: Record<string, string> = {}) => loadMasterFlags({ argv, env, progName: 'mesos-master' });
const agent = (argv: string[], env: Record<string, string> = {}) =>
  loadAgentFlags({ argv, env: { MESOS_MASTER: 'm:5050', ...env }, progName: 'mesos-agent' });

/** Asserts `fn` throws a one-line FlagError and returns its message. */
function flagError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FlagError, `expected FlagError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `message is one line: ${err.message}`);
    return err.message;
  }
  assert.fail('expected a FlagError');
}

const scratch = mkdtempSync(path.join(tmpdir(), 'flags-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('command line', () => {
  it('reads --name=value, converts types and fills defaults', () => {
    const { values } = master(['--port=6060', '--work_dir=/var/lib/mesos', '--allocation_interval=500ms']);
    assert.equal(values.port, 6060);
    assert.equal(values.work_dir, '/var/lib/mesos');
    assert.equal(values.allocation_interval, 0.5);
    assert.equal(values.agent_ping_timeout, 15);
    assert.equal(values.max_agent_ping_timeouts, 5);
    assert.equal(values.registry, 'replicated_log');
    assert.equal(values.zk, undefined);
    assert.ok('zk' in values, 'absent optional flags are present as undefined');
  });

  it('accepts every boolean form', () => {
    assert.equal(master(['--quiet']).values.quiet, true);
    assert.equal(master(['--no-hostname_lookup']).values.hostname_lookup, false);
    assert.equal(master(['--quiet=true']).values.quiet, true);
    assert.equal(master(['--quiet=false']).values.quiet, false);
    assert.equal(master(['--quiet=1']).values.quiet, true);
    assert.equal(master(['--quiet=0']).values.quiet, false);
    assert.equal(master(['--quiet=']).values.quiet, true);
    assert.equal(master([]).values.quiet, false);
    assert.match(
      flagError(() => master(['--quiet=yes'])),
      /invalid value 'yes' for flag '--quiet' \(from the command line\): expected 'true' or 'false'/,
    );
  });

  it('rejects --no-x=value and --no- on a non-boolean', () => {
    assert.match(
      flagError(() => master(['--no-quiet=true'])),
      /^mesos-master: '--no-quiet' takes no value; write '--quiet=false'/,
    );
    assert.match(
      flagError(() => master(['--no-port'])),
      /flag '--port' is not a boolean, so '--no-port' is not allowed/,
    );
  });

  it('rejects a non-boolean flag without a value', () => {
    assert.equal(
      flagError(() => master(['--work_dir'])),
      "mesos-master: flag '--work_dir' needs a value: write '--work_dir=VALUE'",
    );
  });

  it('explains that --port 5050 must be written --port=5050', () => {
    const message = flagError(() => master(['--port', '5050']));
    assert.match(message, /^mesos-master: flag '--port' needs a value: write '--port=5050'/);
  });

  it('matches names case-insensitively like stout', () => {
    assert.equal(master(['--Port=7070']).values.port, 7070);
  });

  it('rejects a flag given twice, also via its alias', () => {
    assert.match(
      flagError(() => master(['--port=1', '--port=2'])),
      /flag '--port' is given twice/,
    );
    assert.match(
      flagError(() => master(['--agent_ping_timeout=5secs', '--slave_ping_timeout=6secs'])),
      /flag '--agent_ping_timeout' is given twice \('--agent_ping_timeout' and '--slave_ping_timeout'\)/,
    );
  });

  it('suggests the closest flag for an unknown one', () => {
    assert.equal(
      flagError(() => master(['--prot=5050'])),
      "mesos-master: unknown flag '--prot'; did you mean '--port'? Run 'mesos-master --help' for all flags.",
    );
    assert.match(
      flagError(() => master(['--work-dir=/x'])),
      /did you mean '--work_dir'\?/,
    );
    assert.match(
      flagError(() => master(['--no-quite'])),
      /unknown flag '--no-quite'; did you mean '--no-quiet'\?/,
    );
    assert.equal(
      flagError(() => master(['--frobnicate=1'])),
      "mesos-master: unknown flag '--frobnicate'. Run 'mesos-master --help' for all flags.",
    );
  });

  it('returns positional arguments and stops at --', () => {
    const loaded = master(['extra', '--port=1234', '--', '--not-a-flag']);
    assert.deepEqual(loaded.positional, ['extra', '--not-a-flag']);
    assert.equal(loaded.values.port, 1234);
  });

  it('leaves --help, -h and --version to the caller', () => {
    assert.equal(isHelpRequested(['--port=1', '--help']), true);
    assert.equal(isHelpRequested(['-h']), true);
    assert.equal(isHelpRequested(['--help=false']), false);
    assert.equal(isHelpRequested(['--port=1']), false);
    assert.equal(isVersionRequested(['--version']), true);
    assert.equal(isVersionRequested(['--no-version']), false);
    const loaded = master(['--help', '--version']);
    assert.equal(loaded.help, true);
    assert.equal(loaded.version, true);
    assert.deepEqual(loaded.positional, []);
  });
});

describe('aliases', () => {
  it('accepts the legacy slave_* names on the command line and warns', () => {
    const loaded = master(['--slave_ping_timeout=30secs', '--authenticate_slaves']);
    assert.equal(loaded.values.agent_ping_timeout, 30);
    assert.equal(loaded.values.authenticate_agents, true);
    assert.equal(loaded.raw['agent_ping_timeout'], '30secs');
    assert.ok(loaded.warnings.includes("flag '--slave_ping_timeout' is deprecated; use '--agent_ping_timeout' instead"));
  });

  it('accepts aliases in the environment', () => {
    const loaded = master([], { MESOS_SLAVE_REREGISTER_TIMEOUT: '20mins' });
    assert.equal(loaded.values.agent_reregister_timeout, 1200);
    assert.match(loaded.warnings.join('\n'), /MESOS_SLAVE_REREGISTER_TIMEOUT uses the deprecated flag name/);
  });

  it('warns about an unknown variable that is a near miss of a flag, and ignores other unknown ones', () => {
    const loaded = agent([], { MESOS_prot: '5052', MESOS_NATIVE_JAVA_LIBRARY: '/usr/lib/libmesos.so', MESOS_SANDBOX: '/tmp/x' });
    assert.equal(loaded.values.port, 5051, 'the typo does not set anything');
    assert.deepEqual(loaded.warnings, ['MESOS_prot is not a flag and is ignored; did you mean MESOS_PORT?']);
    assert.deepEqual(
      master([], { MESOS_MASTER: 'm:5050', MESOS_FRAMEWORK_ID: 'x' }).warnings,
      [],
      'an agent setting in the master environment is quiet',
    );
  });

  it('uses the alias spelling in a bad-value error', () => {
    assert.match(
      flagError(() => master(['--slave_ping_timeout=fast'])),
      /for flag '--slave_ping_timeout'/,
    );
  });
});

describe('environment', () => {
  it('matches PREFIX<NAME> case-insensitively', () => {
    assert.equal(loadAgentFlags({ argv: [], env: { MESOS_master: 'h:5050' }, progName: 'mesos-agent' }).values.master, 'h:5050');
    assert.equal(loadAgentFlags({ argv: [], env: { MESOS_MASTER: 'h:5050' }, progName: 'mesos-agent' }).values.master, 'h:5050');
    assert.equal(agent([], { MESOS_Work_Dir: '/srv/mesos' }).values.work_dir, '/srv/mesos');
  });

  it('ignores unknown MESOS_* variables and other prefixes', () => {
    const loaded = agent([], { MESOS_NOT_A_FLAG: 'x', LIBPROCESS_PORT: '1', PORT: '1' });
    assert.equal(loaded.values.port, 5051);
  });

  it('ranks command line over environment over defaults', () => {
    assert.equal(agent([], { MESOS_PORT: '6000' }).values.port, 6000);
    assert.equal(agent(['--port=7000'], { MESOS_PORT: '6000' }).values.port, 7000);
    assert.equal(agent([]).values.port, 5051);
  });

  it('takes a value for booleans, empty meaning true', () => {
    assert.equal(agent([], { MESOS_SWITCH_USER: 'false' }).values.switch_user, false);
    assert.equal(agent([], { MESOS_QUIET: '' }).values.quiet, true);
    assert.equal(agent([], { MESOS_QUIET: 'true' }).values.quiet, true);
  });

  it('names the variable a bad value came from', () => {
    assert.equal(
      flagError(() => master([], { MESOS_PORT: 'abc' })),
      "mesos-master: invalid value 'abc' for flag '--port' (from MESOS_PORT): expected an integer",
    );
  });

  it('rejects two spellings of one flag with different values', () => {
    assert.match(
      flagError(() => master([], { MESOS_PORT: '1', MESOS_port: '2' })),
      /MESOS_PORT and MESOS_port both set flag '--port'/,
    );
    assert.equal(master([], { MESOS_PORT: '1', MESOS_port: '1' }).values.port, 1);
  });

  it('is not read without a prefix (mesos-execute reads only its command line)', () => {
    const message = flagError(() => loadExecuteFlags({ argv: [], progName: 'mesos-execute' }));
    assert.equal(message, "mesos-execute: missing required flag '--master'. Run 'mesos-execute --help' for all flags.");
  });
});

describe('file:// values', () => {
  it('replaces the value by the trimmed file contents, from the command line or the environment', () => {
    const zkFile = path.join(scratch, 'zk');
    writeFileSync(zkFile, 'zk://10.0.0.1:2181,10.0.0.2:2181/mesos\n');
    const loaded = master([`--zk=file://${zkFile}`]);
    assert.equal(loaded.values.zk, 'zk://10.0.0.1:2181,10.0.0.2:2181/mesos');
    assert.equal(loaded.raw['zk'], `file://${zkFile}`, 'raw keeps the reference, not the contents');
    assert.equal(agent([], { MESOS_MASTER: `file://${zkFile}` }).values.master, 'zk://10.0.0.1:2181,10.0.0.2:2181/mesos');
  });

  it('parses file contents as the flag type and says which file a bad value came from', () => {
    const portFile = path.join(scratch, 'port');
    writeFileSync(portFile, ' 6100 \n');
    assert.equal(master([`--port=file://${portFile}`]).values.port, 6100);
    writeFileSync(portFile, 'sixty');
    assert.equal(
      flagError(() => master([], { MESOS_PORT: `file://${portFile}` })),
      `mesos-master: invalid value 'sixty' for flag '--port' (from file '${portFile}' named by MESOS_PORT): expected an integer`,
    );
  });

  it('reads JSON flags from files, including the deprecated bare path form', () => {
    const aclsFile = path.join(scratch, 'acls.json');
    writeFileSync(aclsFile, '{"permissive": false}');
    assert.deepEqual(master([`--acls=file://${aclsFile}`]).values.acls, { permissive: false });
    const bare = master([`--acls=${aclsFile}`]);
    assert.deepEqual(bare.values.acls, { permissive: false });
    assert.match(bare.warnings.join('\n'), /'--acls': a bare file path is deprecated; write 'file:\/\//);
  });

  it('keeps path flags as paths (stout never reads Path flags)', () => {
    const loaded = master(['--credentials=file:///etc/mesos/credentials.json'], {});
    assert.equal(loaded.values.credentials, '/etc/mesos/credentials.json');
  });

  it('reports an unreadable file with the flag, the path and the OS reason', () => {
    const missing = path.join(scratch, 'no-such-file');
    assert.equal(
      flagError(() => master([`--zk=file://${missing}`])),
      `mesos-master: cannot read file '${missing}' for flag '--zk' (from the command line): no such file or directory (ENOENT)`,
    );
  });

  it('reads through the injected reader', () => {
    const reads: string[] = [];
    const readFile = (p: string): string => {
      reads.push(p);
      if (p === '/denied') throw Object.assign(new Error("EACCES: permission denied, open '/denied'"), { code: 'EACCES' });
      return 'h:5050';
    };
    const loaded = loadAgentFlags({ argv: ['--master=file:///etc/mesos/master'], env: {}, progName: 'mesos-agent', readFile });
    assert.equal(loaded.values.master, 'h:5050');
    assert.deepEqual(reads, ['/etc/mesos/master']);
    assert.equal(
      flagError(() => loadAgentFlags({ argv: [], env: { MESOS_MASTER: 'file:///denied' }, progName: 'mesos-agent', readFile })),
      "mesos-agent: cannot read file '/denied' for flag '--master' (from MESOS_MASTER): permission denied (EACCES)",
    );
  });
});

describe('constraints (ajv)', () => {
  it('enforces ranges, in the unit of the flag', () => {
    assert.equal(
      flagError(() => master(['--port=70000'])),
      "mesos-master: invalid value '70000' for flag '--port' (from the command line): must be <= 65535",
    );
    assert.match(
      flagError(() => master(['--port=0'])),
      /must be >= 1$/,
    );
    assert.match(
      flagError(() => master(['--agent_ping_timeout=20mins'])),
      /must be <= 15mins$/,
    );
    assert.match(
      flagError(() => master(['--agent_reregister_timeout=5mins'])),
      /must be >= 10mins$/,
    );
    assert.match(
      flagError(() => agent(['--executor_reregistration_timeout=1mins'])),
      /must be <= 15secs$/,
    );
    assert.match(
      flagError(() => master(['--max_agent_ping_timeouts=0'])),
      /must be >= 1$/,
    );
  });

  it('lists the allowed values of an enum', () => {
    assert.match(
      flagError(() => master(['--logging_level=DEBUG'])),
      /: must be one of: INFO, WARNING, ERROR$/,
    );
    assert.match(
      flagError(() => master(['--registry=zk'])),
      /must be one of: replicated_log, in_memory$/,
    );
    assert.match(
      flagError(() => loadExecuteFlags({ argv: ['--master=m:1', '--containerizer=rkt'], progName: 'mesos-execute' })),
      /must be one of: mesos, docker$/,
    );
  });

  it('uses the hint of a pattern and points into JSON values', () => {
    assert.match(
      flagError(() => master(['--zk=host:2181'])),
      /: expected 'zk:\/\/host:port\[,host:port\.\.\.\]\/path'$/,
    );
    assert.match(
      flagError(() => agent(['--containerizers=docker,lxc'])),
      /expected a comma-separated list of 'mesos' and 'docker'$/,
    );
    assert.match(
      flagError(() => agent(['--executor_environment_variables={"PATH": 1}'])),
      /: \/PATH must be string$/,
    );
    assert.match(
      flagError(() => master(['--domain={}'])),
      /must have required property 'fault_domain'$/,
    );
  });

  it('checks --rate_limits field by field, and names an unknown one', () => {
    assert.match(
      flagError(() => master(['--rate_limits={"limits":[{"principal":"a","qsp":5}]}'])),
      /: \/limits\/0 has an unknown field 'qsp'$/,
    );
    assert.match(
      flagError(() => master(['--rate_limits={"limits":[{"principal":"a","qps":0}]}'])),
      /: \/limits\/0\/qps must be > 0$/,
    );
    assert.match(
      flagError(() => master(['--rate_limits={"limits":[{"qps":3}]}'])),
      /: \/limits\/0 must have required property 'principal'$/,
    );
    assert.match(
      flagError(() => master(['--rate_limits={"aggregate_default_capacity":-1}'])),
      /: \/aggregate_default_capacity must be >= 0$/,
    );
    const ok = '{"limits":[{"principal":"a","qps":5.5,"capacity":10},{"principal":"b"}],"aggregate_default_qps":100}';
    assert.deepEqual(master([`--rate_limits=${ok}`]).values.rate_limits, JSON.parse(ok));
  });

  it('reports malformed JSON on one line', () => {
    assert.match(
      flagError(() => master(['--acls={"a":'])),
      /invalid value '\{"a":' for flag '--acls' \(from the command line\): expected JSON/,
    );
  });
});

describe('required flags and runtime defaults', () => {
  it('names the missing flag and its environment variable', () => {
    assert.equal(
      flagError(() => loadAgentFlags({ argv: [], env: {}, progName: 'mesos-agent' })),
      "mesos-agent: missing required flag '--master' (or set MESOS_MASTER). Run 'mesos-agent --help' for all flags.",
    );
  });

  it('uses runtime defaults below the environment and the command line', () => {
    const runtimeDefaults = { work_dir: '/var/lib/mesos', docker_store_dir: '/tmp/mesos/store/docker' };
    const base = { progName: 'mesos-agent', runtimeDefaults };
    const computed = loadAgentFlags({ ...base, argv: [], env: { MESOS_MASTER: 'm:1' } });
    assert.equal(computed.values.work_dir, '/var/lib/mesos');
    assert.equal(computed.raw['docker_store_dir'], '/tmp/mesos/store/docker');
    const fromEnv = loadAgentFlags({ ...base, argv: [], env: { MESOS_MASTER: 'm:1', MESOS_WORK_DIR: '/srv' } });
    assert.equal(fromEnv.values.work_dir, '/srv');
  });
});

describe('raw values', () => {
  it('holds every flag that has a value, as Mesos shows it', () => {
    const { raw } = master(['--allocation_interval=60secs', '--quorum=2', '--cluster=prod'], {
      MESOS_OFFER_CONSTRAINTS_RE2_MAX_MEM: '8192B',
    });
    assert.equal(raw['allocation_interval'], '1mins');
    assert.equal(raw['quorum'], '2');
    assert.equal(raw['cluster'], 'prod');
    assert.equal(raw['offer_constraints_re2_max_mem'], '8KB');
    assert.equal(raw['port'], '5050');
    assert.equal(raw['hostname_lookup'], 'true');
    assert.equal(raw['registry_max_agent_age'], '2weeks');
    assert.equal(raw['min_allocatable_resources'], 'cpus:0.01|mem:32');
    assert.ok(!('zk' in raw), 'unset optional flags are left out');
    assert.ok(Object.values(raw).every((v) => typeof v === 'string'));
  });

  it('shows Mesos defaults for the agent', () => {
    const { raw, values } = agent([]);
    assert.equal(raw['port'], '5051');
    assert.equal(raw['isolation'], 'posix/cpu,posix/mem');
    assert.equal(raw['executor_registration_timeout'], '1mins');
    assert.equal(raw['docker_stop_timeout'], '0ns');
    assert.equal(raw['fetcher_cache_size'], '2GB');
    assert.equal(values.fetcher_cache_size, 2 * 1024 ** 3);
    assert.equal(raw['gc_delay'], '1weeks');
    assert.equal(raw['frameworks_home'], '');
    assert.equal(values.checkpoint, true);
  });

  it('warns when a deprecated flag is set', () => {
    assert.deepEqual(agent([]).warnings, []);
    assert.match(agent(['--checkpoint']).warnings.join('\n'), /'--checkpoint' is deprecated/);
  });
});

describe('durations and sizes', () => {
  it('parses every Mesos duration unit to seconds', () => {
    assert.equal(parseDuration('15secs'), 15);
    assert.equal(parseDuration('100ms'), 0.1);
    assert.equal(parseDuration('250us'), 0.00025);
    assert.equal(parseDuration('5ns'), 5e-9);
    assert.equal(parseDuration('10mins'), 600);
    assert.equal(parseDuration('6hrs'), 21600);
    assert.equal(parseDuration('1.5days'), 129600);
    assert.equal(parseDuration('2weeks'), 1209600);
    assert.equal(parseDuration('.5secs'), 0.5);
  });

  it('rejects what stout rejects, with a hint', () => {
    assert.throws(() => parseDuration('10'), /missing unit/);
    assert.throws(() => parseDuration('1sec'), /unknown unit 'sec'; write '1secs'/);
    assert.throws(() => parseDuration('10SECS'), /write '10secs'/);
    assert.throws(() => parseDuration('-1secs'), FlagError);
    assert.throws(() => parseDuration('1 secs'), FlagError);
    assert.throws(() => parseDuration('secs'), FlagError);
  });

  it('formats like stout: largest unit, or a smaller one when that is whole', () => {
    const cases: [number, string][] = [
      [0, '0ns'],
      [1e-9, '1ns'],
      [0.0015, '1500us'],
      [0.1, '100ms'],
      [1, '1secs'],
      [1.5, '1500ms'],
      [15, '15secs'],
      [60, '1mins'],
      [90, '90secs'],
      [600, '10mins'],
      [5400, '90mins'],
      [21600, '6hrs'],
      [864000, '10days'],
      [604800, '1weeks'],
      [1209600, '2weeks'],
      [-15, '-15secs'],
    ];
    for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, `${seconds}s`);
    for (const [, text] of cases.filter(([s]) => s >= 0)) assert.equal(formatDuration(parseDuration(text)), text);
  });

  it('parses and formats byte sizes', () => {
    assert.equal(parseBytes('2GB'), 2 * 1024 ** 3);
    assert.equal(parseBytes('512mb'), 512 * 1024 ** 2);
    assert.equal(parseBytes('10B'), 10);
    assert.equal(parseBytes('1TB'), 1024 ** 4);
    assert.throws(() => parseBytes('1.5GB'), /fractional/);
    assert.throws(() => parseBytes('100'), /missing unit/);
    assert.throws(() => parseBytes('1PB'), /unknown unit 'PB'/);
    assert.equal(formatBytes(0), '0B');
    assert.equal(formatBytes(4096), '4KB');
    assert.equal(formatBytes(1536 * 1024), '1536KB');
    assert.equal(formatBytes(2 * 1024 ** 3), '2GB');
    assert.equal(formatBytes(1000), '1000B');
    assert.match(
      flagError(() => agent(['--fetcher_cache_size=2G'])),
      /unknown unit 'G'/,
    );
  });
});

describe('help', () => {
  for (const [prog, defs] of [
    ['mesos-master', masterFlagDefs],
    ['mesos-agent', agentFlagDefs],
    ['mesos-execute', executeFlagDefs],
  ] as const) {
    it(`lists every ${prog} flag with its default`, () => {
      const text = formatHelp(prog, '[options]', defs);
      assert.ok(text.startsWith(`Usage: ${prog} [options]\n`));
      const lines = text.split('\n');
      for (const def of defs as readonly FlagDef[]) {
        const spelled = def.type === 'bool' ? `--[no-]${def.name}` : `--${def.name}=VALUE`;
        const at = lines.findIndex((line) => line.startsWith(`  ${spelled}`));
        assert.ok(at >= 0, `${def.name} is listed`);
        // The entry runs until the next line that starts a flag.
        const end = lines.findIndex((line, i) => i > at && line.startsWith('  -'));
        const entry = lines.slice(at, end).join('\n');
        const shown = def.default === '' ? "''" : (def.default ?? def.defaultHelp);
        if (shown !== undefined) assert.ok(entry.includes(`default: ${shown}`), `${def.name} shows its default:\n${entry}`);
        if (def.required) assert.ok(entry.includes('required'), `${def.name} says it is required`);
        for (const alias of def.aliases ?? []) assert.ok(lines[at]!.includes(alias), `${def.name} shows alias ${alias}`);
      }
      assert.match(text, /--help/);
    });
  }
});

describe('definitions', () => {
  for (const [prog, defs, required] of [
    ['mesos-master', masterFlagDefs, []],
    ['mesos-agent', agentFlagDefs, ['--master=m:5050']],
    ['mesos-execute', executeFlagDefs, ['--master=m:5050']],
  ] as const) {
    it(`${prog}: names and aliases are unique, every default parses`, () => {
      const seen = new Set<string>();
      for (const def of defs as readonly FlagDef[]) {
        for (const name of [def.name, ...(def.aliases ?? [])]) {
          assert.ok(!seen.has(name), `${name} is defined once`);
          assert.match(name, /^[a-z][a-z0-9_]*$/, `${name} is a stout-style name`);
          assert.ok(name !== 'help' && name !== 'version', 'help and version are handled by the caller');
          seen.add(name);
        }
        assert.ok(!(def.required && def.default !== undefined), `${def.name} is not both required and defaulted`);
        assert.ok(def.help.trim().length > 0 && def.help.length <= 160, `${def.name} has short help`);
      }
      const loaded = loadFlags(defs, { argv: [...required], env: {}, progName: prog });
      for (const def of defs as readonly FlagDef[]) {
        if (def.default !== undefined) assert.equal(typeof loaded.raw[def.name], 'string', `${def.name} default loads`);
        // The loader trusts defaults: they are checked against their schemas here.
        if (def.default !== undefined && def.schema !== undefined) {
          const converted = convert(def.type, def.default);
          assert.ok(converted.ok, `${def.name} default converts`);
          assert.equal(constraintProblem(def.type, def.schema, converted.value), undefined, `${def.name} default satisfies its schema`);
        }
      }
    });
  }

  it('uses the Mesos defaults', () => {
    const m = master([]).raw;
    const expected: Record<string, string> = {
      port: '5050',
      logging_level: 'INFO',
      registry: 'replicated_log',
      zk_session_timeout: '10secs',
      allocation_interval: '1secs',
      agent_ping_timeout: '15secs',
      max_agent_ping_timeouts: '5',
      agent_reregister_timeout: '10mins',
      max_completed_frameworks: '50',
      max_completed_tasks_per_framework: '1000',
      max_unreachable_tasks_per_framework: '1000',
      registry_max_agent_count: '102400',
      registry_fetch_timeout: '1mins',
      registry_store_timeout: '20secs',
      framework_sorter: 'drf',
      role_sorter: 'drf',
      filter_gpu_resources: 'true',
      root_submissions: 'true',
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(m[name], value, name);
    const e = loadExecuteFlags({ argv: ['--master=m:5050'], progName: 'mesos-execute' }).values;
    assert.equal(e.resources, 'cpus:1;mem:128');
    assert.equal(e.shell, true);
    assert.equal(e.partition_aware, true);
    assert.equal(e.checkpoint, false);
    assert.equal(e.role, '*');
    assert.equal(e.content_type, 'json', 'the one default that differs from Mesos (protobuf): see its help');
    assert.equal(e.containerizer, 'mesos');
  });

  it('gives typed values', () => {
    const values = master([]).values;
    const port: number = values.port;
    const workDir: string | undefined = values.work_dir;
    const quiet: boolean = values.quiet;
    // @ts-expect-error work_dir has no default, so it may be undefined
    const notOptional: string = values.work_dir;
    type Exec = FlagValues<typeof executeFlagDefs>;
    const master_: Exec['master'] = 'required flags are never undefined';
    assert.equal(typeof port, 'number');
    assert.equal(workDir, undefined);
    assert.equal(quiet, false);
    assert.equal(notOptional, undefined);
    assert.equal(typeof master_, 'string');
  });
});

describe('flags accepted for Mesos compatibility with no effect here', () => {
  it('warn when set, name the reason, and say so in --help', () => {
    const set = agent(['--master=127.0.0.1:5050', '--launcher=linux', '--isolation=cgroups/cpu,cgroups/mem']);
    assert.match(
      set.warnings.join('\n'),
      /flag '--launcher' is accepted for Mesos compatibility but has no effect here: the task supervisor starts every task/,
    );
    assert.doesNotMatch(set.warnings.join('\n'), /--isolation/, 'cgroups isolation is provided');
    const fromEnv = master(['--work_dir=/tmp/x'], { MESOS_WHITELIST: '/etc/mesos/whitelist' });
    assert.match(fromEnv.warnings.join('\n'), /'--whitelist' .* no effect here/);
    assert.deepEqual(master(['--work_dir=/tmp/x']).warnings, [], 'a default does not warn');
    assert.match(
      formatHelp('mesos-agent', '[options]', agentFlagDefs),
      /--agent_subsystems=VALUE[\s\S]*no effect here: the agent itself is not confined to cgroups/,
    );
  });

  it('every such flag of the master and the agent says why', () => {
    for (const def of [...agentFlagDefs, ...masterFlagDefs] as FlagDef[]) {
      if (def.inert !== undefined) assert.ok(def.inert.length > 10, def.name);
    }
  });
});

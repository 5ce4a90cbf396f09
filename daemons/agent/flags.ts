// mesos-agent (legacy mesos-slave) flags: Apache Mesos names and defaults (src/slave/flags.cpp,
// src/logging/flags.cpp), our own short help. Defaults Mesos computes on the host are left to the
// agent (`defaultHelp`), which passes them back through LoadOptions.runtimeDefaults.
import { loadFlags, loggingFlagDefs } from '../common/flags/index.ts';
import type { FlagDef, FlagValues, LoadOptions, Loaded } from '../common/flags/index.ts';

const PORT = { minimum: 1, maximum: 65535 } as const;
const JSON_OBJECT = { type: 'object' } as const;

export const agentFlagDefs = [
  // Network identity and the master.
  { name: 'ip', type: 'string', help: 'IP address to listen on.', defaultHelp: 'LIBPROCESS_IP, else all interfaces' },
  { name: 'port', type: 'int', default: '5051', help: 'Port to listen on.', schema: PORT },
  { name: 'advertise_ip', type: 'string', help: 'IP address advertised to reach this agent (it does not bind to it).' },
  { name: 'advertise_port', type: 'int', help: 'Port advertised along with --advertise_ip (it does not bind to it).', schema: PORT },
  { name: 'hostname', type: 'string', help: 'Hostname to advertise.', defaultHelp: 'resolved from the advertised IP' },
  {
    name: 'hostname_lookup',
    type: 'bool',
    default: 'true',
    help: 'Look up the hostname when --hostname is not set; with --no-hostname_lookup the IP is advertised.',
  },
  { name: 'ip_discovery_command', type: 'string', help: 'Command whose output is the IP to bind to (not with --ip).' },
  {
    name: 'master',
    type: 'string',
    required: true,
    help: 'The master: host:port, or zk://[user:pass@]host1:port1,host2:port2/path (the leader in ZooKeeper, followed as it changes), or file:///path holding either.',
  },
  {
    name: 'zk_session_timeout',
    type: 'duration',
    default: '10secs',
    help: 'ZooKeeper session timeout of the leader detection (--master=zk://...).',
  },
  {
    name: 'registration_backoff_factor',
    type: 'duration',
    default: '1secs',
    help: 'Initial (randomised, doubling) delay between registration attempts, up to 1mins.',
  },
  {
    name: 'domain',
    type: 'json',
    help: 'Fault domain of this agent as JSON: {"fault_domain": {"region": {"name": ...}, "zone": {"name": ...}}}.',
    schema: { type: 'object', required: ['fault_domain'] },
    inert: 'fault domains are not reported or used',
  },
  ...loggingFlagDefs,

  // Directories.
  {
    name: 'work_dir',
    type: 'path',
    help: 'Directory for sandboxes and checkpointed state. Not /tmp in production.',
    defaultHelp: '/var/lib/mesos when root, else ~/.mesos/work',
  },
  {
    name: 'runtime_dir',
    type: 'path',
    help: 'Directory for runtime state that must not survive a reboot.',
    defaultHelp: '/var/run/mesos when writable, else <tmp>/mesos/runtime',
  },
  {
    name: 'launcher_dir',
    type: 'path',
    help: 'Directory holding the executor and helper programs.',
    defaultHelp: 'the directory of this executable',
    inert: 'the executor and helper programs are built into the mesos binary',
  },
  {
    name: 'sandbox_directory',
    type: 'path',
    default: '/mnt/mesos/sandbox',
    help: 'Where the sandbox appears inside containers that have their own filesystem.',
  },
  { name: 'frameworks_home', type: 'path', default: '', help: 'Directory prepended to relative executor URIs.' },
  {
    name: 'hadoop_home',
    type: 'path',
    help: 'Hadoop installation used to fetch hdfs:// URIs.',
    defaultHelp: 'HADOOP_HOME, else hadoop on PATH',
    inert: 'the fetcher takes http(s)://, file:// and paths, not hdfs://',
  },

  // Resources.
  {
    name: 'resources',
    type: 'string',
    help: 'Total resources: cpus:4;mem:2048;disk:10000;ports:[31000-32000], cpus(role):2, or a JSON array of Resource.',
    defaultHelp: 'detected: all cores; memory less min(1GB, half); disk less min(5GB, half); ports [31000-32000]',
  },
  { name: 'attributes', type: 'string', help: 'Attributes for placement, e.g. rack:r1;zone:z1.' },
  {
    name: 'default_role',
    type: 'string',
    default: '*',
    help: 'Role of resources that do not name one in --resources.',
    inert: "resources that name no role in --resources are unreserved ('*')",
  },

  // Containers.
  {
    name: 'containerizers',
    type: 'string',
    default: 'mesos',
    help: 'Comma-separated containerizers, tried in order (mesos, docker).',
    schema: { pattern: '^(mesos|docker)(,(mesos|docker))*$', errorHint: "expected a comma-separated list of 'mesos' and 'docker'" },
  },
  {
    name: 'isolation',
    type: 'string',
    default: 'posix/cpu,posix/mem',
    help: 'Comma-separated isolators for the Mesos containerizer, e.g. cgroups/cpu,cgroups/mem,filesystem/linux.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups or namespaces',
  },
  {
    name: 'launcher',
    type: 'string',
    help: 'How the Mesos containerizer starts and tracks processes.',
    defaultHelp: 'linux when available (root on Linux), else posix',
    schema: { enum: ['linux', 'posix'] },
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'image_providers',
    type: 'string',
    help: 'Comma-separated container image types for the Mesos containerizer, e.g. docker.',
    inert: 'the Mesos containerizer runs no container images (Docker tasks go to the Docker daemon)',
  },
  {
    name: 'image_provisioner_backend',
    type: 'string',
    help: 'How image layers are assembled: aufs, bind, copy or overlay.',
    inert: 'the Mesos containerizer runs no container images (Docker tasks go to the Docker daemon)',
  },
  { name: 'switch_user', type: 'bool', default: 'true', help: "Run tasks as their framework's or command's user (needs root)." },
  {
    name: 'default_container_info',
    type: 'json',
    help: 'ContainerInfo (JSON) for tasks that do not set one.',
    schema: JSON_OBJECT,
    inert: 'a task without ContainerInfo runs as a plain command task',
  },
  {
    name: 'executor_environment_variables',
    type: 'json',
    help: 'Environment for executors as a JSON object of strings (replaces the agent environment).',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
  {
    name: 'effective_capabilities',
    aliases: ['allowed_capabilities'],
    type: 'json',
    help: 'Default Linux capabilities of tasks, as JSON {"capabilities": [...]}.',
    schema: JSON_OBJECT,
  },
  {
    name: 'bounding_capabilities',
    type: 'json',
    help: 'Linux capabilities tasks may ever hold, as JSON {"capabilities": [...]}.',
    schema: JSON_OBJECT,
  },
  {
    name: 'cgroups_hierarchy',
    type: 'path',
    default: '/sys/fs/cgroup',
    help: 'Root of the cgroups hierarchy.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'cgroups_root',
    type: 'string',
    default: 'mesos',
    help: 'Name of the cgroup under which containers are placed.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'cgroups_enable_cfs',
    type: 'bool',
    default: 'false',
    help: 'Cap CPU use with CFS quotas, not only shares.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'cgroups_limit_swap',
    type: 'bool',
    default: 'false',
    help: 'Limit memory plus swap instead of memory only.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'cgroups_destroy_timeout',
    type: 'duration',
    default: '1mins',
    help: 'Time allowed for destroying a container cgroup.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'agent_subsystems',
    aliases: ['slave_subsystems'],
    type: 'string',
    help: 'Comma-separated cgroup subsystems to confine the agent itself to.',
    inert: 'tasks run as process groups of the task supervisor, without cgroups',
  },
  {
    name: 'systemd_enable_support',
    type: 'bool',
    default: 'true',
    help: 'Move executors out of the agent systemd unit so they survive agent restarts.',
    inert: 'tasks are children of the task supervisor, which outlives agent restarts already',
  },
  {
    name: 'systemd_runtime_directory',
    type: 'path',
    default: '/run/systemd/system',
    help: 'systemd runtime directory, used to detect systemd.',
    inert: 'tasks are children of the task supervisor, which outlives agent restarts already',
  },
  {
    name: 'network_cni_plugins_dir',
    type: 'path',
    help: 'Directory of CNI plugin binaries.',
    inert: 'containers use the host or Docker networks; there is no CNI',
  },
  {
    name: 'network_cni_config_dir',
    type: 'path',
    help: 'Directory of CNI network configurations.',
    inert: 'containers use the host or Docker networks; there is no CNI',
  },

  // Docker.
  { name: 'docker', type: 'string', default: 'docker', help: 'Path of the docker CLI.' },
  { name: 'docker_socket', type: 'path', default: '/var/run/docker.sock', help: 'Docker daemon socket.' },
  {
    name: 'docker_min_version',
    type: 'string',
    default: '1.0.0',
    help: 'mesos-ts only: oldest Docker daemon version the docker containerizer accepts.',
    schema: { pattern: '^\\d+\\.\\d+(\\.\\d+)?$', errorHint: "expected a version such as '1.13.1'" },
  },
  {
    name: 'docker_stop_timeout',
    type: 'duration',
    default: '0ns',
    help: 'Time between SIGTERM and SIGKILL when stopping a Docker container.',
  },
  {
    name: 'docker_remove_delay',
    type: 'duration',
    default: '6hrs',
    help: 'How long a finished Docker container is kept before removal.',
  },
  {
    name: 'docker_kill_orphans',
    type: 'bool',
    default: 'true',
    help: 'Kill Docker containers this agent started but no longer knows about.',
  },
  {
    name: 'docker_mesos_image',
    type: 'string',
    help: 'Image the agent itself runs in, when it runs in Docker.',
    inert: 'the agent does not run inside a Docker container',
  },
  {
    name: 'docker_config',
    type: 'json',
    help: 'Docker client config (config.json or .dockercfg) as JSON, inline or file:///path: registry credentials for pulls when the sandbox has no .docker/config.json.',
    schema: JSON_OBJECT,
  },
  {
    name: 'docker_registry',
    type: 'string',
    default: 'https://registry-1.docker.io',
    help: 'Default registry for Docker images of the Mesos containerizer.',
    inert: 'the Mesos containerizer runs no container images (Docker tasks go to the Docker daemon)',
  },
  {
    name: 'docker_store_dir',
    type: 'path',
    help: 'Where the Mesos containerizer stores Docker images.',
    defaultHelp: '<tmp>/mesos/store/docker',
    inert: 'the Mesos containerizer runs no container images (Docker tasks go to the Docker daemon)',
  },

  // Executors and tasks.
  {
    name: 'max_event_stream_buffer_size',
    type: 'bytes',
    default: '8MB',
    help: "Bytes an executor's event stream may hold unsent; an executor that falls further behind is disconnected (it may subscribe again).",
    schema: { minimum: 65536 },
  },
  {
    name: 'executor_registration_timeout',
    type: 'duration',
    default: '1mins',
    help: 'Time an executor has to register before it is killed (raise for slow image pulls).',
  },
  {
    name: 'executor_reregistration_timeout',
    type: 'duration',
    default: '2secs',
    help: 'Time executors have to reconnect after an agent restart (at most 15secs).',
    schema: { maximum: 15 },
  },
  {
    name: 'executor_reregistration_retry_interval',
    type: 'duration',
    help: 'Interval between reconnect messages to executors during recovery.',
    inert: 'only PID (libprocess) executors were sent reconnect messages; HTTP executors subscribe again themselves',
  },
  {
    name: 'executor_shutdown_grace_period',
    type: 'duration',
    default: '5secs',
    help: 'Default time an executor has to shut down before it is killed.',
  },
  {
    name: 'http_command_executor',
    type: 'bool',
    default: 'false',
    help: 'Use the HTTP API based command executor for command tasks.',
    inert: 'command tasks are run by the task supervisor, with no command executor process',
  },
  {
    name: 'max_completed_executors_per_framework',
    type: 'int',
    default: '150',
    help: 'Completed executors kept in memory per framework.',
    schema: { minimum: 0 },
  },
  {
    name: 'http_heartbeat_interval',
    type: 'duration',
    default: '30secs',
    help: 'Heartbeat interval on streaming agent API responses.',
    inert: 'the agent serves no streaming v1 operator API',
  },

  // Fetcher and garbage collection.
  {
    name: 'fetcher_cache_dir',
    type: 'path',
    help: 'Directory of the URI fetcher cache.',
    defaultHelp: '<tmp>/mesos/fetch',
  },
  { name: 'fetcher_cache_size', type: 'bytes', default: '2GB', help: 'Size of the fetcher cache.' },
  {
    name: 'fetcher_stall_timeout',
    type: 'duration',
    default: '1mins',
    help: 'Abort a download that makes no progress for this long.',
  },
  { name: 'gc_delay', type: 'duration', default: '1weeks', help: 'Longest time finished sandboxes are kept (shortened when disk fills).' },
  {
    name: 'gc_disk_headroom',
    type: 'number',
    default: '0.1',
    help: 'Share of disk to keep free when shortening --gc_delay; a launch short of space (1 MiB) collects first.',
    schema: { minimum: 0, maximum: 1 },
  },
  { name: 'disk_watch_interval', type: 'duration', default: '1mins', help: 'How often disk usage is checked.' },
  {
    name: 'container_disk_watch_interval',
    type: 'duration',
    default: '15secs',
    help: 'How often container disk usage is measured (disk/du isolator).',
    inert: 'the disk use of containers is not measured (no disk/du isolator)',
  },
  {
    name: 'enforce_container_disk_quota',
    type: 'bool',
    default: 'false',
    help: 'Kill containers that exceed their disk resources (disk/du isolator).',
    inert: 'the disk use of containers is not measured (no disk/du isolator)',
  },

  // Recovery.
  {
    name: 'recover',
    type: 'string',
    default: 'reconnect',
    help: 'After a restart: reconnect to running executors, or cleanup (kill them and exit).',
    schema: { enum: ['reconnect', 'cleanup'] },
  },
  {
    name: 'recovery_timeout',
    type: 'duration',
    default: '15mins',
    help: 'Time executors wait for a restarted agent before shutting down.',
  },
  {
    name: 'strict',
    type: 'bool',
    default: 'true',
    help: 'Refuse to start on a damaged checkpoint record (a torn last one is always dropped); --no-strict recovers what can be read.',
  },
  {
    name: 'reconfiguration_policy',
    type: 'string',
    default: 'equal',
    help: 'Which changes of resources and attributes a restarted agent accepts.',
    schema: { enum: ['equal', 'additive'] },
    inert: 'a restarted agent keeps its id and registers what it has now, whatever changed',
  },
  {
    name: 'checkpoint',
    type: 'bool',
    default: 'true',
    help: 'Checkpoint agent and framework state so restarts can recover.',
    deprecated: 'checkpointing is always on (the flag left Mesos in 0.22)',
  },

  // Authentication and authorization.
  {
    name: 'credential',
    type: 'path',
    help: 'File with this agent\'s credential for --authenticate_agents: JSON {"principal": ..., "secret": ...} or "principal secret"; mode 600.',
  },
  {
    name: 'authenticatee',
    type: 'string',
    default: 'crammd5',
    help: 'How the agent authenticates with the master.',
    inert: 'with --credential the agent always authenticates with HTTP Basic, on each request',
  },
  {
    name: 'authorizer',
    type: 'string',
    default: 'local',
    aliases: ['authorizers'],
    help: 'Authorizer of --acls; local is the one built in (modules cannot be loaded).',
  },
  {
    name: 'acls',
    type: 'json',
    help: "ACLs of this agent's endpoints (Mesos format) as JSON, inline or file:///path: view_*, access_sandboxes, access_mesos_logs, get_endpoints.",
    schema: JSON_OBJECT,
  },
  {
    name: 'http_credentials',
    type: 'path',
    help: 'File of the logins --authenticate_http_readonly/readwrite accept: JSON {"credentials": [{"principal": .., "secret": ..}]}; mode 600.',
  },
  {
    name: 'jwt_secret_key',
    type: 'path',
    aliases: ['executor_secret_key'],
    help: "File with the key signing each executor's token; its SUBSCRIBE, UPDATE, MESSAGE need it, another's is 403.",
    defaultHelp: 'a key the agent makes in <work_dir>/meta/jwt_secret_key',
  },
  {
    name: 'authenticate_http_executors',
    type: 'bool',
    default: 'false',
    help: 'Every call to the executor API needs a valid executor token (401 without one); needs --jwt_secret_key.',
  },
  {
    name: 'http_authenticators',
    type: 'string',
    help: 'HTTP authenticators: basic (HTTP Basic against --http_credentials), jwt (executor tokens).',
    defaultHelp: 'basic',
  },
  {
    name: 'authenticate_http_readonly',
    type: 'bool',
    default: 'false',
    help: 'Require a login of --http_credentials on read-only endpoints (/state, /files, /flags, /metrics, /monitor, /containers); not /health.',
  },
  {
    name: 'authenticate_http_readwrite',
    type: 'bool',
    default: 'false',
    help: 'Require a login of --http_credentials on read-write endpoints (/api/v1, /logging/toggle; this agent serves neither).',
  },
  {
    name: 'authentication_backoff_factor',
    type: 'duration',
    default: '1secs',
    help: 'Initial delay between authentication attempts.',
    inert: 'the agent authenticates on each request to the master (HTTP Basic); there is no separate handshake to time',
  },
  {
    name: 'authentication_timeout_min',
    type: 'duration',
    default: '5secs',
    help: 'Shortest time allowed for one authentication attempt.',
    inert: 'the agent authenticates on each request to the master (HTTP Basic); there is no separate handshake to time',
  },
  {
    name: 'authentication_timeout_max',
    type: 'duration',
    default: '1mins',
    help: 'Longest time allowed for one authentication attempt.',
    inert: 'the agent authenticates on each request to the master (HTTP Basic); there is no separate handshake to time',
  },
  {
    name: 'firewall_rules',
    type: 'json',
    help: 'HTTP endpoints to disable, as JSON: {"disabled_endpoints": {"paths": [...]}}.',
    schema: JSON_OBJECT,
  },

  // Extensions.
  { name: 'modules', type: 'json', help: 'Modules to load, as JSON, inline or file:///path.', schema: JSON_OBJECT },
  { name: 'modules_dir', type: 'path', help: 'Directory of module manifest files (not with --modules).' },
  { name: 'hooks', type: 'string', help: 'Comma-separated hook modules to install.' },
  {
    name: 'container_logger',
    type: 'string',
    help: 'Container logger module; by default output goes to sandbox files.',
    inert: 'task output always goes to stdout and stderr in the sandbox',
  },
  {
    name: 'resource_estimator',
    type: 'string',
    help: 'Resource estimator module for oversubscription.',
    inert: 'there is no oversubscription',
  },
  { name: 'qos_controller', type: 'string', help: 'QoS controller module for oversubscription.', inert: 'there is no oversubscription' },
  {
    name: 'oversubscribed_resources_interval',
    type: 'duration',
    default: '15secs',
    help: 'How often oversubscribed resource estimates are sent to the master.',
    inert: 'there is no oversubscription',
  },
  {
    name: 'qos_correction_interval_min',
    type: 'duration',
    default: '0ns',
    help: 'Shortest interval between QoS corrections.',
    inert: 'there is no oversubscription',
  },
  {
    name: 'memory_profiling',
    type: 'bool',
    default: 'false',
    help: 'Expose memory profiling endpoints (needs jemalloc in Apache Mesos).',
    inert: 'there is no jemalloc memory profiler in a Node.js binary',
  },
] as const satisfies readonly FlagDef[];

export type AgentFlags = FlagValues<typeof agentFlagDefs>;

/**
 * Loads mesos-agent flags: command line, then MESOS_* environment, then defaults; pass the
 * host-dependent defaults (work_dir, runtime_dir, ...) as `runtimeDefaults`.
 */
export function loadAgentFlags(opts: Omit<LoadOptions, 'prefix'>): Loaded<AgentFlags> {
  return loadFlags<AgentFlags>(agentFlagDefs, { ...opts, prefix: 'MESOS_' });
}

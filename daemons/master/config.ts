// What a master is configured with: its address and the limits and intervals of its flags
// (main.ts makes it from the flags). Its own module so that the parts of the master core that
// need a few of its fields (agents.ts, offers.ts) need not import the Master.
import type { Resource } from '../common/mesos.ts';
import type { RateLimitsConfig } from './rate-limits.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';

export interface MasterConfig {
  /** The master's id; a new UUID when absent. A master behind ZooKeeper has one before it leads. */
  id?: string | undefined;
  /** When the master process started (ms); a master behind ZooKeeper starts before it is elected. */
  startedAt?: number | undefined;
  hostname: string;
  ip: string;
  port: number;
  cluster?: string | undefined;
  allocationIntervalSecs: number;
  agentPingTimeoutSecs: number;
  maxAgentPingTimeouts: number;
  /** Agents known to the registry must re-register this soon after a master restart. */
  agentReregisterTimeoutSecs?: number;
  /** Unreachable agents are forgotten after this long (--registry_max_agent_age). */
  registryMaxAgentAgeSecs?: number;
  /** At most this many unreachable agents are remembered (--registry_max_agent_count). */
  registryMaxAgentCount?: number;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
  maxUnreachableTasksPerFramework: number;
  offerTimeoutSecs?: number | undefined;
  minAllocatable?: Resource[][] | undefined;
  weights?: Map<string, number> | undefined;
  /** Between HEARTBEAT events of scheduler and operator event streams (Mesos's DEFAULT_HEARTBEAT_INTERVAL). */
  heartbeatIntervalSecs: number;
  /** Operator event stream subscribers at once (--max_operator_event_stream_subscribers); 1000 without it. */
  maxOperatorEventStreamSubscribers?: number | undefined;
  /**
   * Bytes an event stream (a scheduler's, an agent's) may hold unsent before its peer is
   * disconnected (--max_event_stream_buffer_size); no bound without it.
   */
  maxEventStreamBufferBytes?: number | undefined;
  /** --rate_limits, checked (rateLimitsProblem). */
  rateLimits?: RateLimitsConfig | undefined;
  /** The local authorizer of --acls; without one every principal may do everything. */
  authorizer?: LocalAuthorizer | undefined;
}

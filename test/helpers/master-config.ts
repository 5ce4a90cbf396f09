// The in-process Master configuration that unit tests share (Mesos's defaults, small bounds).
import type { MasterConfig } from '../../daemons/master/master.ts';

export const TEST_MASTER_CONFIG: MasterConfig = {
  hostname: 'master.test',
  ip: '10.0.0.1',
  port: 5050,
  allocationIntervalSecs: 1,
  agentPingTimeoutSecs: 15,
  maxAgentPingTimeouts: 5,
  maxCompletedFrameworks: 50,
  maxCompletedTasksPerFramework: 1000,
  maxUnreachableTasksPerFramework: 1000,
  heartbeatIntervalSecs: 15,
};

// The v1 operator calls the master answers 501 (reservations, volumes, quota, maintenance), each
// with the payload master::call::validate asks for, for the unit and integration tests.
import type { mesos } from '../../daemons/common/mesos.ts';

const agent_id = { value: 'a' };
const disk = { name: 'disk', type: 'SCALAR' as const, scalar: { value: 1 } };

export const UNSERVED_OPERATOR_CALLS: readonly mesos.v1.master.Call[] = [
  { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id } },
  { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id } },
  { type: 'CREATE_VOLUMES', create_volumes: { agent_id } },
  { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id } },
  { type: 'GROW_VOLUME', grow_volume: { agent_id, volume: disk, addition: disk } },
  { type: 'SHRINK_VOLUME', shrink_volume: { agent_id, volume: disk, subtract: { value: 1 } } },
  { type: 'GET_QUOTA' },
  { type: 'SET_QUOTA', set_quota: { quota_request: {} } },
  { type: 'REMOVE_QUOTA', remove_quota: { role: 'r' } },
  { type: 'UPDATE_QUOTA', update_quota: {} },
  { type: 'GET_MAINTENANCE_STATUS' },
  { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: {} } },
  { type: 'START_MAINTENANCE', start_maintenance: {} },
  { type: 'STOP_MAINTENANCE', stop_maintenance: {} },
];

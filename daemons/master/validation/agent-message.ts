// What an agent's REGISTER must hold before the master admits the agent: the counterpart of
// Apache Mesos's validation::master::message::registerSlave and reregisterSlave
// (src/master/validation.cpp). The master <-> agent protocol is this project's own
// (common/agent-protocol.ts), so the check is of its shape. Pure.
import type { RegisterMessage } from '../../common/agent-protocol.ts';

/** Why `msg` is not a REGISTER the master can act on, or undefined. */
export function registerMessageError(msg: unknown): string | undefined {
  if (msg === null || typeof msg !== 'object') return 'not a JSON object';
  const { type, register: r } = msg as { type?: unknown; register?: Partial<RegisterMessage['register']> | null };
  if (type !== 'REGISTER') return `type is '${String(type)}', not 'REGISTER'`;
  if (r === null || typeof r !== 'object') return "'register' is missing";
  if (typeof r.hostname !== 'string') return "'register.hostname' is not a string";
  if (typeof r.port !== 'number') return "'register.port' is not a number";
  if (typeof r.pid !== 'string') return "'register.pid' is not a string";
  if (!Array.isArray(r.resources)) return "'register.resources' is not a list";
  if (!Array.isArray(r.tasks)) return "'register.tasks' is not a list";
  return undefined;
}

// The errors of ZooKeeper operations: ZooKeeper's codes by name with the words of its C client
// (`zerror`), which Mesos's messages quote (`Failed to create '/mesos' in ZooKeeper: no node`).

/** ZooKeeper's error codes by name, and `CLOSED` for an operation on a session closed here. */
export type ZkErrorCode =
  | 'SYSTEM_ERROR'
  | 'RUNTIME_INCONSISTENCY'
  | 'DATA_INCONSISTENCY'
  | 'CONNECTION_LOSS'
  | 'MARSHALLING_ERROR'
  | 'UNIMPLEMENTED'
  | 'OPERATION_TIMEOUT'
  | 'BAD_ARGUMENTS'
  | 'API_ERROR'
  | 'NO_NODE'
  | 'NO_AUTH'
  | 'BAD_VERSION'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  | 'NODE_EXISTS'
  | 'NOT_EMPTY'
  | 'SESSION_EXPIRED'
  | 'INVALID_CALLBACK'
  | 'INVALID_ACL'
  | 'AUTH_FAILED'
  | 'CLOSED';

/** Code → name and the words of ZooKeeper's C client (`zerror`), which Mesos's messages quote. */
export const ERRORS: Record<number, [ZkErrorCode, string]> = {
  [-1]: ['SYSTEM_ERROR', 'system error'],
  [-2]: ['RUNTIME_INCONSISTENCY', 'run time inconsistency'],
  [-3]: ['DATA_INCONSISTENCY', 'data inconsistency'],
  [-4]: ['CONNECTION_LOSS', 'connection loss'],
  [-5]: ['MARSHALLING_ERROR', 'marshalling error'],
  [-6]: ['UNIMPLEMENTED', 'unimplemented'],
  [-7]: ['OPERATION_TIMEOUT', 'operation timeout'],
  [-8]: ['BAD_ARGUMENTS', 'bad arguments'],
  [-100]: ['API_ERROR', 'api error'],
  [-101]: ['NO_NODE', 'no node'],
  [-102]: ['NO_AUTH', 'not authenticated'],
  [-103]: ['BAD_VERSION', 'bad version'],
  [-108]: ['NO_CHILDREN_FOR_EPHEMERALS', 'no children for ephemerals'],
  [-110]: ['NODE_EXISTS', 'node exists'],
  [-111]: ['NOT_EMPTY', 'not empty'],
  [-112]: ['SESSION_EXPIRED', 'session expired'],
  [-113]: ['INVALID_CALLBACK', 'invalid callback'],
  [-114]: ['INVALID_ACL', 'invalid acl'],
  [-115]: ['AUTH_FAILED', 'authentication failed'],
};

/** A ZooKeeper operation failed; `reason` is ZooKeeper's word for it (`no node`, `bad version`). */
export class ZkError extends Error {
  override name = 'ZkError';
  constructor(
    readonly code: ZkErrorCode,
    readonly reason: string,
    readonly op: string,
    readonly path?: string,
  ) {
    super(`${op}${path === undefined ? '' : ` '${path}'`}: ${reason}`);
  }

  /** ZooKeeper::retryable (Mesos): the operation may succeed if tried again on this session. */
  get retryable(): boolean {
    return this.code === 'CONNECTION_LOSS' || this.code === 'OPERATION_TIMEOUT';
  }
}

/** A multi-op transaction failed as a whole; `index` is the operation that failed. */
export class ZkMultiError extends ZkError {
  override name = 'ZkMultiError';
  constructor(
    code: ZkErrorCode,
    reason: string,
    readonly index: number,
    path: string | undefined,
  ) {
    super(code, reason, `multi (operation ${index})`, path);
  }
}

/** No ZooKeeper server gave a session before the deadline; the message says why, in one line. */
export class ZkUnreachableError extends Error {
  override name = 'ZkUnreachableError';
}

export function zkError(err: { code?: unknown }, op: string, path?: string): ZkError {
  const known = typeof err.code === 'number' ? ERRORS[err.code] : undefined;
  if (known) return new ZkError(known[0], known[1], op, path);
  return new ZkError('SYSTEM_ERROR', err instanceof Error ? err.message : String(err), op, path);
}

// Types of the part of node-zookeeper-client 1.1 (a JavaScript package without typings) that
// session.ts and connect.ts use, read from its index.js and lib/. `connectionManager` and
// Transaction's `ops` are internals they reach for reasons given there.
declare module 'node-zookeeper-client' {
  import type { Socket } from 'node:net';

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }

  export interface JuteStat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  export class Id {
    constructor(scheme: string, id: string);
    static ANYONE_ID_UNSAFE: Id;
    static AUTH_IDS: Id;
  }

  export class ACL {
    constructor(permission: number, id: Id);
    static OPEN_ACL_UNSAFE: ACL[];
  }

  export const Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };

  export interface Event {
    type: number;
    name: string;
    path: string;
  }

  export interface Exception extends Error {
    code: number;
    path?: string;
  }
  export const Exception: Record<string, number>;

  export interface TransactionResult {
    type: number;
    path?: string;
    stat?: JuteStat;
    err?: number;
  }

  export interface Transaction {
    ops: Array<{ type: number; path: string; version?: number }>;
    create(path: string, data: Buffer | undefined, acls: ACL[], mode: number): Transaction;
    check(path: string, version: number): Transaction;
    setData(path: string, data: Buffer, version: number): Transaction;
    remove(path: string, version: number): Transaction;
    commit(callback: (error: Exception | null, results?: TransactionResult[]) => void): void;
  }

  export interface ConnectionManager {
    socket?: Socket;
    pendingBuffer: Buffer | null;
    connect(): void;
    onSocketConnected(): void;
    onSocketData(buffer: Buffer): void;
    onSocketClosed(): void;
    /** STATES of lib/ConnectionManager.js: 0 disconnected, 1 connecting, 2 connected, -2 closed. */
    state: number;
    on(event: 'state', listener: (state: number) => void): this;
    removeListener(event: 'state', listener: (state: number) => void): this;
  }

  type Watcher = (event: Event) => void;

  export interface Client {
    connectionManager: ConnectionManager;
    connect(): void;
    close(): void;
    on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): this;
    once(event: 'connected', listener: () => void): this;
    removeAllListeners(): this;
    getSessionId(): Buffer;
    getSessionTimeout(): number;
    addAuthInfo(scheme: string, auth: Buffer): void;
    create(
      path: string,
      data: Buffer | undefined,
      acls: ACL[],
      mode: number,
      callback: (error: Exception | null, path: string) => void,
    ): void;
    remove(path: string, version: number, callback: (error: Exception | null) => void): void;
    setData(path: string, data: Buffer, version: number, callback: (error: Exception | null, stat: JuteStat) => void): void;
    getData(
      path: string,
      watcher: Watcher | undefined,
      callback: (error: Exception | null, data: Buffer | undefined, stat: JuteStat) => void,
    ): void;
    exists(path: string, watcher: Watcher | undefined, callback: (error: Exception | null, stat: JuteStat | null) => void): void;
    getChildren(
      path: string,
      watcher: Watcher | undefined,
      callback: (error: Exception | null, children: string[], stat: JuteStat) => void,
    ): void;
    transaction(): Transaction;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  const zookeeper: {
    createClient: typeof createClient;
    ACL: typeof ACL;
    Id: typeof Id;
    Permission: typeof Permission;
    CreateMode: typeof CreateMode;
    Exception: typeof Exception;
  };
  export default zookeeper;
}

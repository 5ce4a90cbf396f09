// What every book of the master (frameworks.ts, agents.ts) sees of it: its identity, its
// configuration and log, the state, the allocator, the registry and the offers. Each book's host
// interface adds the few operations it needs on top.
import type { Logger } from 'pino';
import type { TaskStatus } from '../common/mesos.ts';
import type { DrfAllocator } from './allocator/index.ts';
import type { MasterConfig } from './config.ts';
import type { OfferBook } from './offers.ts';
import type { OperatorEvents } from './operator-events.ts';
import type { TaskRecord } from './records.ts';
import type { Registry } from './registry.ts';
import type { MasterState } from './state.ts';

export interface MasterParts {
  readonly id: string;
  readonly config: MasterConfig;
  readonly log: Logger;
  readonly state: MasterState;
  readonly allocator: DrfAllocator;
  readonly registry: Registry;
  readonly offerBook: OfferBook;
  /** Told of the changes the operator event stream reports. */
  readonly operatorEvents: Pick<
    OperatorEvents,
    'taskAdded' | 'taskUpdated' | 'agentAdded' | 'agentRemoved' | 'frameworkAdded' | 'frameworkUpdated' | 'frameworkRemoved'
  >;
  /** Applies a status to a task (its state through MasterState.enterState, its history). */
  recordStatus(task: TaskRecord, status: TaskStatus): void;
}

// The operator event stream's events in the shapes GET_STATE answers with (operator-state.ts):
// what operator-events.ts needs of them, for this master.
import type { EventFormat } from './operator-events.ts';
import { type V1Viewer, getState, v1Agent, v1Framework, v1Task, v1ViewerFor } from './operator-state.ts';
import type { Master } from './master.ts';

export type OperatorViewer = V1Viewer;

export function operatorEventFormat(master: Master): EventFormat<OperatorViewer> {
  return {
    viewer: (principal) => v1ViewerFor(master.config.authorizer, principal),
    state: (viewer) => getState(master, viewer),
    task: (task, framework) => v1Task(task, framework),
    agent: (agent) => v1Agent(master, agent),
    framework: (fw) => v1Framework(master, fw),
  };
}

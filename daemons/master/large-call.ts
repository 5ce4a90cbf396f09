// A large JSON scheduler Call decoded in slices. A RECONCILE of 400,000 tasks is a 14 MB body;
// JSON.parse and the conversion to a Call would hold the event loop for over half a second in one
// go. Its structure is scanned a slice at a time (json-scan.ts), the call without its task list
// is parsed on its own, and the tasks a few thousand at a time, each slice a few milliseconds.
// The result, and every error text, is what parseCall (scheduler-api.ts) gives for the same body.
// Other large calls have no list worth slicing: they are parsed in one go once scanned.
import { type ArraySpan, JsonScanner, elementCount, elementsText, withoutElements } from '../common/json-scan.ts';
import type { mesos, SchedulerCall } from '../common/mesos.ts';
import { fromJson } from '../common/proto/codec.ts';
import { runInSlices } from '../common/slices.ts';
import { MAX_JSON_DEPTH, jsonTooDeepMessage } from './limits.ts';

/** JSON bodies from this size on are decoded in slices. */
export const SLICED_BODY_BYTES = 256 * 1024;

/**
 * Bodies from this size on (up to SLICED_BODY_BYTES) are decoded in one step of the sliced work
 * (a few milliseconds): twenty of them arriving together are then decoded over several turns,
 * not in one.
 */
export const DEFERRED_BODY_BYTES = 64 * 1024;

const SCAN_STEP_BYTES = 64 * 1024;
const TASKS_PER_STEP = 1000;
const CALL_TYPE = 'mesos.v1.scheduler.Call';
const TASK_TYPE = 'mesos.v1.scheduler.Call.Reconcile.Task';

type ReconcileTask = mesos.v1.scheduler.Call.Reconcile.Task;

/** A body that is not a valid Call: `message` is the answer's text (400). */
export class CallParseError extends Error {}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CallParseError(`Failed to parse body into JSON: ${(err as Error).message}`);
  }
}

function toCall(json: unknown): SchedulerCall {
  const call = fromJson(CALL_TYPE, json);
  if (!call.ok) throw new CallParseError(call.error);
  return call.value;
}

/** Decodes a JSON Call over as many turns of the event loop as it takes; rejects with CallParseError. */
export async function parseLargeCall(body: Buffer): Promise<SchedulerCall> {
  const scanner = new JsonScanner(body, ['reconcile', 'tasks'], MAX_JSON_DEPTH);
  await runInSlices(() => scanner.step(SCAN_STEP_BYTES));
  if (scanner.tooDeep) throw new CallParseError(`Failed to parse body into JSON: ${jsonTooDeepMessage()}`);
  const span = scanner.found;
  if (!span || scanner.ambiguous) return toCall(parseJson(body.toString('utf8')));
  const shell = parseJson(withoutElements(body, span));
  const call = toCall(shell);
  const tasks = await parseTasks(body, span, shell);
  if (call.reconcile) call.reconcile.tasks = tasks;
  return call;
}

/** The tasks of the found array, a slice at a time. */
async function parseTasks(body: Buffer, span: ArraySpan, shell: unknown): Promise<ReconcileTask[]> {
  const count = elementCount(body, span);
  const tasks: ReconcileTask[] = [];
  let next = 0;
  await runInSlices(() => {
    if (next >= count) return true;
    const to = Math.min(count, next + TASKS_PER_STEP);
    const elements = parseJson(elementsText(body, span, next, to)) as unknown[];
    // An empty element (`[1,,2]`, `[1,]`) leaves the piece one short.
    if (elements.length !== to - next) throw new CallParseError("Failed to parse body into JSON: an element of 'reconcile.tasks' is empty");
    for (let i = 0; i < elements.length; i++) {
      const task = fromJson(TASK_TYPE, elements[i]);
      if (!task.ok) throw new CallParseError(taskError(shell, elements[i], next + i));
      tasks.push(task.value);
    }
    next = to;
    return next >= count;
  });
  return tasks;
}

/**
 * The error of a Call whose task at `index` is wrong, worded as a conversion of the whole Call
 * words it: that Call with only this task, its position put back in the field's path.
 */
function taskError(shell: unknown, task: unknown, index: number): string {
  const reconcile = (shell as { reconcile?: object }).reconcile;
  const alone = fromJson(CALL_TYPE, { ...(shell as object), reconcile: { ...reconcile, tasks: [task] } });
  if (alone.ok) return `Failed to convert JSON into Call protobuf: 'reconcile.tasks[${index}]' is invalid`;
  return alone.error.replaceAll('reconcile.tasks[0]', `reconcile.tasks[${index}]`);
}

// The single `mesos` executable (see cli/dispatch.ts for how it picks a program).
import path from 'node:path';
import { dispatch, invokedCommand } from './cli/dispatch.ts';

async function main(): Promise<number> {
  // Under node the script is argv[1]; in the single executable argv0 keeps the link name.
  const script = process.argv[1];
  const invoked = invokedCommand(process.argv0, script);
  const name = path.basename(invoked ? (invokedCommand(process.argv0, undefined) ? process.argv0 : (script ?? 'mesos')) : 'mesos');
  return dispatch(invoked, name, process.argv.slice(2));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mesos: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);

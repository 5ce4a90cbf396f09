// Reads /proc for the resource monitor: every process's stat line (a container's processes are
// found from its first process down, so all of them are needed), asynchronously and a few files
// at a time, so that a busy host costs the agent many small thread-pool reads, never a blocked
// event loop; and the page size and clock tick, once.
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { eachLimited } from '../../common/each-limited.ts';
import { type ProcStat, parseAuxv, parseProcStat } from './proc-stat.ts';

/** Reads in flight at once: libuv has 4 threads, and the agent's own files share them. */
const READS_IN_FLIGHT = 4;
/** A stat line is ~300 bytes; 52 fields of at most 20 digits and a 64-byte name fit with room. */
const STAT_BYTES = 4096;

/** The stat lines of every process under `procRoot` (processes that end meanwhile are left out). */
export async function scanProcesses(procRoot = '/proc'): Promise<ProcStat[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  const found: ProcStat[] = [];
  const buffers = Array.from({ length: READS_IN_FLIGHT }, () => Buffer.allocUnsafe(STAT_BYTES));
  await eachLimited(pids, READS_IN_FLIGHT, async (pid, worker) => {
    const text = await readStat(path.join(procRoot, pid, 'stat'), buffers[worker]!);
    const stat = text === undefined ? undefined : parseProcStat(text);
    if (stat) found.push(stat);
  });
  return found;
}

/** One read: the kernel makes the whole stat line at once. Undefined when the process is gone. */
async function readStat(file: string, buf: Buffer): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.toString('latin1', 0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export interface SystemConstants {
  pageSize: number;
  ticksPerSecond: number;
}

let constants: Promise<SystemConstants> | undefined;

/** The page size and clock tick of this machine, from /proc/self/auxv (read once). */
export function systemConstants(): Promise<SystemConstants> {
  constants ??= readFile('/proc/self/auxv').then(
    (buf) => parseAuxv(buf),
    () => parseAuxv(Buffer.alloc(0)),
  );
  return constants;
}

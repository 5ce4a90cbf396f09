// What the v1 operator API answers alike on master and agent: GET_FLAGS and GET_METRICS payloads,
// LIST_FILES and READ_FILE over the same attached paths, confinement and limits as /files/browse
// and /files/read (files.ts: FilesProcess::browse and FilesProcess::read as Mesos's
// Http::listFiles and Http::readFile call them), and the 501 of the calls a daemon does not have.
// Each payload comes back as the Response's, or as the status and text Mesos answers with.
import { MAX_READ_LENGTH } from './files-read.ts';
import { type AttachedPaths, type FilesOutcome, browseFiles, readFilePart } from './files.ts';
import type { LogVerbosity } from './log-verbosity.ts';
import type { mesos } from './mesos.ts';
import { type OperatorAnswer, status } from './operator-api.ts';
import type { MetricsJson } from './state-types.ts';

/** What the calls both daemons answer alike reach, besides the daemon itself. */
export interface OperatorBasics {
  /** What LIST_FILES and READ_FILE reach: what the daemon's /files serves. */
  files: AttachedPaths;
  /** GET_LOGGING_LEVEL and SET_LOGGING_LEVEL's level, with its revert timer. */
  logVerbosity: LogVerbosity;
}

/** GET_FLAGS' payload, the same on master and agent: every flag by name, sorted. */
export function flagsPayload(flags: Readonly<Record<string, string>>): { flags: mesos.v1.Flag[] } {
  return {
    flags: Object.keys(flags)
      .sort()
      .map((name) => ({ name, value: flags[name] })),
  };
}

/** GET_METRICS' payload from a /metrics/snapshot body; every metric is read at once, so a timeout changes nothing. */
export function metricsPayload(snapshot: MetricsJson): { metrics: mesos.v1.Metric[] } {
  return { metrics: Object.entries(snapshot).map(([name, value]) => ({ name, value })) };
}

/**
 * Handlers for the calls a daemon does not have, by why: each answers 501 with one line naming
 * the call, and why this daemon cannot serve it.
 */
export function notImplementedCalls<R>(
  daemon: 'master' | 'agent',
): (why: string) => (_ctx: unknown, call: { type?: string | undefined }) => OperatorAnswer<R> {
  return (why) => (_ctx, call) => status(501, `${call.type} is not implemented by this ${daemon}: ${why}`);
}

type ListFiles = mesos.v1.master.Response.ListFiles;
type ReadFile = mesos.v1.master.Response.ReadFile;

/** The entries of an attached directory as FileInfos (mtime as a TimeInfo, mode as st_mode). */
export async function listFilesPayload(paths: AttachedPaths, path: string): Promise<FilesOutcome<ListFiles>> {
  const listed = await browseFiles(paths, path);
  if (!listed.ok) return listed;
  const file_infos = listed.value.map(
    (e): mesos.v1.FileInfo => ({
      path: e.path,
      nlink: e.nlink,
      size: e.size,
      mtime: { nanoseconds: Math.round(e.mtimeMs * 1e6) },
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
    }),
  );
  return { ok: true, value: file_infos.length > 0 ? { file_infos } : {} };
}

/**
 * FilesProcess::_read: `length` bytes (at most MAX_READ_LENGTH, as /files/read) from `offset`,
 * none past the end; the file's size with them. The bytes are base64, as the codec has bytes.
 */
export async function readFilePayload(
  paths: AttachedPaths,
  path: string,
  offset: number,
  length: number | undefined,
): Promise<FilesOutcome<ReadFile>> {
  const part = await readFilePart(paths, path, (size) =>
    offset >= size ? { start: offset, count: 0 } : { start: offset, count: Math.min(length ?? size - offset, MAX_READ_LENGTH) },
  );
  if (!part.ok) return part;
  return { ok: true, value: { size: part.value.size, data: part.value.data.toString('base64') } };
}

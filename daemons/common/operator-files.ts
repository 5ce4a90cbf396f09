// LIST_FILES and READ_FILE of the v1 operator API (master and agent), over the same attached
// paths, confinement and limits as /files/browse and /files/read (files.ts): FilesProcess::browse
// and FilesProcess::read as Mesos's Http::listFiles and Http::readFile call them. What comes back
// is the Response payload, or the status and text Mesos answers with.
import { MAX_READ_LENGTH } from './files-read.ts';
import { type AttachedPaths, type FilesOutcome, browseFiles, readFilePart } from './files.ts';
import type { mesos } from './mesos.ts';

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

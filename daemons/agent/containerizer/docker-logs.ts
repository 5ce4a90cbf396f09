// A Docker container's output, copied from the daemon's log into the task sandbox's `stdout` and
// `stderr`, exactly once even across agent restarts (kill -9 included).
//
//   dockerd log --(logs?follow&timestamps&since=S)--> frames --> sandbox/stdout, sandbox/stderr
//                                                         '--> position file (after each batch)
//
// The position says where to resume: `since` (whole seconds) and how many entries at or after it
// were already copied (`skip`), plus the sizes the two files had then. Docker returns the entries
// at or after `since` in log order, so the copied ones are exactly the first `skip` of them. A
// restart cuts the files back to the recorded sizes (dropping a batch copied after the last
// position was saved) and copies again from there. `since` trails the newest entry by a margin
// because stdout and stderr entries reach the log slightly out of timestamp order.
import { open, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { readJson } from '../../common/checkpoint.ts';

export interface LogFrame {
  stream: 'stdout' | 'stderr';
  /** Seconds since the epoch of the entry's timestamp. */
  second: number;
  data: Buffer;
}

/** Splits the daemon's multiplexed log stream (8-byte headers, `timestamps=true`) into entries. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LogFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: LogFrame[] = [];
    let at = 0;
    while (this.pending.length - at >= 8) {
      const size = this.pending.readUInt32BE(at + 4);
      if (this.pending.length - at - 8 < size) break;
      const type = this.pending[at]!;
      const payload = this.pending.subarray(at + 8, at + 8 + size);
      at += 8 + size;
      if (type !== 1 && type !== 2) continue; // stdin (0) or system (3) frames carry no task output
      const space = payload.indexOf(0x20);
      const stamp = space > 0 ? Date.parse(payload.subarray(0, space).toString('latin1')) : Number.NaN;
      frames.push({
        stream: type === 1 ? 'stdout' : 'stderr',
        second: Number.isNaN(stamp) ? 0 : Math.floor(stamp / 1000),
        data: Number.isNaN(stamp) ? payload : payload.subarray(space + 1),
      });
    }
    this.pending = this.pending.subarray(at);
    return frames;
  }
}

export interface LogPosition {
  since: number;
  skip: number;
  stdout: number;
  stderr: number;
}

/** How far behind the newest entry `since` stays (out-of-order entries within it are safe). */
export const REORDER_MARGIN_SECS = 5;

/** Counts copied entries per second at or after `since`, to say where to resume. */
export class PositionTracker {
  private readonly perSecond = new Map<number, number>();

  constructor(public since = 0) {}

  add(second: number): void {
    if (second < this.since) return; // Docker will not return it again
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }

  /** Entries copied at or after `since`. */
  count(): number {
    let n = 0;
    for (const c of this.perSecond.values()) n += c;
    return n;
  }

  /** Moves `since` up behind the newest entry and forgets what is before it. */
  advance(): void {
    let newest = 0;
    for (const s of this.perSecond.keys()) newest = Math.max(newest, s);
    const since = Math.max(this.since, newest - REORDER_MARGIN_SECS);
    if (since === this.since) return;
    this.since = since;
    for (const s of [...this.perSecond.keys()]) if (s < since) this.perSecond.delete(s);
  }
}

export type OpenLogs = (opts: { follow: boolean; since: number }) => Promise<Readable | Buffer>;

export class LogCopier {
  private tracker = new PositionTracker();
  private sizes = { stdout: 0, stderr: 0 };
  /** After a restart the per-second counts are unknown: rebuild them from the entries skipped. */
  private rebuild = false;
  private resumeSkip = 0;
  private files?: { stdout: FileHandle; stderr: FileHandle };
  private stream?: Readable;
  private closed = false;
  /** When the log last delivered something (Date.now()), to tell a slow stream from a stuck one. */
  lastProgress = Date.now();

  constructor(
    private readonly openLogs: OpenLogs,
    private readonly sandbox: string,
    private readonly positionFile: string,
  ) {}

  /** A new container: copying starts at the first entry, after what the files already hold. */
  async start(): Promise<void> {
    this.sizes = { stdout: await fileSize(this.file('stdout')), stderr: await fileSize(this.file('stderr')) };
    await this.save();
  }

  /** A container found after a restart: resume where the last saved position says. */
  async resume(): Promise<void> {
    const read = await readJson<LogPosition>(this.positionFile);
    // Without a position everything is copied again, over whatever a previous run left.
    const pos: LogPosition = read.ok ? read.value : { since: 0, skip: 0, stdout: 0, stderr: 0 };
    for (const s of ['stdout', 'stderr'] as const) {
      const size = await fileSize(this.file(s));
      if (size > pos[s]) await truncate(this.file(s), pos[s]);
      this.sizes[s] = Math.min(size, pos[s]);
    }
    this.tracker = new PositionTracker(pos.since);
    this.resumeSkip = pos.skip;
    this.rebuild = true;
  }

  private file(s: 'stdout' | 'stderr'): string {
    return path.join(this.sandbox, s);
  }

  /** Copies until the log ends (follow: the container stopped) or the stream breaks (throws). */
  async copy(follow: boolean): Promise<void> {
    if (this.closed) return;
    const rebuilding = this.rebuild;
    // Nothing new is written before the skipped entries are behind: a retry starts the count over.
    if (rebuilding) this.tracker = new PositionTracker(this.tracker.since);
    const since = this.tracker.since;
    let skip = rebuilding ? this.resumeSkip : this.tracker.count();
    const source = await this.openLogs({ follow, since });
    const parser = new FrameParser();
    const take = async (chunk: Buffer) => {
      this.lastProgress = Date.now();
      const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
      for (const f of parser.push(chunk)) {
        if (skip > 0) {
          skip--;
          if (rebuilding) this.tracker.add(f.second);
          continue;
        }
        out[f.stream].push(f.data);
        this.tracker.add(f.second);
      }
      if (rebuilding && skip === 0) this.rebuild = false;
      await this.append(out);
    };
    if (Buffer.isBuffer(source)) {
      await take(source);
      return;
    }
    this.stream = source;
    try {
      for await (const chunk of source) await take(chunk as Buffer);
    } finally {
      this.stream = undefined;
    }
  }

  private async append(out: Record<'stdout' | 'stderr', Buffer[]>): Promise<void> {
    if (out.stdout.length === 0 && out.stderr.length === 0) return;
    this.files ??= { stdout: await open(this.file('stdout'), 'a'), stderr: await open(this.file('stderr'), 'a') };
    for (const s of ['stdout', 'stderr'] as const) {
      if (out[s].length === 0) continue;
      const data = Buffer.concat(out[s]);
      await this.files[s].write(data);
      this.sizes[s] += data.length;
    }
    this.tracker.advance();
    await this.save();
  }

  // Replaced atomically but not fsynced: what must survive is a crash of the agent, and the page
  // cache survives that; a host crash takes the container with it.
  private async save(): Promise<void> {
    const pos: LogPosition = { since: this.tracker.since, skip: this.tracker.count(), ...this.sizes };
    const tmp = `${this.positionFile}.tmp`;
    await writeFile(tmp, JSON.stringify(pos));
    await rename(tmp, this.positionFile);
  }

  /** Stops an ongoing copy (agent shutting down, or a follow that did not end by itself). */
  interrupt(): void {
    this.stream?.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.interrupt();
    const files = this.files;
    this.files = undefined;
    await files?.stdout.close().catch(() => undefined);
    await files?.stderr.close().catch(() => undefined);
  }
}

async function fileSize(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    await writeFile(p, '', { flag: 'a' });
    return 0;
  }
}

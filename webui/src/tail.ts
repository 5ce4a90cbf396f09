// Bookkeeping of the file tailer (stdout/stderr viewer): where to start, how much to keep. Pure.

/** How much of an existing file the viewer shows when opened: its last 64 KiB. */
export const TAIL_WINDOW = 64 * 1024;
/** Bytes asked per /files/read call. */
export const READ_CHUNK = 64 * 1024;
/** Characters kept on screen; older output is dropped (the download link has it all). */
export const KEEP_CHARS = 1024 * 1024;

export function tailStart(size: number, window = TAIL_WINDOW): number {
  return Math.max(0, size - window);
}

const encoder = new TextEncoder();

/** Bytes of UTF-8 text: /files/read offsets count bytes, `data` is text. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

export interface Shown {
  text: string;
  /** Whether output before `text` exists that is not on screen. */
  clipped: boolean;
}

/** Appends a chunk, dropping whole lines from the head beyond `keep` characters. */
export function appendCapped(shown: Shown, chunk: string, keep = KEEP_CHARS): Shown {
  let text = shown.text + chunk;
  if (text.length <= keep) return { text, clipped: shown.clipped };
  const cut = text.length - keep;
  const nl = text.indexOf('\n', cut);
  text = nl >= 0 && nl - cut < 4096 ? text.slice(nl + 1) : text.slice(cut);
  return { text, clipped: true };
}

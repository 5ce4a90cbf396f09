// The rules of /files/read, as Apache Mesos 1.11's files.cpp (FilesProcess::__read and _read)
// has them, apart from the I/O: which offset and length a query asks for, what part of a file
// that is, and how the bytes go into the JSON answer. Pure, so each rule is tested on its own.
import { numifyError, numifyInt } from './numify.ts';
import { type Result, failed, ok } from './result.ts';

/**
 * The most one call returns: 16 pages. Mesos multiplies its host's page size; 4 KiB pages (x86-64,
 * and the usual aarch64 kernels) make this 64 KiB, which is what clients page through.
 */
export const MAX_READ_LENGTH = 16 * 4096;

export interface ReadRequest {
  /** Where to read from; -1 asks only for the file's size. */
  offset: number;
  /** How much; undefined reads to the end of the file (capped at MAX_READ_LENGTH). */
  length: number | undefined;
}

/**
 * The offset and length a query asks for, or the text of Mesos's 400 answer: both are optional
 * 64-bit integers; an absent offset is -1 (the size only), an absent length or -1 means to the
 * end, anything below -1 is refused.
 */
export function parseReadRequest(query: ReadonlyMap<string, string>): Result<ReadRequest> {
  let offset = -1;
  const offsetText = query.get('offset');
  if (offsetText !== undefined) {
    const value = numifyInt(offsetText, 64);
    if (value === undefined) return failed(`Failed to parse offset: ${numifyError(offsetText)}.\n`);
    if (value < -1n) return failed(`Negative offset provided: ${value}.\n`);
    offset = Number(value);
  }
  let length: number | undefined;
  const lengthText = query.get('length');
  if (lengthText !== undefined) {
    const value = numifyInt(lengthText, 64);
    if (value === undefined) return failed(`Failed to parse length: ${numifyError(lengthText)}.\n`);
    if (value < -1n) return failed(`Negative length provided: ${value}.\n`);
    if (value > -1n) length = Number(value);
  }
  return ok({ offset, length });
}

/**
 * What to read of a file of `size` bytes, and the offset the answer reports: the size when only
 * the size was asked (offset -1), else the offset asked, even past the end of the file.
 */
export function readWindow(size: number, req: ReadRequest): { start: number; count: number; reportedOffset: number } {
  const sizeOnly = req.offset === -1;
  const start = sizeOnly ? 0 : req.offset;
  const reportedOffset = sizeOnly ? size : req.offset;
  const wanted = sizeOnly ? 0 : (req.length ?? size - start);
  if (start >= size || wanted === 0) return { start, count: 0, reportedOffset };
  return { start, count: Math.min(wanted, MAX_READ_LENGTH), reportedOffset };
}

/** Bytes with a short escape: ", \, backspace, form feed, newline, carriage return, tab. */
const SHORT_ESCAPES = new Map<number, string>([
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
]);

/**
 * Each byte's escape, empty for the bytes that go as they are: a table, for a read of 64 KiB of
 * escapes (a file of zero bytes) must not hold the event loop.
 */
const ESCAPE_OF: readonly Buffer[] = Array.from({ length: 256 }, (_, b) => {
  if (b >= 0x20 && b !== 0x22 && b !== 0x5c) return Buffer.alloc(0);
  return Buffer.from(SHORT_ESCAPES.get(b) ?? `\\u00${b.toString(16).toUpperCase().padStart(2, '0')}`, 'latin1');
});

/**
 * A JSON string literal of raw file bytes, as Mesos writes `data`: quotes, backslashes and
 * control characters escaped, every other byte as it is. A read that ends inside a UTF-8
 * character therefore carries its first bytes, and the next read the rest, so a client that
 * joins the bytes of its reads gets the file back; decoding each answer on its own as text would
 * have turned the split character into replacement characters.
 */
export function jsonStringOfBytes(data: Uint8Array): Buffer {
  let extra = 0;
  for (let i = 0; i < data.length; i++) extra += ESCAPE_OF[data[i]!]!.length;
  const out = Buffer.allocUnsafe(data.length + 2 + extra);
  let n = 0;
  out[n++] = 0x22;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    const esc = ESCAPE_OF[b]!;
    if (esc.length === 0) {
      out[n++] = b;
      continue;
    }
    for (let j = 0; j < esc.length; j++) out[n++] = esc[j]!;
  }
  out[n++] = 0x22;
  return out.subarray(0, n);
}

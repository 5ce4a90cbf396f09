// JSON assembled from pieces serialized earlier: most of a large /master/state is task objects
// that have not changed since the last call, and building and stringifying them again would be
// most of its cost. A RawJson value holds JSON text made earlier, as strings (or UTF-8 buffers);
// jsonPieces() serializes the rest with JSON.stringify and splices the raw pieces in, so a
// document of tens of megabytes is never one JavaScript string (encoding a string that size into
// a Buffer is itself a long pause). The pieces are UTF-8 encoded only as the body is sent
// (bodyChunks): a buffer per task, made when the task is serialized, would make a cold call
// allocate and fill one per task. BENCHMARKS.md has the current /master/state figures.
import { randomBytes } from 'node:crypto';

/** A piece of JSON text: a string, or its UTF-8 bytes. */
export type JsonPiece = string | Buffer;

/**
 * The JSON text of a T. T is for the type checker only (any string passes for one): made by
 * jsonTextOf, it lets RawJson.array and RawJson.merge say what their result is the JSON of.
 */
export type JsonText<T> = string & { readonly jsonOf?: T };

/** JSON.stringify(value), typed as the JSON of its type. */
export function jsonTextOf<T>(value: T): JsonText<T> {
  return JSON.stringify(value);
}

/**
 * A T as it is built to be serialized by jsonPieces(): the same shape, except that any part may
 * be a RawJson of that part. The endpoints return a Built<T> of the T their clients read.
 */
export type Built<T> =
  | RawJson<T>
  | (T extends readonly (infer E)[] ? readonly Built<E>[] : T extends object ? { [K in keyof T]: Built<T[K]> } : T);

/** The document being serialized: where RawJson.toJSON leaves its pieces. */
let collecting: { marker: string; raws: RawJson[] } | undefined;

export class RawJson<T = unknown> {
  /** What the text is the JSON of, for the type checker only (never set). */
  declare readonly jsonOf?: T;

  /** `parts` concatenated are one JSON value. */
  constructor(readonly parts: readonly JsonPiece[]) {}

  static text<T = unknown>(json: JsonText<T>): RawJson<T> {
    return new RawJson([json]);
  }

  /** A JSON array of values serialized beforehand. */
  static array<T = unknown>(elements: readonly (JsonText<T> | Buffer)[]): RawJson<T[]> {
    if (elements.length === 0) return new RawJson(['[]']);
    const parts: JsonPiece[] = new Array<JsonPiece>(elements.length * 2 + 1);
    parts[0] = '[';
    for (let i = 0; i < elements.length; i++) {
      parts[i * 2 + 1] = elements[i]!;
      parts[i * 2 + 2] = i === elements.length - 1 ? ']' : ',';
    }
    return new RawJson(parts);
  }

  /** One JSON object with the fields of two serialized beforehand, those of `a` first. */
  static merge<A extends object, B extends object>(a: JsonText<A>, b: JsonText<B>): RawJson<A & B> {
    if (b === '{}') return new RawJson([a]);
    if (a === '{}') return new RawJson([b]);
    return new RawJson([a.slice(0, -1), ',', b.slice(1)]);
  }

  /** Called by JSON.stringify: a placeholder string that jsonPieces() replaces with the parts. */
  toJSON(): unknown {
    if (collecting === undefined) return JSON.parse(piecesBuffer(this.parts).toString('utf8'));
    collecting.raws.push(this);
    return `${collecting.marker}${collecting.raws.length - 1}`;
  }
}

/**
 * JSON.stringify(value) in pieces, with every RawJson value's parts in its place. Their
 * concatenation (see writePieces) is the document.
 */
export function jsonPieces(value: unknown): JsonPiece[] {
  // The marker starts with a control character, which JSON.stringify always escapes, and a
  // per-call nonce, so no string of the document can pass for one.
  const marker = `\u0001${randomBytes(8).toString('hex')}:`;
  const outer = collecting;
  collecting = { marker, raws: [] };
  let text: string | undefined;
  let raws: RawJson[];
  try {
    text = JSON.stringify(value);
    raws = collecting.raws;
  } finally {
    collecting = outer;
  }
  if (text === undefined) return [];
  if (raws.length === 0) return [text];
  const escaped = JSON.stringify(marker).slice(1, -1);
  const placeholder = new RegExp(`"${escaped.replace(/\\/g, '\\\\')}(\\d+)"`, 'g');
  const out: JsonPiece[] = [];
  let from = 0;
  for (let m = placeholder.exec(text); m !== null; m = placeholder.exec(text)) {
    out.push(text.slice(from, m.index));
    for (const part of raws[Number(m[1])]!.parts) out.push(part);
    from = m.index + m[0].length;
  }
  out.push(text.slice(from));
  return out;
}

/** The size of the pieces in UTF-8. */
export function piecesByteLength(pieces: readonly JsonPiece[]): number {
  let n = 0;
  for (const p of pieces) n += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  return n;
}

/** Writes the pieces one after the other into `target` (large enough); returns the bytes written. */
export function writePieces(pieces: readonly JsonPiece[], target: Buffer): number {
  let pos = 0;
  for (const p of pieces) pos += typeof p === 'string' ? target.write(p, pos, 'utf8') : p.copy(target, pos);
  return pos;
}

/** The pieces as one buffer. */
export function piecesBuffer(pieces: readonly JsonPiece[]): Buffer {
  if (pieces.length === 1 && typeof pieces[0] !== 'string') return pieces[0]!;
  const out = Buffer.allocUnsafe(piecesByteLength(pieces));
  writePieces(pieces, out);
  return out;
}

/** JSON.stringify, with every RawJson value replaced by its text. */
export function jsonText(value: unknown): string {
  return piecesBuffer(jsonPieces(value)).toString('utf8');
}

const utf8 = new TextEncoder();

/**
 * The pieces as UTF-8 chunks of at most `chunkBytes`, each a buffer of its own that the consumer
 * keeps. Generated lazily, so a large document is sent without ever being one buffer: touching
 * the fresh memory of a body of tens of megabytes is slow in itself (every new page faults in).
 * A string piece is split between chunks on character boundaries.
 * `newChunk` gives a buffer of `chunkBytes` to fill, e.g. one the consumer is done with.
 */
export function* bodyChunks(
  pieces: readonly JsonPiece[],
  chunkBytes = 256 * 1024,
  newChunk: () => Buffer = () => Buffer.allocUnsafe(chunkBytes),
): Generator<Buffer> {
  // Four bytes hold any one character, so a string always makes progress in a chunk that size.
  if (chunkBytes < 4) throw new RangeError(`chunkBytes must be at least 4, not ${chunkBytes}`);
  let chunk = newChunk();
  let pos = 0;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      // A short string that surely fits (3 bytes per UTF-16 unit at most) is written directly:
      // /master/state has one per task.
      if (piece.length * 3 <= chunkBytes - pos) {
        pos += chunk.write(piece, pos);
        continue;
      }
      let rest = piece;
      while (rest.length > 0) {
        if (chunkBytes - pos < 4) {
          yield chunk.subarray(0, pos);
          chunk = newChunk();
          pos = 0;
        }
        const { read, written } = utf8.encodeInto(rest, chunk.subarray(pos));
        pos += written;
        rest = read === rest.length ? '' : rest.slice(read);
      }
    } else {
      let from = 0;
      while (from < piece.length) {
        if (pos === chunkBytes) {
          yield chunk;
          chunk = newChunk();
          pos = 0;
        }
        const n = piece.copy(chunk, pos, from);
        pos += n;
        from += n;
      }
    }
  }
  if (pos > 0) yield chunk.subarray(0, pos);
}

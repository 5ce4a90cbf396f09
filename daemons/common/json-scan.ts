// A resumable scan of a JSON text's structure, without parsing it: how deep it nests, and where
// the elements of one array (found by its path of object keys) begin and end. A large body can
// then be parsed in pieces, a few elements at a time, instead of in one JSON.parse that holds
// the event loop for hundreds of milliseconds. The scan itself runs in steps of a given number
// of bytes. It does not check the syntax: JSON.parse of the pieces does.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The array the scan looked for: its brackets' offsets and the commas between its elements. */
export interface ArraySpan {
  /** Offset of '['. */
  open: number;
  /** Offset of the matching ']'. */
  close: number;
  /** Offsets of the commas between its elements. */
  commas: number[];
}

export class JsonScanner {
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Per depth (1 = the top-level value): whether that container is an object. */
  private readonly isObject: boolean[] = [false];
  /** Per depth: whether the next string in that object is a key. */
  private readonly expectKey: boolean[] = [false];
  /** Per depth up to the path's length: the last key read in that object. */
  private readonly keys: Array<string | undefined> = [];
  /** Per depth: whether the container is on the path (depth 1, the top-level object, always is). */
  private readonly onPath: boolean[] = [true];
  private keyStart = -1;
  private current?: ArraySpan | undefined;
  /** The array at the path; undefined when there is none. */
  found?: ArraySpan;
  /** More than one array at the path (a repeated key): the pieces would not be what JSON.parse keeps. */
  ambiguous = false;
  /** The nesting went past maxDepth. */
  tooDeep = false;

  constructor(
    private readonly text: Uint8Array,
    private readonly path: readonly string[],
    private readonly maxDepth: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length || this.tooDeep;
  }

  /** Scans up to `bytes` more bytes; returns whether the scan is done. */
  step(bytes: number): boolean {
    const text = this.text;
    const end = Math.min(text.length, this.pos + bytes);
    const target = this.path.length + 1;
    let i = this.pos;
    for (; i < end; i++) {
      const c = text[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyStart >= 0) this.readKey(this.keyStart, i);
        }
        continue;
      }
      const d = this.depth;
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.keyStart = this.isObject[d] && this.expectKey[d] && d <= this.path.length ? i + 1 : -1;
          break;
        case COLON:
          this.expectKey[d] = false;
          break;
        case COMMA:
          if (this.isObject[d]) this.expectKey[d] = true;
          else if (d === target && this.current) this.current.commas.push(i);
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY: {
          const next = d + 1;
          if (next > this.maxDepth) {
            this.tooDeep = true;
            this.pos = i;
            return true;
          }
          this.depth = next;
          this.isObject[next] = c === OPEN_OBJECT;
          this.expectKey[next] = c === OPEN_OBJECT;
          // The top-level object is on the path; a value is when its key is the path's next one.
          this.onPath[next] =
            next === 1 ? c === OPEN_OBJECT : this.onPath[d] === true && this.isObject[d] === true && this.keys[d] === this.path[d - 1];
          if (next === target && c === OPEN_ARRAY && this.onPath[next]) {
            if (this.found || this.current) this.ambiguous = true;
            this.current = { open: i, close: -1, commas: [] };
          }
          break;
        }
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (d === target && c === CLOSE_ARRAY && this.current) {
            this.current.close = i;
            this.found ??= this.current;
            this.current = undefined;
          }
          if (d <= this.path.length) this.keys[d] = undefined;
          this.depth = Math.max(0, d - 1);
          break;
      }
    }
    this.pos = i;
    return this.done;
  }

  private readKey(start: number, end: number): void {
    this.keyStart = -1;
    const raw = Buffer.from(this.text.buffer, this.text.byteOffset + start, end - start).toString('utf8');
    let key = raw;
    if (raw.includes('\\')) {
      try {
        key = JSON.parse(`"${raw}"`) as string;
      } catch {
        // Not a valid string: JSON.parse of the whole says so later.
      }
    }
    this.keys[this.depth] = key;
  }
}

/**
 * The text between two offsets of the elements of a found array: elements `from` to `to`
 * (exclusive), as a JSON array of their own.
 */
export function elementsText(text: Uint8Array, span: ArraySpan, from: number, to: number): string {
  const start = from === 0 ? span.open + 1 : span.commas[from - 1]! + 1;
  const end = to > span.commas.length ? span.close : span.commas[to - 1]!;
  return `[${Buffer.from(text.buffer, text.byteOffset + start, end - start).toString('utf8')}]`;
}

/** How many elements a found array has (one empty array has none). */
export function elementCount(text: Uint8Array, span: ArraySpan): number {
  if (span.commas.length > 0) return span.commas.length + 1;
  for (let i = span.open + 1; i < span.close; i++) {
    const c = text[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return 1;
  }
  return 0;
}

/** The text with the found array emptied (`[]`): everything else, to parse on its own. */
export function withoutElements(text: Uint8Array, span: ArraySpan): string {
  const buf = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  return buf.toString('utf8', 0, span.open + 1) + buf.toString('utf8', span.close);
}

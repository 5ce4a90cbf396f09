// The limits on what clients send the master, in one place with their values. Apache Mesos has
// none of these (protobuf's own limits aside): a client could send a 50 MB framework name or a
// body the master buffers whole, and the master would keep, log and persist it. Each check runs
// before the master does any work with the input, and each refusal names the field and the limit.
// Pure: the HTTP layer calls these and picks the status (413 for a body, 400 for the rest).

/**
 * Largest request body, in bytes. It fits a RECONCILE of a few hundred thousand tasks
 * (about 100 bytes per task with its agent id).
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Deepest nesting of arrays and objects in a JSON body: protobuf's own default recursion limit. */
export const MAX_JSON_DEPTH = 100;

/** Longest name (framework, task, executor, ... any `name` field of a SUBSCRIBE, UPDATE_FRAMEWORK or ACCEPT), in UTF-8 bytes. */
export const MAX_NAME_BYTES = 4096;

/** Most labels in one Labels message. */
export const MAX_LABELS = 1024;

/** Longest label key, in UTF-8 bytes. */
export const MAX_LABEL_KEY_BYTES = 4096;

/**
 * Longest label value, in UTF-8 bytes. Generous: some frameworks keep package metadata in labels
 * (DC/OS's DCOS_PACKAGE_METADATA is tens of kilobytes of base64).
 */
export const MAX_LABEL_VALUE_BYTES = 128 * 1024;

/** How much of a client-chosen name a log line shows. */
export const MAX_LOGGED_NAME_CHARS = 256;

/**
 * Whether a JSON text nests arrays and objects deeper than `limit`: a scan of its bytes, no
 * parse, so a hostile body costs one pass and no allocation. Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The refusal of a body nested past MAX_JSON_DEPTH. */
export function jsonTooDeepMessage(limit = MAX_JSON_DEPTH): string {
  return `JSON body nests arrays and objects deeper than the limit of ${limit} levels`;
}

/** The Call fields whose names and labels are kept (registry, state) and so are checked. */
const CHECKED_PAYLOADS = ['subscribe', 'update_framework', 'accept'] as const;

/**
 * What is too large in a decoded scheduler Call (names, labels), as "'<field>' ...: the limit is
 * ..." naming the field by its path, or undefined. Only the calls that carry what the master
 * keeps are walked (SUBSCRIBE, UPDATE_FRAMEWORK, ACCEPT); a large RECONCILE is not.
 */
export function callSizeProblem(call: object): string | undefined {
  for (const key of CHECKED_PAYLOADS) {
    const value = (call as Record<string, unknown>)[key];
    if (value !== undefined) {
      const problem = sizeProblem(value, key);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Whether a string has more than `limit` UTF-8 bytes, counted only when its length leaves a doubt. */
function exceeds(s: string, limit: number): boolean {
  // Each UTF-16 unit is one to three UTF-8 bytes.
  if (s.length * 3 <= limit) return false;
  return s.length > limit || Buffer.byteLength(s) > limit;
}

function sizeProblem(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = sizeProblem(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = `${path}.${key}`;
    if (key === 'name' && typeof field === 'string' && exceeds(field, MAX_NAME_BYTES)) {
      return tooLong(fieldPath, Buffer.byteLength(field), MAX_NAME_BYTES);
    }
    if (key === 'labels' && field !== null && typeof field === 'object' && !Array.isArray(field)) {
      const problem = labelsProblem(field as { labels?: unknown }, fieldPath);
      if (problem) return problem;
      continue;
    }
    const problem = sizeProblem(field, fieldPath);
    if (problem) return problem;
  }
  return undefined;
}

function labelsProblem(labels: { labels?: unknown }, path: string): string | undefined {
  const list = labels.labels;
  if (!Array.isArray(list)) return undefined;
  if (list.length > MAX_LABELS) return `'${path}.labels' has ${list.length} labels: the limit is ${MAX_LABELS}`;
  for (let i = 0; i < list.length; i++) {
    const label = list[i] as { key?: unknown; value?: unknown } | null;
    if (typeof label?.key === 'string' && exceeds(label.key, MAX_LABEL_KEY_BYTES)) {
      return tooLong(`${path}.labels[${i}].key`, Buffer.byteLength(label.key), MAX_LABEL_KEY_BYTES);
    }
    if (typeof label?.value === 'string' && exceeds(label.value, MAX_LABEL_VALUE_BYTES)) {
      return tooLong(`${path}.labels[${i}].value`, Buffer.byteLength(label.value), MAX_LABEL_VALUE_BYTES);
    }
  }
  return undefined;
}

function tooLong(path: string, size: number, limit: number): string {
  return `'${path}' is ${size} bytes long: the limit is ${limit} bytes`;
}

/** A client-chosen name as a log line shows it: at most MAX_LOGGED_NAME_CHARS, and how much was left out. */
export function logName(name: string | undefined): string {
  if (name === undefined) return '';
  if (name.length <= MAX_LOGGED_NAME_CHARS) return name;
  return `${name.slice(0, MAX_LOGGED_NAME_CHARS)}... (${name.length - MAX_LOGGED_NAME_CHARS} more characters)`;
}

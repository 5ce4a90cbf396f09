// The one error style of the project's core code, as Mesos's Option<Error> and Try<T>:
// - a check returns the problem in words, or undefined when there is none (`string | undefined`);
// - an operation that makes a value returns Result<T>: the value, or the problem in words.
// Neither carries an HTTP status: the HTTP layer decides that from which check or operation
// refused (docs/architecture.md, "Errors").
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function failed<T = never>(error: string): Result<T> {
  return { ok: false, error };
}

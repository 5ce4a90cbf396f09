// Integers read from query parameters the way Apache Mesos reads them (stout's `numify<T>`:
// boost's lexical_cast, then a `0x`/`-0x` hexadecimal fallback), so that a value Mesos takes or
// refuses is taken or refused here too. Mesos decides what a refused value means per endpoint:
// /master/tasks falls back to its defaults, /files/read answers 400.

/** Signed integer widths Mesos parses into: `int` (32) and `off_t`/`ssize_t` (64). */
export type IntBits = 32 | 64;

const DECIMAL = /^[+-]?\d+$/;
const HEX = /^(-?)0[xX]([0-9a-fA-F]+)$/;

/**
 * The integer `text` stands for, or undefined where numify fails: anything but optional sign and
 * decimal digits (no spaces, no fraction, no exponent), or `0x`/`-0x` hexadecimal; and any value
 * out of the type's range. A negative hexadecimal value is its magnitude negated, so its range
 * stops one short of the type's minimum.
 */
export function numifyInt(text: string, bits: IntBits): bigint | undefined {
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (DECIMAL.test(text)) {
    const value = BigInt(text);
    return value > max || value < -max - 1n ? undefined : value;
  }
  const hex = HEX.exec(text);
  if (!hex) return undefined;
  const magnitude = BigInt(`0x${hex[2]}`);
  if (magnitude > max) return undefined;
  return hex[1] === '-' ? -magnitude : magnitude;
}

/** The error text stout gives for a value numify refuses. */
export function numifyError(text: string): string {
  return `Failed to convert '${text}' to number`;
}

// Checks a parsed flag value against the definition's JSON-Schema constraints with ajv and turns
// the first failure into a short reason ("must be <= 65535", "must be one of: INFO, WARNING").
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatBytes, formatDuration } from './units.ts';
import type { FlagType } from './types.ts';

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    // strictTypes off: flag schemas say `minimum` without repeating `type: 'number'`. The
    // schemas are ours and unit-tested, so ajv need not compile its meta-schema to check them
    // (compiling it would lengthen every program's start-up).
    if (!ajv) {
      ajv = new Ajv({ allErrors: false, strictTypes: false, strictTuples: false, validateSchema: false, meta: false });
      ajv.addVocabulary(['errorHint']);
    }
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function showLimit(type: FlagType, limit: unknown): string {
  if (typeof limit !== 'number') return JSON.stringify(limit);
  if (type === 'duration') return formatDuration(limit);
  if (type === 'bytes' && Number.isInteger(limit) && limit >= 0) return formatBytes(limit);
  return String(limit);
}

function describe(type: FlagType, error: ErrorObject): string {
  const where = error.instancePath === '' ? '' : `${error.instancePath} `;
  switch (error.keyword) {
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const params = error.params as { comparison: string; limit: unknown };
      return `${where}must be ${params.comparison} ${showLimit(type, params.limit)}`;
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return `${where}must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    }
    case 'pattern':
      return `${where}must match ${(error.params as { pattern: string }).pattern}`;
    case 'additionalProperties':
      return `${where}has an unknown field '${(error.params as { additionalProperty: string }).additionalProperty}'`;
    default:
      return `${where}${error.message ?? 'is not allowed'}`;
  }
}

/** The reason `value` breaks `schema`, or undefined when it satisfies it. */
export function constraintProblem(type: FlagType, schema: object, value: unknown): string | undefined {
  const validate = validatorFor(schema);
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  if (!error) return 'is not allowed';
  const hint = (schema as { errorHint?: unknown }).errorHint;
  if (typeof hint === 'string' && error.instancePath === '') return hint;
  return describe(type, error);
}

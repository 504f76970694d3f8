import type { ValidateFunction } from 'ajv/dist/2020.js';
import { createArgsAjv } from '../../runtime/contract/args.js';

const ajv = createArgsAjv();
const compiled = new Map<string, ValidateFunction>();

/**
 * A validator for a param schema, with the runtime's exact semantics (formats, defaults), compiled
 * once per distinct schema: a large pipeline repeats the same few param shapes many times, and
 * compiling costs about a millisecond each.
 */
export function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

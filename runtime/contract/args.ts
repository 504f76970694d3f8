import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS with a default export that ESM cannot name directly.
const addFormats = createRequire(import.meta.url)('ajv-formats') as FormatsPlugin;

export type JsonObject = { [key: string]: unknown };

/**
 * The one JSON Schema engine for tool arguments, shared by the compiler (to check declared
 * defaults) and the runtime (to check calls), so both agree on formats like `date` (a real
 * calendar date: ClickHouse would turn 2024-02-30 into 2024-03-01) and on how defaults apply.
 */
export function createArgsAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, verbose: true });
  addFormats(ajv, { mode: 'full' });
  return ajv;
}

/** A compiled argument check that fills defaults in place and explains what is wrong. */
export type ArgsValidator = (args: JsonObject) => string[];

export function compileArgsValidator(ajv: Ajv2020, schema: JsonObject): ArgsValidator {
  const validate: ValidateFunction = ajv.compile(schema);
  return (args) => (validate(args) ? [] : (validate.errors ?? []).map((error) => explainArgError(error, schema)));
}

/** Turns one ajv error into a sentence naming the argument: "argument 'limit' must be <= 1000 (got 5000)". */
export function explainArgError(error: ErrorObject, schema: JsonObject): string {
  const params = error.params as Record<string, unknown>;
  const where = argumentName(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return `missing required argument '${joinPath(error.instancePath, String(params.missingProperty))}'`;
    case 'additionalProperties': {
      const extra = joinPath(error.instancePath, String(params.additionalProperty));
      const known = error.instancePath === '' ? Object.keys((schema.properties as JsonObject | undefined) ?? {}) : [];
      const hint = known.length > 0 ? `; expected ${known.map((k) => `'${k}'`).join(', ')}` : '';
      return `unknown argument '${extra}'${hint}`;
    }
    case 'type':
      return `${where} must be ${typeName(String(params.type))} (got ${describe(error.data)})`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describe(error.data)})`;
    case 'format':
      return `${where} must be a valid ${String(params.format)} (got ${describe(error.data)})`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${where} must be ${String(params.comparison)} ${String(params.limit)} (got ${describe(error.data)})`;
    case 'minLength':
    case 'maxLength':
      return `${where} must be ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${count(params.limit, 'character')} long (got ${count(lengthOf(error.data), 'character')})`;
    case 'minItems':
    case 'maxItems':
      return `${where} must hold ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${count(params.limit, 'item')} (got ${count(Array.isArray(error.data) ? error.data.length : 0, 'item')})`;
    case 'uniqueItems':
      return `${where} must not repeat items: items ${String(Math.min(Number(params.i), Number(params.j)))} and ${String(Math.max(Number(params.i), Number(params.j)))} are equal`;
    case 'pattern':
      return `${where} must match the pattern ${String(params.pattern)} (got ${describe(error.data)})`;
    case 'minProperties':
    case 'maxProperties':
      return `${where} must have ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${count(params.limit, 'key')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)} (got ${describe(error.data)})`;
    default:
      return `${where} is not valid (${error.keyword})`;
  }
}

function count(n: unknown, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Length in characters as JSON Schema counts them (code points). */
function lengthOf(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'an object',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

function argumentName(pointer: string): string {
  return pointer === '' ? 'arguments' : `argument '${pointerToPath(pointer)}'`;
}

function joinPath(pointer: string, key: string): string {
  return pointer === '' ? key : `${pointerToPath(pointer)}.${key}`;
}

function pointerToPath(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

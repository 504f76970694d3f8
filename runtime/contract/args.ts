import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';

// ajv-formats is CommonJS: Node's default import is its module.exports, the plugin, which also
// carries itself as `default` (what TypeScript sees). Imported, not required, so that
// `mcpc build --bundle` can bundle it.
const addFormats = ajvFormats.default;

export type JsonObject = { [key: string]: unknown };

/**
 * The one JSON Schema engine for tool arguments, shared by the compiler (to check declared
 * defaults and literal step arguments) and the runtime (to check calls), so both agree on formats
 * like `date` (a real calendar date: ClickHouse would turn 2024-02-30 into 2024-03-01), on date
 * ranges (`formatMinimum`, `formatMaximum`) and on how defaults apply. It stops at the first
 * problem of a value: a hostile argument must not make validation (or its answer) grow with its size.
 */
export function createArgsAjv(): Ajv2020 {
  // multipleOfPrecision: 1.1 is a multiple of 0.01 for a decimal, though not in binary floating point.
  const ajv = new Ajv2020({ allErrors: false, useDefaults: true, strict: false, coerceTypes: false, verbose: true, multipleOfPrecision: 9 });
  addFormats(ajv, { mode: 'full', keywords: true });
  // ajv-formats' date-time comparison takes the epoch itself (0 ms) for "no value" and then
  // compares nothing, so `formatMinimum: 1970-01-01T00:00:00Z` would let 1969 through.
  const dateTime = fullFormats['date-time'] as { validate: (value: string) => boolean };
  ajv.addFormat('date-time', { type: 'string', validate: dateTime.validate, compare: compareDateTimes });
  return ajv;
}

/**
 * Compares two RFC 3339 date-times as instants; undefined when either is not one. A DateTime
 * column's value is compared with both of its bounds (`formatMinimum`, `formatMaximum`), in every
 * row of an insert, so the last value's instant and the bounds' (a few schema constants) are kept.
 */
function compareDateTimes(a: string, b: string): number | undefined {
  if (a !== lastValue) {
    lastValue = a;
    lastInstant = Date.parse(a);
  }
  let second = bounds.get(b);
  if (second === undefined) {
    second = Date.parse(b);
    if (bounds.size >= MAX_BOUNDS) bounds.clear();
    bounds.set(b, second);
  }
  return Number.isNaN(lastInstant) || Number.isNaN(second) ? undefined : lastInstant - second;
}

let lastValue: string | undefined;
let lastInstant = Number.NaN;
/** Instants of the bounds compared with, by text: the schemas' own, so few; cleared past this many. */
const bounds = new Map<string, number>();
const MAX_BOUNDS = 256;

/** What an argument check found wrong: the first few problems, and how many more there were. */
export interface ArgsProblems {
  shown: string[];
  /** Problems found beyond those shown (unknown arguments are counted, not listed). */
  more: number;
}

/** A compiled argument check that fills defaults in place; undefined when the arguments are fine. */
export type ArgsValidator = (args: JsonObject) => ArgsProblems | undefined;

/** How many problems one answer lists; the rest are counted. */
const MAX_SHOWN_PROBLEMS = 5;

/**
 * Checks a tool's arguments one declared param at a time, each stopping at its first problem,
 * then the missing and the unknown ones. The work is bounded by the declared params plus one
 * pass over the keys sent, whatever a caller sends: two million bad items cost one error, and
 * 200,000 unknown keys are counted, with the first few named.
 */
export function compileArgsValidator(ajv: Ajv2020, schema: JsonObject): ArgsValidator {
  const properties = (schema.properties as Record<string, JsonObject> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const closed = schema.additionalProperties === false;
  const checks = Object.entries(properties).map(([name, property]) => ({ name, property, validate: ajv.compile(property) }));
  const known = Object.keys(properties);
  return (args) => {
    const problems: string[] = [];
    let unknownCount = 0;
    const unknownNames: string[] = [];
    if (closed) {
      for (const key of Object.keys(args)) {
        if (Object.hasOwn(properties, key)) continue;
        unknownCount++;
        if (unknownNames.length < MAX_SHOWN_PROBLEMS) unknownNames.push(key);
      }
    }
    for (const { name, property, validate } of checks) {
      if (args[name] === undefined) {
        if (required.has(name)) problems.push(`missing required argument '${shorten(name)}'`);
        else if (property.default !== undefined) args[name] = structuredClone(property.default);
        continue;
      }
      if (validate(args[name])) continue;
      const [first] = validate.errors ?? [];
      if (first) problems.push(explainArgError({ ...first, instancePath: `/${escapePointer(name)}${first.instancePath}` }, schema));
    }
    if (unknownCount > 0) {
      const expected = known.length > 0 ? `; expected ${known.map((k) => `'${k}'`).join(', ')}` : '; it takes no arguments';
      const named = unknownNames.map((k) => `'${shorten(k)}'`).join(', ');
      const rest = unknownCount > unknownNames.length ? ` and ${unknownCount - unknownNames.length} more` : '';
      problems.push(`unknown argument${unknownCount === 1 ? '' : 's'} ${named}${rest}${expected}`);
    }
    if (problems.length === 0) return undefined;
    return { shown: problems.slice(0, MAX_SHOWN_PROBLEMS), more: Math.max(0, problems.length - MAX_SHOWN_PROBLEMS) };
  };
}

/** The problems as one sentence list: "a; b; c (and 2 more problems)". */
export function describeProblems(problems: ArgsProblems): string {
  return `${problems.shown.join('; ')}${problems.more > 0 ? ` (and ${count(problems.more, 'more problem')})` : ''}`;
}

/** Turns one ajv error into a sentence naming the argument: "argument 'limit' must be <= 1000 (got 5000)". */
export function explainArgError(error: ErrorObject, schema: JsonObject): string {
  const params = error.params as Record<string, unknown>;
  const where = argumentName(error.instancePath);
  switch (error.keyword) {
    case 'required':
      // Inside an argument (a row of a list), the names are fields.
      return `missing required ${error.instancePath === '' ? 'argument' : 'field'} '${joinPath(error.instancePath, String(params.missingProperty))}'`;
    case 'additionalProperties': {
      const extra = joinPath(error.instancePath, String(params.additionalProperty));
      const known = error.instancePath === '' ? Object.keys((schema.properties as JsonObject | undefined) ?? {}) : [];
      const hint = known.length > 0 ? `; expected ${known.map((k) => `'${k}'`).join(', ')}` : '';
      return `unknown ${error.instancePath === '' ? 'argument' : 'field'} '${extra}'${hint}`;
    }
    case 'formatMinimum':
    case 'formatMaximum':
    case 'formatExclusiveMinimum':
    case 'formatExclusiveMaximum':
      return `${where} must be ${String(params.comparison)} ${String(params.limit)}, the range ClickHouse stores (got ${describe(error.data)})`;
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
    case 'multipleOf':
      return `${where} must have at most ${decimalsOf(Number(params.multipleOf))} decimals (got ${describe(error.data)})`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)} (got ${describe(error.data)})`;
    default:
      return `${where} is not valid (${error.keyword})`;
  }
}

/** 2 for 0.01. */
function decimalsOf(unit: number): number {
  return Math.max(0, Math.round(-Math.log10(unit)));
}

function count(n: unknown, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Length in characters as JSON Schema counts them (code points), without copying the text. */
function lengthOf(value: unknown): number {
  if (typeof value !== 'string') return 0;
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/** A name as a message quotes it: long ones are cut, so a hostile key cannot make the answer large. */
function shorten(name: string): string {
  return name.length > 60 ? `${name.slice(0, 60)}…` : name;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
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
  return pointer === '' ? shorten(key) : `${pointerToPath(pointer)}.${shorten(key)}`;
}

function pointerToPath(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((part) => shorten(part.replace(/~1/g, '/').replace(/~0/g, '~')))
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

/**
 * ClickHouse types as JSON, both ways, checked against the engine (test/unit/clickhouse-json.test.ts):
 *
 * - out: the JSON Schema (and TypeScript type) of a value as a tool returns it: JSONEachRow under
 *   `TOOL_OUTPUT_SETTINGS`. MCP clients validate `structuredContent` against a tool's output
 *   schema, so these must hold for every value the engine can return.
 * - in: the JSON Schema of a value that `format(JSONEachRow, '<structure>', ...)` parses into the
 *   same value under `TOOL_INPUT_SETTINGS`. JSONEachRow input changes values without a word
 *   (300 into UInt8 is 44, '2024-02-30' into Date is 2024-03-01, 1.239 into Decimal(9, 2) is
 *   1.23, a missing field is 0), so the schema refuses what the engine would change.
 *
 * Type texts are read as the engine writes them (`system.columns`, `DESCRIBE`, `toTypeName`);
 * aliases (`INT`, `TEXT`) are not resolved: `DESCRIBE format(JSONEachRow, '<structure>', '{}')`
 * turns a structure into the engine's own names. A type without a faithful mapping (JSON,
 * Dynamic, Variant, AggregateFunction, ...) gets `{}` and a description; `unmappedTypes` names them.
 */
import { parseStructureText, parseTypeText, type TypeArg, type TypeNode } from './clickhouse-type-text.js';
import type { JsonObject } from './spec.js';

/**
 * The output format settings every tool query runs under, which the output mapping assumes; the
 * sources pin them with their limits (`pinnedReadSettings`). Set explicitly, defaults included,
 * because defaults differ between versions and a server's profile may change them (ClickHouse
 * 25.8 stopped quoting 64-bit integers by default, so chDB 26.7 writes them as numbers).
 */
export const TOOL_OUTPUT_SETTINGS = Object.freeze({
  /** Int64, UInt64 and wider (and Interval*) as strings of digits: exact beyond 2^53. */
  output_format_json_quote_64bit_integers: 1,
  /** Float64 as JSON numbers (a double is what a JSON number is). */
  output_format_json_quote_64bit_floats: 0,
  /** Decimals as strings ("123.45"): exact at any precision, where numbers would be rounded by JSON parsers. */
  output_format_json_quote_decimals: 1,
  /** NaN and infinities as "nan", "-nan", "inf", "-inf": otherwise they are null, which a Nullable float also uses. */
  output_format_json_quote_denormals: 1,
  /** Named tuples as objects keyed by element name (unnamed ones stay arrays). */
  output_format_json_named_tuples_as_objects: 1,
  /** DateTime and DateTime64 as RFC 3339 in UTC ("2024-01-01T00:00:00Z"), whatever the column's time zone. */
  date_time_output_format: 'iso',
} as const);

/** The input format settings the input mapping assumes, for `format(JSONEachRow, ...)` arguments. */
export const TOOL_INPUT_SETTINGS = Object.freeze({
  /** DateTime text as 'YYYY-MM-DD hh:mm:ss' or RFC 3339 with an offset ('basic' refuses the offset). */
  date_time_input_format: 'best_effort',
  /** Named tuples read from JSON objects keyed by element name. */
  input_format_json_named_tuples_as_objects: 1,
  /** Fields a row has beyond the structure are skipped, so rows another tool returned can be passed as they are. */
  input_format_skip_unknown_fields: 1,
} as const);

/** The JSON Schema of a value of this type as a tool returns it. */
export function outputSchemaOf(type: string): JsonObject {
  return outputSchema(shapeOf(parseTypeText(type)), []);
}

/** The JSON Schema of one row of a result with these columns: every column, nothing else. */
export function rowSchemaOf(columns: ReadonlyArray<{ name: string; type: string }>): JsonObject {
  return objectSchema(columns.map((c) => ({ name: c.name, schema: outputSchemaOf(c.type), required: true })));
}

/** The JSON Schema of a value that JSONEachRow input reads into a column of this type unchanged. */
export function inputSchemaOf(type: string): JsonObject {
  return inputSchema(shapeOf(parseTypeText(type)), []);
}

/**
 * The JSON Schema of one row that `format(JSONEachRow, '<structure>', ...)` reads unchanged. A
 * field left out is read as the column's default (0, '', 1970-01-01, the first enum value), and
 * as NULL for a Nullable column, the same as an explicit null; so every column is required
 * except Nullable ones. Unknown fields would be skipped without a word: they are refused.
 */
export function structureSchemaOf(structure: string): JsonObject {
  const columns = parseStructureText(structure).flatMap((column) => {
    const shape = shapeOf(column.type);
    // A Nested column is read as one array per element, `n.a` and `n.b` (of equal lengths, which
    // no schema can say: ARRAY JOIN refuses them otherwise); `{"n": [...]}` would be skipped.
    if (shape.kind !== 'nested') return [{ name: column.name, shape }];
    return shape.items.elements.map((e) => ({ name: `${column.name}.${e.name!}`, shape: { kind: 'array', items: e.shape } as Shape }));
  });
  return objectSchema(columns.map((c) => elementInput(c.name, c.shape, [])));
}

/**
 * The JSON Schema of one row that an INSERT in JSONEachRow writes unchanged into a table with these
 * columns (those an INSERT may set: not MATERIALIZED or ALIAS). A column with a default (`DEFAULT`,
 * `EPHEMERAL`, or Nullable) may be left out; every other is required, since the engine would
 * write its type's zero value without a word. Fields of no column are refused.
 */
export function tableRowInputSchemaOf(columns: ReadonlyArray<{ name: string; type: string; hasDefault: boolean }>): JsonObject {
  return objectSchema(
    columns.map((column) => {
      const element = elementInput(column.name, shapeOf(parseTypeText(column.type)), []);
      return { ...element, required: element.required && !column.hasDefault };
    }),
  );
}

/** The TypeScript type of a value of this type as a tool returns it. */
export function tsTypeOf(type: string): string {
  return tsType(shapeOf(parseTypeText(type)));
}

/** The TypeScript type of one row of a result with these columns. */
export function tsRowTypeOf(columns: ReadonlyArray<{ name: string; type: string }>): string {
  return tsObject(columns.map((c) => ({ name: c.name, type: tsTypeOf(c.type) })));
}

/**
 * The parts of a type that have no faithful mapping in that direction, which got `{}`: types
 * mcpc does not map (JSON, Dynamic, AggregateFunction, ...) and, on input, maps whose keys
 * JSONEachRow cannot read from object keys (Bool, floats).
 */
export function unmappedTypes(type: string, direction: 'output' | 'input'): string[] {
  const unmapped: string[] = [];
  const shape = shapeOf(parseTypeText(type));
  if (direction === 'output') outputSchema(shape, unmapped);
  else inputSchema(shape, unmapped);
  return unmapped;
}

// What each type is, once: wrappers and aliases resolved, arguments read.

type Shape =
  | { kind: 'int'; bits: number; signed: boolean }
  | { kind: 'float'; bits: 16 | 32 | 64 }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'bool' | 'string' | 'uuid' | 'ipv4' | 'ipv6' | 'nothing' }
  | { kind: 'fixed'; length: number }
  | { kind: 'date'; wide: boolean }
  | { kind: 'datetime'; precision: number; wide: boolean; timezone: string | undefined }
  | { kind: 'time'; precision: number }
  | { kind: 'enum'; names: string[] }
  | { kind: 'nullable'; inner: Shape }
  | { kind: 'array'; items: Shape }
  /** Nested(a T, b U): an array of objects in a table's rows; a structure reads it flattened, as arrays `n.a` and `n.b`. */
  | { kind: 'nested'; items: Extract<Shape, { kind: 'tuple' }>; text: string }
  | { kind: 'map'; key: Shape; keyText: string; value: Shape }
  | { kind: 'tuple'; elements: Array<{ name: string | undefined; shape: Shape }> }
  | { kind: 'unmapped'; text: string };

/** Types without arguments that are what their name says. */
const SCALARS: Record<string, Shape> = {
  Float32: { kind: 'float', bits: 32 },
  Float64: { kind: 'float', bits: 64 },
  BFloat16: { kind: 'float', bits: 16 },
  Bool: { kind: 'bool' },
  String: { kind: 'string' },
  UUID: { kind: 'uuid' },
  IPv4: { kind: 'ipv4' },
  IPv6: { kind: 'ipv6' },
  Nothing: { kind: 'nothing' },
};

/** Decimals with more places than this are taken as strings only: a float cannot carry them faithfully. */
const MAX_NUMBER_SCALE = 6;

const DECIMAL_PRECISION: Record<string, number> = { Decimal32: 9, Decimal64: 18, Decimal128: 38, Decimal256: 76 };

/** Geometry types are names for tuples and arrays of Float64. */
const GEOMETRY: Record<string, string> = {
  Point: 'Tuple(Float64, Float64)',
  Ring: 'Array(Point)',
  LineString: 'Array(Point)',
  MultiLineString: 'Array(Ring)',
  Polygon: 'Array(Ring)',
  MultiPolygon: 'Array(Polygon)',
};

function shapeOf(node: TypeNode): Shape {
  const { name, args } = node;
  const unmapped: Shape = { kind: 'unmapped', text: node.text };
  const types = args.map((a) => (a.kind === 'type' ? a.type : undefined));
  const only = args.length === 1 ? types[0] : undefined;
  const integer = /^(U?)Int(8|16|32|64|128|256)$/.exec(name);
  if (integer) return args.length === 0 ? { kind: 'int', bits: Number(integer[2]), signed: integer[1] === '' } : unmapped;
  const scalar = SCALARS[name];
  if (scalar) return args.length === 0 ? scalar : unmapped;
  // Interval* values are Int64 counts of their unit.
  if (/^Interval[A-Z][a-z]+$/.test(name) && args.length === 0) return { kind: 'int', bits: 64, signed: true };
  switch (name) {
    case 'Nullable':
      return only ? { kind: 'nullable', inner: shapeOf(only) } : unmapped;
    case 'LowCardinality':
      return only ? shapeOf(only) : unmapped;
    case 'SimpleAggregateFunction': {
      const last = types.at(-1);
      return args.length === 2 && last ? shapeOf(last) : unmapped;
    }
    case 'Date':
    case 'Date32':
      return args.length === 0 ? { kind: 'date', wide: name === 'Date32' } : unmapped;
    case 'FixedString': {
      const length = numberArg(args[0]);
      return args.length === 1 && length !== undefined && length > 0 ? { kind: 'fixed', length } : unmapped;
    }
    case 'Decimal': {
      const precision = numberArg(args[0]);
      const scale = args.length === 2 ? numberArg(args[1]) : 0;
      return args.length <= 2 && precision !== undefined && scale !== undefined ? decimal(precision, scale, unmapped) : unmapped;
    }
    case 'Decimal32':
    case 'Decimal64':
    case 'Decimal128':
    case 'Decimal256': {
      const scale = numberArg(args[0]);
      return args.length === 1 && scale !== undefined ? decimal(DECIMAL_PRECISION[name]!, scale, unmapped) : unmapped;
    }
    case 'DateTime': {
      const timezone = stringArg(args[0]);
      if (args.length > 1 || (args.length === 1 && timezone === undefined)) return unmapped;
      return { kind: 'datetime', precision: 0, wide: false, timezone };
    }
    case 'DateTime64': {
      const precision = numberArg(args[0]);
      const timezone = stringArg(args[1]);
      if (precision === undefined || precision > 9 || args.length > 2 || (args.length === 2 && timezone === undefined)) return unmapped;
      return { kind: 'datetime', precision, wide: true, timezone };
    }
    case 'Time':
      return args.length === 0 ? { kind: 'time', precision: 0 } : unmapped;
    case 'Time64': {
      const precision = numberArg(args[0]);
      return args.length === 1 && precision !== undefined && precision <= 9 ? { kind: 'time', precision } : unmapped;
    }
    case 'Enum':
    case 'Enum8':
    case 'Enum16': {
      const names = args.map((a) => (a.kind === 'enum' || a.kind === 'string' ? (a.kind === 'enum' ? a.name : a.value) : undefined));
      return names.length > 0 && names.every((n) => n !== undefined) ? { kind: 'enum', names: names as string[] } : unmapped;
    }
    case 'Array':
      return only ? { kind: 'array', items: shapeOf(only) } : unmapped;
    case 'Map':
      return args.length === 2 && types[0] && types[1] ? { kind: 'map', key: shapeOf(types[0]), keyText: types[0].text, value: shapeOf(types[1]) } : unmapped;
    case 'Tuple':
      return tupleShape(args) ?? unmapped;
    case 'Nested': {
      const tuple = tupleShape(args);
      // Elements are all named or none (tupleShape), so the first says.
      return tuple?.elements[0]?.name !== undefined ? { kind: 'nested', items: tuple, text: node.text } : unmapped;
    }
  }
  const geometry = GEOMETRY[name];
  if (geometry && args.length === 0) return shapeOf(parseTypeText(geometry));
  return unmapped;
}

/** Tuple elements: all named or all unnamed (the engine allows no mix). */
function tupleShape(args: readonly TypeArg[]): Extract<Shape, { kind: 'tuple' }> | undefined {
  const elements = args.map((a) =>
    a.kind === 'named' ? { name: a.name, shape: shapeOf(a.type) } : a.kind === 'type' ? { name: undefined, shape: shapeOf(a.type) } : undefined,
  );
  if (elements.some((e) => e === undefined)) return undefined;
  const named = elements.filter((e) => e?.name !== undefined).length;
  if (named !== 0 && named !== elements.length) return undefined;
  return { kind: 'tuple', elements: elements as Array<{ name: string | undefined; shape: Shape }> };
}

function decimal(precision: number, scale: number, unmapped: Shape): Shape {
  return precision >= 1 && precision <= 76 && scale <= precision ? { kind: 'decimal', precision, scale } : unmapped;
}

function numberArg(arg: TypeArg | undefined): number | undefined {
  return arg?.kind === 'number' && /^[0-9]+$/.test(arg.value) ? Number(arg.value) : undefined;
}

function stringArg(arg: TypeArg | undefined): string | undefined {
  return arg?.kind === 'string' ? arg.value : undefined;
}

// Out: what the engine writes.

const SIGNED_INTEGER_TEXT = '^(?:0|-?[1-9][0-9]*)$';
const UNSIGNED_INTEGER_TEXT = '^(?:0|[1-9][0-9]*)$';

/**
 * Whether a returned value of this schema is a number written as text (a 64-bit or wider integer,
 * or a decimal), and which: a pipeline step that passes it to a param taking a number converts it
 * (`numberFromText`).
 */
export function numberTextKind(schema: JsonObject): 'integer' | 'decimal' | undefined {
  const type = schema.type;
  const isString = type === 'string' || (Array.isArray(type) && type.includes('string') && !type.includes('number'));
  if (!isString || typeof schema.pattern !== 'string') return undefined;
  if (schema.pattern === SIGNED_INTEGER_TEXT || schema.pattern === UNSIGNED_INTEGER_TEXT) return 'integer';
  if (DECIMAL_PATTERN_SHAPE.test(schema.pattern)) return 'decimal';
  return undefined;
}

/**
 * A number a tool returned as text, as a JSON number when that is exact: an integer beyond 2^53
 * (or anything else) stays as it is, for the callee's validation to refuse with its own words.
 */
export function numberFromText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^-?[0-9]+(?:\.[0-9]+)?$/.test(value)) return value;
  const number = Number(value);
  if (!/\./.test(value)) return Number.isSafeInteger(number) ? number : value;
  return Number.isFinite(number) ? number : value;
}

function outputSchema(shape: Shape, unmapped: string[]): JsonObject {
  switch (shape.kind) {
    case 'int':
      return shape.bits <= 32
        ? { type: 'integer', ...integerBounds(shape) }
        : { type: 'string', pattern: shape.signed ? SIGNED_INTEGER_TEXT : UNSIGNED_INTEGER_TEXT };
    case 'float':
      return { type: ['number', 'string'], pattern: NON_FINITE };
    case 'decimal':
      return { type: 'string', pattern: decimalPattern(shape) };
    case 'fixed':
      // N bytes, so at most N characters (an invalid UTF-8 sequence becomes one U+FFFD).
      return { type: 'string', maxLength: shape.length };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'time':
      return { type: 'string', pattern: timePattern(shape.precision, true) };
    case 'nullable':
      return withNull(outputSchema(shape.inner, unmapped));
    case 'array':
    case 'nested':
      return { type: 'array', items: outputSchema(shape.items, unmapped) };
    case 'map':
      return { type: 'object', additionalProperties: outputSchema(shape.value, unmapped) };
    case 'tuple':
      return tupleSchema(
        shape,
        (s) => outputSchema(s, unmapped),
        () => true,
      );
    case 'unmapped':
      unmapped.push(shape.text);
      return fallback(shape.text);
    default:
      return commonSchema(shape);
  }
}

// In: what JSONEachRow reads unchanged.

function inputSchema(shape: Shape, unmapped: string[]): JsonObject {
  switch (shape.kind) {
    case 'int': {
      if (shape.bits <= 32) return { type: 'integer', ...integerBounds(shape) };
      // A JSON number beyond 2^53 was already rounded by the JSON parser that read the call, so
      // wider values come as strings of digits, which the engine reads exactly (and wraps past the
      // type's range, hence the exact range in the pattern).
      const { min, max } = integerRange(shape);
      return {
        type: ['integer', 'string'],
        minimum: Math.max(Number(min), -Number.MAX_SAFE_INTEGER),
        maximum: Math.min(Number(max), Number.MAX_SAFE_INTEGER),
        pattern: `^${integerRangePattern(min, max)}$`,
      };
    }
    case 'float':
      // The engine rounds to the type's precision; past the largest finite value it reads inf.
      return { type: ['number', 'string'], pattern: NON_FINITE, ...(shape.bits === 64 ? {} : { minimum: -FLOAT32_MAX, maximum: FLOAT32_MAX }) };
    case 'decimal': {
      // Digits past the scale would be cut without a word, so a number must be a multiple of the
      // scale's unit (checked with a tolerance for binary floating point, see createArgsAjv); past
      // six decimals a float cannot carry them faithfully, so only strings and integers are taken.
      const decimals = shape.scale === 0 ? '' : `, at most ${shape.scale} decimals`;
      const numbers = shape.scale > 0 && shape.scale <= MAX_NUMBER_SCALE;
      // The largest value: 999.99 for Decimal(5, 2) (999 for integers, where fractions are refused anyway).
      const largest = Math.min(
        numbers ? Number(`${'9'.repeat(shape.precision - shape.scale) || '0'}.${'9'.repeat(shape.scale)}`) : 10 ** (shape.precision - shape.scale) - 1,
        Number.MAX_SAFE_INTEGER,
      );
      return {
        type: [numbers ? 'number' : 'integer', 'string'],
        minimum: -largest,
        maximum: largest,
        ...(numbers ? { multipleOf: Number(`1e-${shape.scale}`) } : {}),
        pattern: decimalPattern(shape),
        description: `a decimal as a string ("123.45"${decimals}) or a number${numbers ? decimals : ' without decimals'}`,
      };
    }
    case 'fixed':
      // N bytes: ASCII, where a character is a byte (a schema counts characters, and 'éé' is 4
      // bytes the engine refuses for FixedString(3)). A shorter value is padded with zero bytes.
      return {
        type: 'string',
        maxLength: shape.length,
        pattern: '^[\\x00-\\x7F]*$',
        description: `ASCII, at most ${shape.length} characters; a shorter value is padded with zero bytes`,
      };
    case 'uuid':
      return { type: 'string', format: 'uuid', pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' };
    case 'date':
      return shape.wide
        ? { type: 'string', format: 'date', formatMinimum: '1900-01-01', formatMaximum: '2299-12-31' }
        : { type: 'string', format: 'date', formatMinimum: '1970-01-01', formatMaximum: '2149-06-06' };
    case 'datetime':
      return dateTimeInput(shape);
    case 'time':
      return { type: 'string', pattern: timePattern(shape.precision, false) };
    case 'nullable':
      return withNull(inputSchema(shape.inner, unmapped));
    case 'array':
      return { type: 'array', items: inputSchema(shape.items, unmapped) };
    case 'map': {
      const keys = keyInputSchema(shape.key);
      if (keys === undefined) {
        const text = `Map key ${shape.keyText}`;
        unmapped.push(text);
        return fallback(text);
      }
      return { type: 'object', ...(keys === true ? {} : { propertyNames: keys }), additionalProperties: inputSchema(shape.value, unmapped) };
    }
    case 'tuple':
      return tupleSchema(
        shape,
        (s) => inputSchema(s, unmapped),
        (s) => s.kind !== 'nullable',
      );
    case 'nested':
      // Only a structure's column can be Nested, and it reads as one array per element (structureSchemaOf).
      unmapped.push(shape.text);
      return fallback(shape.text);
    case 'unmapped':
      unmapped.push(shape.text);
      return fallback(shape.text);
    default:
      return commonSchema(shape);
  }
}

/** Object keys of a Map read as its key type: the key's text form, or undefined when JSONEachRow cannot read it. */
function keyInputSchema(key: Shape): JsonObject | true | undefined {
  switch (key.kind) {
    case 'string':
      return true;
    case 'int': {
      const { min, max } = integerRange(key);
      return { type: 'string', pattern: `^${integerRangePattern(min, max)}$` };
    }
    case 'fixed':
    case 'uuid':
    case 'ipv4':
    case 'ipv6':
    case 'date':
    case 'datetime':
    case 'enum':
      return inputSchema(key, []);
    default:
      return undefined;
  }
}

/**
 * DateTime text both ways the engine reads it faithfully under best_effort: RFC 3339 with an offset,
 * anywhere in the type's range; or 'YYYY-MM-DD hh:mm:ss' in the column's time zone, in years that
 * stay in range in any time zone (the engine clamps what falls outside). Seconds past the type's
 * precision would be cut, `24:00:00` and `23:59:60` roll over, and lowercase `t`/`z` are refused
 * by the engine, so the patterns exclude them. A naive time that does not exist in the zone (02:30
 * on a spring-forward day) is read with the offset after the change; only RFC 3339 avoids that.
 */
function dateTimeInput(shape: Extract<Shape, { kind: 'datetime' }>): JsonObject {
  const range = !shape.wide
    ? { first: '1970-01-01T00:00:00Z', last: '2106-02-07T06:28:15Z', years: [1971, 2105] }
    : shape.precision === 9
      ? // Nanoseconds in an Int64 end in 2262; the limit is a millisecond early, as ajv compares milliseconds.
        { first: '1900-01-01T00:00:00Z', last: '2262-04-11T23:47:16.853Z', years: [1901, 2261] }
      : { first: '1900-01-01T00:00:00Z', last: '2299-12-31T23:59:59.999Z', years: [1901, 2298] };
  const fraction = shape.precision > 0 ? `(?:\\.[0-9]{1,${shape.precision}})?` : '';
  const zone = shape.timezone === undefined ? "the server's time zone" : `time zone ${shape.timezone}`;
  return {
    description:
      `an instant as RFC 3339 with its offset (2024-01-31T09:30:00Z), or 'YYYY-MM-DD hh:mm:ss' in ${zone} ` +
      `(years ${range.years[0]} to ${range.years[1]})${shape.precision > 0 ? `, with at most ${shape.precision} digits of seconds' fraction` : ''}`,
    anyOf: [
      {
        type: 'string',
        format: 'date-time',
        pattern: `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]${fraction}(?:Z|[+-][0-9]{2}:[0-9]{2})$`,
        formatMinimum: range.first,
        formatMaximum: range.last,
      },
      { type: 'string', pattern: `^${calendarDatePattern(range.years[0]!, range.years[1]!)}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]${fraction}$` },
    ],
  };
}

// What both directions share.

/** Scalars written and read the same way. */
function commonSchema(shape: Shape): JsonObject {
  switch (shape.kind) {
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'ipv4':
      return { type: 'string', format: 'ipv4' };
    case 'ipv6':
      return { type: 'string', format: 'ipv6' };
    case 'enum':
      return { type: 'string', enum: [...shape.names] };
    case 'nothing':
      // No value has type Nothing: it is the type of NULL and of the items of an empty array.
      return { not: {} };
    default:
      throw new Error(`mcpc internal error: no common schema for ${shape.kind}`);
  }
}

function tupleSchema(shape: Extract<Shape, { kind: 'tuple' }>, schemaOf: (s: Shape) => JsonObject, isRequired: (s: Shape) => boolean): JsonObject {
  const { elements } = shape;
  if (elements.length === 0 || elements[0]!.name === undefined) {
    const items = elements.map((e) => schemaOf(e.shape));
    return items.length === 0 ? { type: 'array', maxItems: 0 } : { type: 'array', prefixItems: items, items: false, minItems: items.length };
  }
  return objectSchema(elements.map((e) => ({ name: e.name!, schema: schemaOf(e.shape), required: isRequired(e.shape) })));
}

function elementInput(name: string, shape: Shape, unmapped: string[]): { name: string; schema: JsonObject; required: boolean } {
  return { name, schema: inputSchema(shape, unmapped), required: shape.kind !== 'nullable' };
}

function objectSchema(properties: ReadonlyArray<{ name: string; schema: JsonObject; required: boolean }>): JsonObject {
  return {
    type: 'object',
    properties: Object.fromEntries(properties.map((p) => [p.name, p.schema])),
    required: properties.filter((p) => p.required).map((p) => p.name),
    additionalProperties: false,
  };
}

/** The schema that also admits null. */
function withNull(schema: JsonObject): JsonObject {
  if ('not' in schema) return { type: 'null' };
  const { type } = schema;
  if (typeof type === 'string' || Array.isArray(type)) {
    const types = typeof type === 'string' ? [type] : (type as string[]);
    return { ...schema, type: [...types, 'null'], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  }
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  return schema;
}

function fallback(text: string): JsonObject {
  return { description: `ClickHouse ${text}: mcpc does not map this type to JSON Schema, so any value is allowed` };
}

/** What the engine writes for NaN and the infinities under output_format_json_quote_denormals (and reads back). */
const NON_FINITE = '^-?(?:nan|inf)$';

/** The largest Float32 as the engine writes it; it reads anything above as inf. BFloat16 truncates from Float32, so the same. */
const FLOAT32_MAX = 3.4028235e38;

function integerRange(shape: { bits: number; signed: boolean }): { min: bigint; max: bigint } {
  const bits = BigInt(shape.bits);
  return shape.signed ? { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n } : { min: 0n, max: (1n << bits) - 1n };
}

function integerBounds(shape: { bits: number; signed: boolean }): { minimum: number; maximum: number } {
  const { min, max } = integerRange(shape);
  return { minimum: Number(min), maximum: Number(max) };
}

function decimalPattern(shape: { precision: number; scale: number }): string {
  const whole = shape.precision - shape.scale;
  const integer = whole === 0 ? '0' : whole === 1 ? '[0-9]' : `(?:0|[1-9][0-9]{0,${whole - 1}})`;
  const fraction = shape.scale > 0 ? `(?:\\.[0-9]{1,${shape.scale}})?` : '';
  return `^-?${integer}${fraction}$`;
}

/** What decimalPattern writes, for any precision and scale. */
const DECIMAL_PATTERN_SHAPE = /^\^-\?(?:0|\[0-9\]|\(\?:0\|\[1-9\]\[0-9\]\{0,[0-9]+\}\))(?:\(\?:\\\.\[0-9\]\{1,[0-9]+\}\)\?)?\$$/;

/** Time and Time64: [-]hhh:mm:ss[.fff], up to 999 hours either way; the engine writes exactly `precision` digits. */
function timePattern(precision: number, exact: boolean): string {
  const fraction = precision === 0 ? '' : exact ? `\\.[0-9]{${precision}}` : `(?:\\.[0-9]{1,${precision}})?`;
  return `^-?[0-9]{2,3}:[0-5][0-9]:[0-5][0-9]${fraction}$`;
}

// Patterns for number ranges, built digit by digit.

/** Decimal integers from min to max, written without leading zeros (and no "-0"). */
function integerRangePattern(min: bigint, max: bigint): string {
  const positive = max >= 0n ? upTo(max.toString(), true) : undefined;
  const negative = min < 0n ? `-${upTo((-min).toString(), false)}` : undefined;
  return `(?:${[positive, negative].filter((p) => p !== undefined).join('|')})`;
}

/** 0 (when allowed) or 1 up to max, without leading zeros. */
function upTo(max: string, zero: boolean): string {
  const length = max.length;
  const parts: string[] = [];
  if (zero) parts.push('0');
  if (length === 1) parts.push(digits(1, Number(max)));
  else {
    parts.push(length === 2 ? '[1-9]' : `[1-9][0-9]{0,${length - 2}}`);
    parts.push(sameLength(`1${'0'.repeat(length - 1)}`, max));
  }
  return `(?:${parts.join('|')})`;
}

/** The numbers from lo to hi, both written with the same number of digits. */
function sameLength(lo: string, hi: string): string {
  if (lo === hi) return lo;
  const rest = lo.length - 1;
  const [first, last] = [Number(lo[0]), Number(hi[0])];
  if (first === last) return `${first}${sameLength(lo.slice(1), hi.slice(1))}`;
  const any = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
  const fromBottom = /^0*$/.test(lo.slice(1));
  const toTop = /^9*$/.test(hi.slice(1));
  const parts: string[] = [];
  if (!fromBottom) parts.push(`${first}${sameLength(lo.slice(1), '9'.repeat(rest))}`);
  const [from, to] = [fromBottom ? first : first + 1, toTop ? last : last - 1];
  if (from <= to) parts.push(`${digits(from, to)}${any}`);
  if (!toTop) parts.push(`${last}${sameLength('0'.repeat(rest), hi.slice(1))}`);
  return parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`;
}

function digits(from: number, to: number): string {
  return from === to ? String(from) : `[${from}-${to}]`;
}

/** YYYY-MM-DD of real calendar dates (leap years included) in the years from first to last. */
function calendarDatePattern(first: number, last: number): string {
  const years = sameLength(String(first), String(last));
  const monthDay = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
  const leapYear = '(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)';
  return `(?:${years}-${monthDay}|(?=${years}-)${leapYear}-02-29)`;
}

// TypeScript.

function tsType(shape: Shape): string {
  switch (shape.kind) {
    case 'int':
      return shape.bits <= 32 ? 'number' : 'string';
    case 'float':
      return 'number | "nan" | "-nan" | "inf" | "-inf"';
    case 'bool':
      return 'boolean';
    case 'enum':
      return shape.names.map((n) => JSON.stringify(n)).join(' | ');
    case 'nothing':
      return 'never';
    case 'nullable': {
      const inner = tsType(shape.inner);
      return inner === 'never' ? 'null' : `${inner} | null`;
    }
    case 'array':
    case 'nested':
      return `Array<${tsType(shape.items)}>`;
    case 'map':
      return `Record<string, ${tsType(shape.value)}>`;
    case 'tuple':
      if (shape.elements.length === 0 || shape.elements[0]!.name === undefined) return `[${shape.elements.map((e) => tsType(e.shape)).join(', ')}]`;
      return tsObject(shape.elements.map((e) => ({ name: e.name!, type: tsType(e.shape) })));
    case 'unmapped':
      return 'unknown';
    default:
      return 'string';
  }
}

function tsObject(properties: ReadonlyArray<{ name: string; type: string }>): string {
  if (properties.length === 0) return '{}';
  const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
  return `{ ${properties.map((p) => `${key(p.name)}: ${p.type}`).join('; ')} }`;
}

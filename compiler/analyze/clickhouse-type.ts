/**
 * ClickHouse types as written in `{name:Type}` placeholders, and what each accepts from JSON.
 * Only types mcpc can bind faithfully are supported: ClickHouse silently wraps out-of-range
 * integers (300 bound to UInt8 becomes 44) and rolls invalid dates forward (2024-02-30 becomes
 * 2024-03-01), so every supported type also says which JSON Schema rules keep values in range.
 */
import { parseTypeText, TypeTextError } from '../../runtime/contract/clickhouse-type-text.js';

export interface ClickHouseType {
  /** The constructor name (`Nullable`, `Array`, `UInt32`, ...). */
  name: string;
  /** Raw argument texts, split at top-level commas. */
  args: string[];
  /** The whole type as written. */
  text: string;
}

export type JsonTypeName = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** How a JSON value is turned into the value bound to the placeholder. */
export type Encoding = 'value' | 'json' | 'epoch-seconds';

export interface TypeRules {
  /** JSON types a param may declare for this placeholder. */
  accepts: JsonTypeName[];
  nullable: boolean;
  /**
   * Schema rules that keep a value valid for the type, per declared JSON type; they are merged
   * into the param's schema, so callers learn the range from `tools/list` and bad values are
   * refused before they reach ClickHouse.
   */
  constraints: Partial<Record<JsonTypeName, Record<string, unknown>>>;
  /** Formats a string param may declare; absent means any. */
  formats?: string[];
  /** For Array(T): the rules of T, checked against the param's `items`. */
  items?: TypeRules;
  /** A value of the type that parses, used to ask the engine for the query's AST. */
  sample: unknown;
}

export class UnsupportedTypeError extends Error {}

/** Parses `Array(Nullable(String))` into its constructor and argument texts. */
export function parseClickHouseType(text: string): ClickHouseType {
  try {
    const node = parseTypeText(text);
    return { name: node.name, args: node.args.map((arg) => arg.text), text: node.text };
  } catch (error) {
    if (error instanceof TypeTextError) throw new UnsupportedTypeError(error.message);
    throw error;
  }
}

const INTEGER_RANGES: Record<string, { min?: number; max?: number; unsigned: boolean }> = {
  UInt8: { min: 0, max: 255, unsigned: true },
  UInt16: { min: 0, max: 65535, unsigned: true },
  UInt32: { min: 0, max: 4294967295, unsigned: true },
  UInt64: { min: 0, unsigned: true },
  UInt128: { min: 0, unsigned: true },
  UInt256: { min: 0, unsigned: true },
  Int8: { min: -128, max: 127, unsigned: false },
  Int16: { min: -32768, max: 32767, unsigned: false },
  Int32: { min: -2147483648, max: 2147483647, unsigned: false },
  Int64: { unsigned: false },
  Int128: { unsigned: false },
  Int256: { unsigned: false },
};

/**
 * The range each date type stores. ClickHouse clamps a value outside it without a word
 * (`1900-01-01` bound to Date becomes 1970-01-01), so the input schema refuses it instead:
 * `formatMinimum`/`formatMaximum` for text, `minimum`/`maximum` for epoch seconds.
 */
const DATE_RANGES: Record<string, { first: string; last: string; firstEpoch?: number; lastEpoch?: number }> = {
  Date: { first: '1970-01-01', last: '2149-06-06' },
  Date32: { first: '1900-01-01', last: '2299-12-31' },
  DateTime: { first: '1970-01-01T00:00:00Z', last: '2106-02-07T06:28:15Z', firstEpoch: 0, lastEpoch: 4294967295 },
  DateTime64: { first: '1900-01-01T00:00:00Z', last: '2299-12-31T23:59:59.999Z', firstEpoch: -2208988800, lastEpoch: 10413791999 },
};

const STRING_FORMATS: Record<string, { format: string; sample: string }> = {
  UUID: { format: 'uuid', sample: '00000000-0000-0000-0000-000000000000' },
  IPv4: { format: 'ipv4', sample: '0.0.0.0' },
  IPv6: { format: 'ipv6', sample: '::' },
};

/** What JSON a placeholder of this type accepts, or UnsupportedTypeError. */
export function typeRules(type: ClickHouseType): TypeRules {
  const { name, args } = type;
  if (name === 'Nullable' || name === 'LowCardinality') {
    const inner = typeRules(parseClickHouseType(onlyArg(type)));
    return name === 'Nullable' ? { ...inner, nullable: true, sample: null } : inner;
  }
  const range = INTEGER_RANGES[name];
  if (range) {
    const bounds = { ...(range.min === undefined ? {} : { minimum: range.min }), ...(range.max === undefined ? {} : { maximum: range.max }) };
    // Integers beyond 2^53 lose precision in JSON numbers, so wide types also take digit strings.
    const wide = range.max === undefined;
    return {
      accepts: wide ? ['integer', 'string'] : ['integer'],
      nullable: false,
      constraints: { integer: bounds, ...(wide ? { string: { pattern: range.unsigned ? '^[0-9]+$' : '^-?[0-9]+$' } } : {}) },
      ...(wide ? { formats: [] } : {}),
      sample: 0,
    };
  }
  if (name === 'Float32' || name === 'Float64' || name === 'BFloat16') return { accepts: ['number', 'integer'], nullable: false, constraints: {}, sample: 0 };
  if (name === 'Decimal' || /^Decimal(32|64|128|256)$/.test(name)) {
    return {
      accepts: ['number', 'integer', 'string'],
      nullable: false,
      constraints: { string: { pattern: '^-?[0-9]+(\\.[0-9]+)?$' } },
      formats: [],
      sample: '0',
    };
  }
  if (name === 'Bool' || name === 'Boolean') return { accepts: ['boolean'], nullable: false, constraints: {}, sample: false };
  // A String placeholder also takes lists and mappings, bound as their JSON text (for format()).
  if (name === 'String' || name === 'FixedString')
    return { accepts: name === 'String' ? ['string', 'array', 'object'] : ['string'], nullable: false, constraints: {}, sample: '' };
  const stringFormat = STRING_FORMATS[name];
  if (stringFormat) {
    return {
      accepts: ['string'],
      nullable: false,
      constraints: { string: { format: stringFormat.format } },
      formats: [stringFormat.format],
      sample: stringFormat.sample,
    };
  }
  const dateRange = DATE_RANGES[name];
  if (dateRange && (name === 'Date' || name === 'Date32')) {
    return {
      accepts: ['string'],
      nullable: false,
      constraints: { string: { format: 'date', formatMinimum: dateRange.first, formatMaximum: dateRange.last } },
      formats: ['date'],
      sample: '1970-01-01',
    };
  }
  if (dateRange) {
    return {
      accepts: ['string', 'integer'],
      nullable: false,
      constraints: {
        string: { format: 'date-time', formatMinimum: dateRange.first, formatMaximum: dateRange.last },
        integer: { minimum: dateRange.firstEpoch, maximum: dateRange.lastEpoch },
      },
      formats: ['date-time'],
      sample: '1970-01-01 00:00:00',
    };
  }
  if (name === 'Enum8' || name === 'Enum16' || name === 'Enum') {
    const names = args.map((arg) => /^'((?:[^'\\]|\\.)*)'/.exec(arg)?.[1]).filter((n): n is string => n !== undefined);
    return { accepts: ['string'], nullable: false, constraints: names.length > 0 ? { string: { enum: names } } : {}, sample: names[0] ?? '' };
  }
  if (name === 'Array') {
    const items = typeRules(parseClickHouseType(onlyArg(type)));
    return { accepts: ['array'], nullable: false, constraints: {}, items, sample: [] };
  }
  if (name === 'Map') return { accepts: ['object'], nullable: false, constraints: {}, sample: {} };
  throw new UnsupportedTypeError(`mcpc cannot bind a JSON value to ClickHouse type ${type.text}`);
}

function onlyArg(type: ClickHouseType): string {
  if (type.args.length !== 1) throw new UnsupportedTypeError(`${type.name} takes one type argument, not '${type.text}'`);
  return type.args[0]!;
}

/** How the runtime turns the JSON value into the bound value for this placeholder type. */
export function encodingFor(type: ClickHouseType, jsonType: JsonTypeName | undefined): Encoding {
  const base = unwrap(type);
  if (base.name === 'String' && (jsonType === 'array' || jsonType === 'object')) return 'json';
  // ClickHouse does not parse RFC 3339 text ("...T10:00:00Z") as a DateTime parameter, but it
  // parses epoch seconds unambiguously (when written with enough digits), so date-time strings
  // and epoch integers are both written as epoch seconds at bind time.
  if ((base.name === 'DateTime' || base.name === 'DateTime64') && (jsonType === 'string' || jsonType === 'integer')) return 'epoch-seconds';
  return 'value';
}

/** The type under Nullable and LowCardinality wrappers. */
function unwrap(type: ClickHouseType): ClickHouseType {
  if (type.name === 'Nullable' || type.name === 'LowCardinality') return unwrap(parseClickHouseType(onlyArg(type)));
  return type;
}

import type { DocPath } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import type { ParamSection } from '../validate/pipeline-file.js';
import type { JsonTypeName } from './clickhouse-type.js';
import type { JsonSchema, ParamIR } from './ir.js';

/** Keywords in the order they appear in generated schemas (stable output, readable diffs). */
const KEYWORD_ORDER = [
  'type',
  'description',
  'format',
  'formatMinimum',
  'formatMaximum',
  'enum',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'default',
] as const;

const KEYWORDS_BY_TYPE: Record<JsonTypeName, readonly string[]> = {
  string: ['format', 'minLength', 'maxLength', 'pattern'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
  boolean: [],
  array: ['items', 'minItems', 'maxItems', 'uniqueItems'],
  object: ['properties', 'required', 'additionalProperties'],
};
const TYPE_SPECIFIC = new Set(Object.values(KEYWORDS_BY_TYPE).flat());

/** The declared params of a tool or pipeline as JSON Schemas, before ClickHouse rules are added. */
export function analyzeParams(reporter: Reporter, at: DocPath, params: Record<string, ParamSection> | undefined): ParamIR[] {
  const out: ParamIR[] = [];
  for (const [name, section] of Object.entries(params ?? {})) {
    const schema = paramSchema(reporter, [...at, name], section);
    if (!schema) continue;
    out.push({ name, schema, required: !('default' in section), tsType: tsTypeOf(schema) });
  }
  return out;
}

/** The type a param declares, or the one its enum values imply. */
export function declaredType(schema: JsonSchema): JsonTypeName | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type as JsonTypeName;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') as JsonTypeName | undefined;
  return undefined;
}

/**
 * A param's JSON Schema. Mistakes are reported and the offending keyword left out, so the param
 * is still checked against its placeholder: one run reports every problem, not the first that hid
 * the others. Only a param whose type cannot be known is dropped.
 */
function paramSchema(reporter: Reporter, at: DocPath, section: ParamSection): JsonSchema | undefined {
  const type = section.type ?? inferFromEnum(section.enum);
  if (!type) {
    const why = section.enum ? 'its enum mixes values of different types' : 'it has neither a type nor an enum';
    reporter.error('MCPC_PARAM_INVALID', at, `param '${String(at.at(-1))}' needs a type: ${why}`, { part: 'key' });
    return undefined;
  }
  const schema: JsonSchema = { ...section, type };
  for (const keyword of Object.keys(section)) {
    if (TYPE_SPECIFIC.has(keyword) && !KEYWORDS_BY_TYPE[type].includes(keyword)) {
      reporter.error('MCPC_PARAM_INVALID', [...at, keyword], `'${keyword}' does not apply to a param of type ${type}`, { part: 'key' });
      delete schema[keyword];
    }
  }
  // `default: null`, or null among the enum values, is how a param says "may be NULL"; its schema must admit null.
  const nullable = section.default === null || (section.enum?.includes(null) ?? false);
  if (section.enum) {
    for (const [index, value] of section.enum.entries()) {
      if (value !== null && !matchesType(value, type)) {
        reporter.error('MCPC_PARAM_INVALID', [...at, 'enum', index], `enum value ${JSON.stringify(value)} is not of type ${type}`);
      }
    }
    schema.enum = nullable && !section.enum.includes(null) ? [...section.enum, null] : section.enum;
  }
  checkBounds(reporter, at, section, 'minimum', 'maximum');
  checkBounds(reporter, at, section, 'minLength', 'maxLength');
  checkBounds(reporter, at, section, 'minItems', 'maxItems');
  if (section.pattern !== undefined) {
    try {
      new RegExp(section.pattern, 'u');
    } catch (error) {
      reporter.error('MCPC_PARAM_INVALID', [...at, 'pattern'], `pattern is not a valid regular expression: ${(error as Error).message}`);
      delete schema.pattern;
    }
  }
  if (section.items && 'items' in schema) {
    const items = paramSchema(reporter, [...at, 'items'], section.items);
    if (items) schema.items = items;
    else delete schema.items;
  }
  if (section.properties && 'properties' in schema) {
    const properties: Record<string, JsonSchema> = {};
    for (const [key, property] of Object.entries(section.properties)) {
      const propertySchema = paramSchema(reporter, [...at, 'properties', key], property);
      if (propertySchema) properties[key] = propertySchema;
    }
    schema.properties = properties;
  }
  if (nullable) schema.type = [type, 'null'];
  return orderKeywords(schema);
}

function checkBounds(reporter: Reporter, at: DocPath, section: ParamSection, low: keyof ParamSection, high: keyof ParamSection): void {
  const min = section[low];
  const max = section[high];
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    reporter.error('MCPC_PARAM_INVALID', [...at, low], `${low} (${min}) is greater than ${high} (${max}); no value could pass`);
  }
}

/** The type an enum's values share; null (which makes the param nullable) does not count. */
function inferFromEnum(values: unknown[] | undefined): JsonTypeName | undefined {
  const typed = (values ?? []).filter((value) => value !== null);
  if (typed.length === 0) return undefined;
  const types = new Set(typed.map(jsonTypeOf));
  if (types.size === 1) return [...types][0] as JsonTypeName;
  if (types.size === 2 && types.has('integer') && types.has('number')) return 'number';
  return undefined;
}

export function jsonTypeOf(value: unknown): JsonTypeName | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonTypeName;
  return 'object';
}

function matchesType(value: unknown, type: JsonTypeName): boolean {
  const actual = jsonTypeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

export function orderKeywords(schema: JsonSchema): JsonSchema {
  const ordered: JsonSchema = {};
  for (const keyword of KEYWORD_ORDER) if (schema[keyword] !== undefined) ordered[keyword] = schema[keyword];
  return ordered;
}

/** The TypeScript type of a value that satisfies `schema` (defaults already applied). */
export function tsTypeOf(schema: JsonSchema): string {
  const nullable = Array.isArray(schema.type) && schema.type.includes('null');
  const base = tsBaseType(schema);
  return nullable ? `${base} | null` : base;
}

function tsBaseType(schema: JsonSchema): string {
  if (schema.type === undefined && Array.isArray(schema.anyOf)) {
    // Alternatives (a DateTime read as RFC 3339 or as local text): the union of each.
    return [...new Set((schema.anyOf as JsonSchema[]).map(tsTypeOf))].join(' | ');
  }
  if (Array.isArray(schema.type) && schema.type.filter((t) => t !== 'null').length > 1 && !Array.isArray(schema.enum)) {
    // Several types (an Int64 read as a number or as digits): the union of each.
    const each = (schema.type as string[]).filter((t) => t !== 'null').map((type) => tsBaseType({ ...schema, type }));
    return [...new Set(each)].join(' | ');
  }
  if (Array.isArray(schema.enum))
    return schema.enum
      .filter((value) => value !== null)
      .map((value) => JSON.stringify(value))
      .join(' | ');
  switch (declaredType(schema)) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const items = schema.items as JsonSchema | undefined;
      return items ? `Array<${tsTypeOf(items)}>` : 'unknown[]';
    }
    case 'object': {
      const properties = schema.properties as Record<string, JsonSchema> | undefined;
      if (!properties || Object.keys(properties).length === 0) return 'Record<string, unknown>';
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const fields = Object.entries(properties).map(([key, value]) => {
        const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
        return `${name}${required.has(key) ? '' : '?'}: ${tsTypeOf(value)}`;
      });
      return `{ ${fields.join('; ')} }`;
    }
    default:
      return 'unknown';
  }
}

/** The input schema of a tool or pipeline: an object of its params, closed to unknown arguments. */
export function inputSchemaOf(params: readonly ParamIR[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const param of params) properties[param.name] = param.schema;
  const required = params.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

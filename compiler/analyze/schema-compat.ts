import type { JsonSchema } from './ir.js';

/** A way values of one schema may not be values of another, at a path in the value (`[].amount`; empty: the value itself). */
export interface Mismatch {
  path: string;
  problem: string;
  /** error: no value of the source fits (or the shapes differ); warning: some values would be refused at run time. */
  severity: 'error' | 'warning';
}

/**
 * How the values of one JSON Schema (what a step returns, a pipeline's param) may fail another (a
 * callee's param), field by field through objects and lists: types and null, the fields an object
 * must have, formats (a `date` where a `date-time` is taken), enum values, and number ranges (a
 * UInt8 column into `maximum: 100` is a warning: values above 100 would be refused when the step
 * runs). Schemas of unknown shape (`{}`, an object without properties) are taken as compatible.
 */
export function mismatches(source: JsonSchema, target: JsonSchema, path = ''): Mismatch[] {
  const sourceTypes = typesOf(source);
  const targetTypes = typesOf(target);
  if (sourceTypes && targetTypes) {
    if (sourceTypes.has('null') && !targetTypes.has('null')) return [{ path, problem: 'may be null, which the param does not take', severity: 'error' }];
    const accepted = (type: string) => type === 'null' || targetTypes.has(type) || (type === 'integer' && targetTypes.has('number'));
    if (![...sourceTypes].every(accepted)) {
      return [{ path, problem: `is ${describeTypes(sourceTypes)}, where the param takes ${describeTypes(targetTypes)}`, severity: 'error' }];
    }
  }
  const found: Mismatch[] = [];
  if (typeof target.format === 'string' && source.format !== target.format && sourceTypes?.has('string')) {
    const given = `a ${String(source.format)}`;
    found.push({
      path,
      problem:
        typeof source.format === 'string'
          ? `is ${given}, where the param takes a ${target.format}`
          : `is any text, where the param takes a ${target.format}: text that is not one is refused when the step runs`,
      severity: typeof source.format === 'string' ? 'error' : 'warning',
    });
  }
  if (Array.isArray(target.enum)) found.push(...enumMismatch(source, target.enum, path));
  found.push(...rangeMismatch(source, target, path));
  if (sourceTypes?.has('object') && targetTypes?.has('object')) found.push(...objectMismatches(source, target, path));
  if (sourceTypes?.has('array') && targetTypes?.has('array')) {
    const sourceItems = source.items as JsonSchema | undefined;
    const targetItems = target.items as JsonSchema | undefined;
    if (sourceItems && targetItems) found.push(...mismatches(sourceItems, targetItems, `${path}[]`));
  }
  return found;
}

function objectMismatches(source: JsonSchema, target: JsonSchema, path: string): Mismatch[] {
  const sourceFields = source.properties as Record<string, JsonSchema> | undefined;
  const targetFields = target.properties as Record<string, JsonSchema> | undefined;
  if (!sourceFields || !targetFields) return [];
  const found: Mismatch[] = [];
  const sourceRequired = new Set((source.required as string[] | undefined) ?? []);
  for (const name of (target.required as string[] | undefined) ?? []) {
    if (!(name in sourceFields)) {
      found.push({ path, problem: `has no field '${name}', which the param requires; it has ${Object.keys(sourceFields).join(', ')}`, severity: 'error' });
    } else if (!sourceRequired.has(name)) {
      found.push({ path: `${path}.${name}`, problem: 'may be missing, and the param requires it', severity: 'warning' });
    }
  }
  for (const [name, schema] of Object.entries(targetFields)) {
    const given = sourceFields[name];
    if (given) found.push(...mismatches(given, schema, `${path}.${name}`));
  }
  if (target.additionalProperties === false) {
    const extra = Object.keys(sourceFields).filter((name) => !(name in targetFields));
    if (extra.length > 0)
      found.push({
        path,
        problem: `has field${extra.length > 1 ? 's' : ''} ${extra.map((e) => `'${e}'`).join(', ')}, which the param does not take`,
        severity: 'error',
      });
  }
  return found;
}

function enumMismatch(source: JsonSchema, allowed: unknown[], path: string): Mismatch[] {
  const key = (v: unknown) => JSON.stringify(v);
  const allowedKeys = new Set(allowed.map(key));
  if (!Array.isArray(source.enum)) {
    return [{ path, problem: `may be any value, where the param takes only ${allowed.map(key).join(', ')}`, severity: 'warning' }];
  }
  const outside = source.enum.filter((v) => !allowedKeys.has(key(v)));
  if (outside.length === 0) return [];
  return [
    {
      path,
      problem: `may be ${outside.map(key).join(', ')}, which the param does not take`,
      severity: outside.length === source.enum.length ? 'error' : 'warning',
    },
  ];
}

/** Number ranges: a source whose declared range goes beyond the target's. */
function rangeMismatch(source: JsonSchema, target: JsonSchema, path: string): Mismatch[] {
  const [sourceLow, sourceHigh] = rangeOf(source);
  const [targetLow, targetHigh] = rangeOf(target);
  if (targetLow === undefined && targetHigh === undefined) return [];
  const parts: string[] = [];
  if (targetLow !== undefined && (sourceLow === undefined || sourceLow < targetLow)) parts.push(`below ${targetLow}`);
  if (targetHigh !== undefined && (sourceHigh === undefined || sourceHigh > targetHigh)) parts.push(`above ${targetHigh}`);
  // Only where the source declares a range: an unbounded number into a bounded param is the usual case, checked when the step runs.
  if (parts.length === 0 || (sourceLow === undefined && sourceHigh === undefined)) return [];
  const disjoint =
    (sourceHigh !== undefined && targetLow !== undefined && sourceHigh < targetLow) ||
    (sourceLow !== undefined && targetHigh !== undefined && sourceLow > targetHigh);
  return [
    {
      path,
      problem: disjoint
        ? `is between ${sourceLow ?? '-∞'} and ${sourceHigh ?? '∞'}, where the param takes ${targetLow ?? '-∞'} to ${targetHigh ?? '∞'}: no value fits`
        : `may be ${parts.join(' or ')} (its range is ${sourceLow ?? '-∞'} to ${sourceHigh ?? '∞'}), which the param refuses when the step runs`,
      severity: disjoint ? 'error' : 'warning',
    },
  ];
}

function rangeOf(schema: JsonSchema): [number | undefined, number | undefined] {
  const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return [number(schema.minimum) ?? number(schema.exclusiveMinimum), number(schema.maximum) ?? number(schema.exclusiveMaximum)];
}

/** The JSON types a schema allows, or undefined when it does not say (`{}`, anyOf). */
function typesOf(schema: JsonSchema): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type)) return new Set(schema.type as string[]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((v) => (v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v)));
  return undefined;
}

function describeTypes(types: Set<string>): string {
  const names = [...types].filter((t) => t !== 'null');
  const text = names.length <= 1 ? (names[0] ?? 'null') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return types.has('null') && names.length > 0 ? `${text} or null` : text;
}

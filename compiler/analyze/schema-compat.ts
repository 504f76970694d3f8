import type { JsonSchema } from './ir.js';

/**
 * Whether every value of one JSON Schema (what a step returns) is of the types another (a param)
 * takes, field by field: the types, null, the fields an object must have, list items. Bounds,
 * patterns and formats are left to the callee's own validation when the call runs (a UInt8 column
 * passed to a param with maximum 100 is fine until a row holds 200). Schemas of unknown shape
 * (`{}`, an object without properties) are taken as compatible.
 *
 * Gives the first mismatch, with where it is in the value (`[].amount`, empty for the value
 * itself); undefined when compatible.
 */
export function incompatibility(source: JsonSchema, target: JsonSchema, path = ''): { path: string; problem: string } | undefined {
  const sourceTypes = typesOf(source);
  const targetTypes = typesOf(target);
  if (sourceTypes && targetTypes) {
    if (sourceTypes.has('null') && !targetTypes.has('null')) return { path, problem: 'may be null, which the param does not take' };
    const accepted = (type: string) => type === 'null' || targetTypes.has(type) || (type === 'integer' && targetTypes.has('number'));
    if (![...sourceTypes].every(accepted)) return { path, problem: `is ${describeTypes(sourceTypes)}, where the param takes ${describeTypes(targetTypes)}` };
  }
  if (sourceTypes?.has('object') && targetTypes?.has('object')) {
    const sourceFields = source.properties as Record<string, JsonSchema> | undefined;
    const targetFields = target.properties as Record<string, JsonSchema> | undefined;
    if (sourceFields && targetFields) {
      const sourceRequired = new Set((source.required as string[] | undefined) ?? []);
      for (const name of (target.required as string[] | undefined) ?? []) {
        if (!(name in sourceFields))
          return { path, problem: `has no field '${name}', which the param requires; it has ${Object.keys(sourceFields).join(', ')}` };
        if (!sourceRequired.has(name)) return { path: `${path}.${name}`, problem: 'may be missing, and the param requires it' };
      }
      for (const [name, schema] of Object.entries(targetFields)) {
        const given = sourceFields[name];
        const found = given && incompatibility(given, schema, `${path}.${name}`);
        if (found) return found;
      }
      if (target.additionalProperties === false) {
        const extra = Object.keys(sourceFields).find((name) => !(name in targetFields));
        if (extra !== undefined) return { path, problem: `has field '${extra}', which the param does not take` };
      }
    }
  }
  if (sourceTypes?.has('array') && targetTypes?.has('array')) {
    const sourceItems = source.items as JsonSchema | undefined;
    const targetItems = target.items as JsonSchema | undefined;
    if (sourceItems && targetItems) return incompatibility(sourceItems, targetItems, `${path}[]`);
  }
  return undefined;
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

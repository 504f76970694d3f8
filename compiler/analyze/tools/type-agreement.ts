import { explainArgError } from '../../../runtime/contract/args.js';
import type { DocPath } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import type { JsonTypeName, TypeRules } from '../clickhouse-type.js';
import type { JsonSchema, ParamIR } from '../ir.js';
import { declaredType, orderKeywords } from '../params.js';
import type { Placeholder } from '../sql-placeholders.js';
import { validatorFor } from '../schema-validators.js';

/**
 * Checks that a param's declared JSON type suits its placeholder's ClickHouse type, and returns
 * its schema with the type's own rules added (integer ranges, date formats, enum names), so a
 * value ClickHouse would silently wrap or roll over is refused before it is bound.
 */
export function agreeWithType(reporter: Reporter, at: DocPath, param: ParamIR, placeholder: Placeholder, rules: TypeRules): JsonSchema | undefined {
  const schema = mergeRules(reporter, at, param.schema, rules, placeholder.type, param.name);
  if (!schema) return undefined;
  const nullable = Array.isArray(schema.type) && schema.type.includes('null');
  if (nullable && !rules.nullable) {
    reporter.error(
      'MCPC_SQL_NOT_NULLABLE',
      [...at, 'default'],
      `param '${param.name}' defaults to null, but {${param.name}:${placeholder.type}} cannot be NULL`,
      {
        hint: `use {${param.name}:Nullable(${placeholder.type})}, or give a non-null default`,
      },
    );
    return undefined;
  }
  return schema;
}

function mergeRules(reporter: Reporter, at: DocPath, declared: JsonSchema, rules: TypeRules, chType: string, paramName: string): JsonSchema | undefined {
  const type = declaredType(declared);
  if (!type || !rules.accepts.includes(type)) {
    const allowed = rules.accepts.map(article).join(' or ');
    reporter.error(
      'MCPC_SQL_TYPE_MISMATCH',
      [...at, declared.type === undefined ? 'enum' : 'type'],
      `param '${paramName}' is ${type ? article(type) : 'untyped'}, but its placeholder type ${chType} takes ${allowed}`,
      {
        hint: `declare type: ${rules.accepts[0]}`,
      },
    );
    return undefined;
  }
  const merged: JsonSchema = { ...declared };
  const extra = rules.constraints[type] ?? {};
  if (type === 'string' && typeof declared.format === 'string' && rules.formats && !rules.formats.includes(declared.format)) {
    const expected = rules.formats.length > 0 ? `format ${rules.formats.join(' or ')}` : 'no format';
    reporter.error('MCPC_SQL_TYPE_MISMATCH', [...at, 'format'], `param '${paramName}' has format ${declared.format}, but ${chType} takes ${expected}`);
    return undefined;
  }
  for (const [keyword, value] of Object.entries(extra)) {
    const own = declared[keyword];
    if (own === undefined) {
      merged[keyword] = value;
    } else if (keyword === 'minimum' && typeof own === 'number' && own < (value as number)) {
      reporter.error(
        'MCPC_SQL_TYPE_MISMATCH',
        [...at, keyword],
        `param '${paramName}' allows ${own}, below the smallest ${chType} (${String(value)}); ClickHouse would not bind it faithfully`,
      );
      return undefined;
    } else if (keyword === 'maximum' && typeof own === 'number' && own > (value as number)) {
      reporter.error(
        'MCPC_SQL_TYPE_MISMATCH',
        [...at, keyword],
        `param '${paramName}' allows ${own}, above the largest ${chType} (${String(value)}); ClickHouse would wrap it around`,
      );
      return undefined;
    }
  }
  if (type === 'string' && Array.isArray(extra.enum) && Array.isArray(declared.enum)) {
    const names = extra.enum as unknown[];
    const outside = declared.enum.filter((value) => value !== null && !names.includes(value));
    if (outside.length > 0) {
      reporter.error(
        'MCPC_SQL_TYPE_MISMATCH',
        [...at, 'enum'],
        `param '${paramName}' allows ${outside.map((v) => JSON.stringify(v)).join(', ')}, which ${chType} does not have`,
      );
      return undefined;
    }
  }
  if (type === 'array' && rules.items) {
    const items = declared.items as JsonSchema | undefined;
    const itemRules = rules.items;
    const mergedItems = items
      ? mergeRules(reporter, [...at, 'items'], items, itemRules, chType.replace(/^Array\((.*)\)$/s, '$1'), `${paramName}[]`)
      : orderKeywords({ type: itemRules.accepts[0], ...(itemRules.constraints[itemRules.accepts[0]!] ?? {}) });
    if (!mergedItems) return undefined;
    merged.items = mergedItems;
  }
  return orderKeywords(merged);
}

/** A default must satisfy its own param, rules of its ClickHouse type included. */
export function checkDefault(reporter: Reporter, at: DocPath, schema: JsonSchema, chType: string): void {
  const { default: value, ...rest } = schema;
  if (value === null) return;
  const validate = validatorFor(rest);
  if (!validate(structuredClone(value))) {
    const problem = (validate.errors ?? []).map((e) => explainArgError(e, rest).replace(/^arguments /, 'the value ')).join('; ');
    reporter.error('MCPC_PARAM_INVALID', at, `default ${JSON.stringify(value)} does not satisfy its own param (bound as ${chType}): ${problem}`);
  }
}

function article(type: JsonTypeName | string): string {
  return (
    ({ integer: 'an integer', array: 'a list', object: 'an object', string: 'a string', number: 'a number', boolean: 'a boolean' } as Record<string, string>)[
      type
    ] ?? type
  );
}

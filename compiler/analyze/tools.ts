import type { DocPath, SourceLocation } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { locateInScalar, positionAt, locateNode } from '../parse/source-document.js';
import type { PipelineFile, QueryToolSection } from '../validate/pipeline-file.js';
import { encodingFor, parseClickHouseType, typeRules, UnsupportedTypeError, type JsonTypeName, type TypeRules } from './clickhouse-type.js';
import type { IdentifierAllocator } from './identifiers.js';
import type { BindingIR, JsonSchema, ParamIR, ResourceIR, ToolIR } from './ir.js';
import { analyzeParams, declaredType, inputSchemaOf, orderKeywords, tsTypeOf } from './params.js';
import { validatorFor } from './schema-validators.js';
import type { SqlChecker } from './sql-checker.js';
import { findPlaceholders, type Placeholder } from './sql-placeholders.js';

/** What every query tool returns in `structuredContent`. */
export const QUERY_OUTPUT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    rows: { type: 'array', items: { type: 'object' } },
    row_count: { type: 'integer', minimum: 0 },
    truncated: { type: 'boolean' },
  },
  required: ['rows', 'row_count', 'truncated'],
};

export interface ToolContext {
  reporter: Reporter;
  file: PipelineFile;
  resources: ResourceIR[];
  identifiers: IdentifierAllocator;
  sql: SqlChecker;
}

/** Analyzes every query tool; tools of kinds this version does not build are reported elsewhere. */
export async function analyzeQueryTools(ctx: ToolContext): Promise<ToolIR[]> {
  const tools: ToolIR[] = [];
  const queryTools = Object.entries(ctx.file.tools ?? {}).filter((entry): entry is [string, QueryToolSection] => entry[1].kind === 'query');
  await ctx.sql.formatAhead(queryTools.map(([, section]) => section.sql));
  for (const [name, section] of queryTools) {
    const tool = await analyzeQueryTool(ctx, name, section);
    if (tool) tools.push(tool);
  }
  return tools;
}

async function analyzeQueryTool(ctx: ToolContext, name: string, section: QueryToolSection): Promise<ToolIR | undefined> {
  const { reporter } = ctx;
  const at: DocPath = ['tools', name];
  const before = reporter.diagnostics.length;
  const identifier = ctx.identifiers.allocate(name);
  const source = resolveSource(ctx, name, section);
  const params = analyzeParams(reporter, [...at, 'params'], section.params);
  const declaredParams = Object.keys(section.params ?? {});

  if (section.sql.includes('${')) {
    reporter.error('MCPC_REF_BAD_EXPRESSION', [...at, 'sql'], `SQL cannot interpolate \${...}: values are bound server-side as {name:Type} placeholders`, {
      at: locateInScalar(reporter.doc, [...at, 'sql'], '${'),
      hint: 'write {from:Date} and declare a param named from',
    });
  }

  const placeholders = findPlaceholders(section.sql);
  const typeOf = new Map<string, Placeholder>();
  const rulesOf = new Map<string, TypeRules>();
  const occurrences = new Map<string, number>();
  for (const placeholder of placeholders) {
    const occurrence = occurrences.get(placeholder.raw) ?? 0;
    occurrences.set(placeholder.raw, occurrence + 1);
    const where = locateInScalar(reporter.doc, [...at, 'sql'], placeholder.raw, occurrence);
    if (!declaredParams.includes(placeholder.name)) {
      reporter.error(
        'MCPC_SQL_PLACEHOLDER_UNDECLARED',
        [...at, 'sql'],
        `placeholder {${placeholder.name}:${placeholder.type}} has no declared param${didYouMean(placeholder.name, declaredParams)}`,
        {
          at: where,
          hint: `declare it under tools.${name}.params`,
        },
      );
      continue;
    }
    const earlier = typeOf.get(placeholder.name);
    if (earlier) {
      if (earlier.type !== placeholder.type) {
        reporter.error(
          'MCPC_SQL_PLACEHOLDER_CONFLICT',
          [...at, 'sql'],
          `placeholder '${placeholder.name}' is used as ${earlier.type} and as ${placeholder.type}; one param binds one type`,
          { at: where },
        );
      }
      continue;
    }
    typeOf.set(placeholder.name, placeholder);
    try {
      rulesOf.set(placeholder.name, typeRules(parseClickHouseType(placeholder.type)));
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      reporter.error('MCPC_SQL_TYPE_UNSUPPORTED', [...at, 'sql'], `{${placeholder.name}:${placeholder.type}}: ${error.message}`, { at: where });
    }
  }
  for (const param of declaredParams) {
    if (!typeOf.has(param)) {
      reporter.error(
        'MCPC_SQL_PARAM_UNUSED',
        [...at, 'params', param],
        `param '${param}' of tool '${name}' is never used in its SQL; bind it as {${param}:Type} or remove it`,
        { part: 'key' },
      );
    }
  }

  const bindings: BindingIR[] = [];
  const boundParams: ParamIR[] = [];
  for (const param of params) {
    const placeholder = typeOf.get(param.name);
    const rules = rulesOf.get(param.name);
    if (!placeholder || !rules) continue;
    const schema = agreeWithType(reporter, [...at, 'params', param.name], param, placeholder, rules);
    if (!schema) continue;
    if (!param.required) checkDefault(reporter, [...at, 'params', param.name, 'default'], schema, placeholder.type);
    boundParams.push({ ...param, schema, tsType: tsTypeOf(schema) });
    bindings.push({ param: param.name, clickhouseType: placeholder.type, encoding: encodingFor(parseClickHouseType(placeholder.type), declaredType(schema)) });
  }

  if (reporter.diagnostics.slice(before).some((d) => d.severity === 'error') || !source) return undefined;

  const verdict = await ctx.sql.check(
    section.sql,
    [...rulesOf.entries()].map(([param, rules]) => ({ name: param, type: typeOf.get(param)!.type, sample: rules.sample })),
  );
  if (!verdict.ok) {
    const sqlPath = [...at, 'sql'];
    if (verdict.problem === 'undeclared-placeholder') {
      reporter.error('MCPC_SQL_PLACEHOLDER_UNDECLARED', sqlPath, `the SQL uses placeholder '${verdict.name}', which has no declared param`);
    } else {
      const code = (
        {
          syntax: 'MCPC_SQL_SYNTAX',
          'multi-statement': 'MCPC_SQL_MULTI_STATEMENT',
          'not-select': 'MCPC_SQL_NOT_SELECT',
          'forbidden-clause': 'MCPC_SQL_FORBIDDEN_CLAUSE',
        } as const
      )[verdict.problem];
      const where = verdict.offset === undefined ? undefined : locateSqlOffset(reporter, sqlPath, section.sql, verdict.offset);
      reporter.error(code, sqlPath, `SQL of tool '${name}': ${verdict.message}`, where ? { at: where } : {});
    }
    return undefined;
  }

  return {
    kind: 'query',
    name,
    identifier,
    ...(section.title === undefined ? {} : { title: section.title }),
    description: section.description,
    source,
    reads: section.reads ?? [],
    params: boundParams,
    inputSchema: inputSchemaOf(boundParams),
    outputSchema: QUERY_OUTPUT_SCHEMA,
    sql: verdict.canonical,
    bindings,
    at,
  };
}

/** The source a tool runs on: named, implied by what it reads, or the only one there is. */
function resolveSource(ctx: ToolContext, name: string, section: QueryToolSection): string | undefined {
  const { reporter, file } = ctx;
  const at = ['tools', name];
  const sourceNames = Object.keys(file.sources);
  const resourceNames = Object.keys(file.resources ?? {});
  let valid = true;
  if (section.source !== undefined && !(section.source in file.sources)) {
    reporter.error(
      'MCPC_REF_UNKNOWN_SOURCE',
      [...at, 'source'],
      `tool '${name}' names source '${section.source}', which is not defined${didYouMean(section.source, sourceNames)}`,
    );
    valid = false;
  }
  const readSources = new Map<string, number>();
  for (const [index, resource] of (section.reads ?? []).entries()) {
    const found = ctx.resources.find((r) => r.name === resource);
    if (!found) {
      if (!(resource in (file.resources ?? {}))) {
        reporter.error(
          'MCPC_REF_UNKNOWN_RESOURCE',
          [...at, 'reads', index],
          `tool '${name}' reads resource '${resource}', which is not defined${didYouMean(resource, resourceNames)}`,
        );
      }
      valid = false;
      continue;
    }
    if (!readSources.has(found.source)) readSources.set(found.source, index);
  }
  if (!valid) return undefined;
  if (readSources.size > 1) {
    reporter.error(
      'MCPC_SOURCE_MISMATCH',
      [...at, 'reads'],
      `tool '${name}' reads resources on several sources (${[...readSources.keys()].join(', ')}); one query runs on one source`,
    );
    return undefined;
  }
  const implied = [...readSources.keys()][0];
  if (section.source !== undefined) {
    if (implied !== undefined && implied !== section.source) {
      reporter.error('MCPC_SOURCE_MISMATCH', [...at, 'source'], `tool '${name}' runs on source '${section.source}' but reads resources on source '${implied}'`);
      return undefined;
    }
    return section.source;
  }
  if (implied !== undefined) return implied;
  if (sourceNames.length === 1) return sourceNames[0];
  reporter.error('MCPC_SOURCE_AMBIGUOUS', at, `tool '${name}' reads no resource and names no source, and there are ${sourceNames.length} sources`, {
    part: 'key',
    hint: `add source: ${sourceNames[0]} (or reads: [...])`,
  });
  return undefined;
}

/**
 * Checks that a param's declared JSON type suits its placeholder's ClickHouse type, and returns
 * its schema with the type's own rules added (integer ranges, date formats, enum names), so a
 * value ClickHouse would silently wrap or roll over is refused before it is bound.
 */
function agreeWithType(reporter: Reporter, at: DocPath, param: ParamIR, placeholder: Placeholder, rules: TypeRules): JsonSchema | undefined {
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
    const outside = declared.enum.filter((value) => !names.includes(value));
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

function checkDefault(reporter: Reporter, at: DocPath, schema: JsonSchema, chType: string): void {
  const { default: value, ...rest } = schema;
  if (value === null) return;
  const validate = validatorFor(rest);
  if (!validate(value)) {
    const problem = (validate.errors ?? []).map((e) => `${e.instancePath || 'value'} ${e.message ?? 'is invalid'}`).join('; ');
    reporter.error('MCPC_PARAM_INVALID', at, `default ${JSON.stringify(value)} does not satisfy its own param (bound as ${chType}): ${problem}`);
  }
}

/** Places an engine-reported offset in the SQL at its line and column in the pipeline file. */
function locateSqlOffset(reporter: Reporter, path: DocPath, sql: string, offset: number): SourceLocation | undefined {
  const before = sql.slice(0, offset);
  const lineIndex = before.split('\n').length - 1;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineText = sql.slice(lineStart, sql.indexOf('\n', lineStart) < 0 ? undefined : sql.indexOf('\n', lineStart));
  const node = locateNode(reporter.doc, path);
  const range = node?.range;
  if (!range || lineText.trim() === '') return undefined;
  // Find the same source line inside the scalar's raw text: the nth non-blank match after the start.
  const raw = reporter.doc.text.slice(range[0], range[1]);
  const sqlLines = sql.split('\n');
  let searchFrom = 0;
  for (let i = 0; i <= lineIndex; i++) {
    const text = (sqlLines[i] ?? '').trim();
    if (text === '') continue;
    const found = raw.indexOf(text, searchFrom);
    if (found < 0) return undefined;
    if (i === lineIndex) {
      const column = offset - lineStart - ((sqlLines[i] ?? '').length - (sqlLines[i] ?? '').trimStart().length);
      return positionAt(reporter.doc, range[0] + found + Math.max(0, column));
    }
    searchFrom = found + text.length;
  }
  return undefined;
}

function article(type: JsonTypeName | string): string {
  return (
    ({ integer: 'an integer', array: 'a list', object: 'an object', string: 'a string', number: 'a number', boolean: 'a boolean' } as Record<string, string>)[
      type
    ] ?? type
  );
}

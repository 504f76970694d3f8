import type { DocPath, SourceLocation } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import { didYouMean } from '../../diagnostics/suggest.js';
import { locateInScalar, locateNode, positionAt } from '../../parse/source-document.js';
import type { ParamSection } from '../../validate/pipeline-file.js';
import { encodingFor, parseClickHouseType, typeRules, UnsupportedTypeError, type TypeRules } from '../clickhouse-type.js';
import type { BindingIR, BoundSqlIR, JsonSchema, ParamIR } from '../ir.js';
import { analyzeParams, declaredType, orderKeywords, tsTypeOf } from '../params.js';
import type { PlaceholderSample } from '../sql-checker.js';
import { findFormatInputs, structureText, type FormatInput } from './format-inputs.js';
import { structureSchemaOf } from '../../../runtime/contract/clickhouse-json.js';
import { withEmptyInputs } from '../../../runtime/contract/empty-inputs.js';
import type { EmptyInputSpec } from '../../../runtime/contract/spec.js';
import { scanPlaceholders, type Placeholder } from '../sql-placeholders.js';
import type { ToolScope } from './scope.js';
import { agreeWithType, checkDefault } from './type-agreement.js';

/** What a tool that runs declared SQL writes: its params and the SQL they bind into. */
export interface BoundSqlSection {
  params?: Record<string, ParamSection>;
  sql: string;
}

/** The result of the shared analysis: the params (with their ClickHouse rules) and the proven SQL. */
export interface BoundSql extends BoundSqlIR {
  params: ParamIR[];
}

/**
 * The analysis every kind that runs declared SQL shares: each `{name:Type}` placeholder has a
 * param and each param a placeholder, their types agree (and the type's rules join the param's
 * schema), and ClickHouse's own parser proves the SQL is one SELECT without FORMAT, INTO OUTFILE
 * or SETTINGS. `mayCheckSql` is false when the tool already has errors: then the engine is not asked.
 */
export async function analyzeBoundSql(scope: ToolScope, at: DocPath, section: BoundSqlSection, mayCheckSql: boolean): Promise<BoundSql | undefined> {
  const { reporter } = scope;
  const name = String(at.at(-1));
  const sqlPath: DocPath = [...at, 'sql'];
  const before = reporter.diagnostics.length;
  const params = analyzeParams(reporter, [...at, 'params'], section.params);
  const declaredParams = Object.keys(section.params ?? {});

  if (section.sql.includes('${')) {
    reporter.error('MCPC_REF_BAD_EXPRESSION', sqlPath, `SQL cannot interpolate \${...}: values are bound server-side as {name:Type} placeholders`, {
      at: locateInScalar(reporter.doc, sqlPath, '${'),
      hint: 'write {from:Date} and declare a param named from',
    });
  }

  const scan = scanPlaceholders(section.sql);
  const locate = occurrenceLocator(reporter, sqlPath);
  for (const untyped of scan.untyped) {
    const param = params.find((p) => p.name === untyped.name);
    reporter.error(
      'MCPC_SQL_PLACEHOLDER_UNTYPED',
      sqlPath,
      `placeholder ${untyped.raw} has no ClickHouse type; write {${untyped.name}:Type}, the type its value is bound as`,
      {
        at: locate(untyped.raw)(),
        hint: `for example {${untyped.name}:${suggestedType(param)}}`,
      },
    );
  }
  const typeOf = new Map<string, Placeholder>();
  const rulesOf = new Map<string, TypeRules>();
  for (const placeholder of scan.placeholders) {
    const where = locate(placeholder.raw);
    if (!declaredParams.includes(placeholder.name)) {
      reporter.error(
        'MCPC_SQL_PLACEHOLDER_UNDECLARED',
        sqlPath,
        `placeholder {${placeholder.name}:${placeholder.type}} has no declared param${didYouMean(placeholder.name, declaredParams)}`,
        { at: where(), hint: `declare it under tools.${name}.params` },
      );
      continue;
    }
    const earlier = typeOf.get(placeholder.name);
    if (earlier) {
      if (earlier.type !== placeholder.type) {
        reporter.error(
          'MCPC_SQL_PLACEHOLDER_CONFLICT',
          sqlPath,
          `placeholder '${placeholder.name}' is used as ${earlier.type} and as ${placeholder.type}; one param binds one type`,
          { at: where() },
        );
      }
      continue;
    }
    typeOf.set(placeholder.name, placeholder);
    try {
      rulesOf.set(placeholder.name, typeRules(parseClickHouseType(placeholder.type)));
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      reporter.error('MCPC_SQL_TYPE_UNSUPPORTED', sqlPath, `{${placeholder.name}:${placeholder.type}}: ${error.message}`, { at: where() });
    }
  }
  const untypedNames = new Set(scan.untyped.map((u) => u.name));
  for (const param of declaredParams) {
    if (!typeOf.has(param) && !untypedNames.has(param)) {
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
    bindings.push({
      param: param.name,
      clickhouseType: placeholder.type,
      encoding: encodingFor(parseClickHouseType(placeholder.type), declaredType(schema)),
      sample: rules.sample,
    });
  }

  if (!mayCheckSql || reporter.diagnostics.slice(before).some((d) => d.severity === 'error')) return undefined;

  const verdict = await scope.sql.check(
    section.sql,
    [...rulesOf.entries()].map(([param, rules]) => ({ name: param, type: typeOf.get(param)!.type, sample: rules.sample })),
  );
  if (!verdict.ok) {
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
  const emptyInputs = await emptyInputsOf(
    scope,
    verdict.formatted,
    boundParams,
    bindings,
    [...rulesOf.entries()].map(([param, rules]) => ({ name: param, type: typeOf.get(param)!.type, sample: rules.sample })),
  );
  return { params: boundParams, sql: verdict.formatted, bindings, emptyInputs };
}

/**
 * The empty form of each list param read by `format()` (see `findFormatInputs`), each proven by
 * the engine like the SQL itself. A list read by `format()` without a structure cannot be empty
 * (the engine has no columns to give it), so its schema asks for at least one item instead.
 */
async function emptyInputsOf(
  scope: ToolScope,
  sql: string,
  params: ParamIR[],
  bindings: BindingIR[],
  samples: PlaceholderSample[],
): Promise<Record<string, EmptyInputSpec>> {
  const jsonParams = new Set(bindings.filter((b) => b.encoding === 'json').map((b) => b.param));
  const out: Record<string, EmptyInputSpec> = {};
  for (const input of findFormatInputs(sql, jsonParams)) {
    const param = params.find((p) => p.name === input.param);
    if (!param || declaredType(param.schema) !== 'array') continue;
    typeItemsByStructure(param, input);
    if (input.empty) {
      const variant = await scope.sql.check(
        withEmptyInputs(sql, [input.empty]),
        samples.filter((s) => s.name !== input.param),
      );
      if (variant.ok) {
        out[input.param] = input.empty;
        continue;
      }
    }
    if (param.schema.minItems === undefined) {
      param.schema = orderKeywords({ ...param.schema, minItems: 1 });
      param.tsType = tsTypeOf(param.schema);
    }
  }
  return out;
}

/**
 * A list read by `format(JSONEachRow, '<structure>', ...)` whose items are declared only as
 * objects gets the structure's row schema (`structureSchemaOf`): what the engine would change
 * without a word (300 into UInt8, a missing field read as 0) is refused when the call comes in,
 * and pipeline steps that pass rows to it are checked field by field. Other fields are allowed:
 * the engine skips them (input_format_skip_unknown_fields, pinned), so rows another tool returned
 * can be passed as they are.
 */
function typeItemsByStructure(param: ParamIR, input: FormatInput): void {
  if (input.format !== 'JSONEachRow' || input.structure === undefined) return;
  const items = param.schema.items as JsonSchema | undefined;
  if (items !== undefined && !(Object.keys(items).length === 1 && items.type === 'object')) return;
  let row: JsonSchema;
  try {
    row = structureSchemaOf(structureText(input.structure));
  } catch {
    return; // a structure this module does not read (DEFAULT expressions, ...): items stay as declared
  }
  const { additionalProperties: _skipped, ...open } = row;
  param.schema = orderKeywords({ ...param.schema, items: open });
  param.tsType = tsTypeOf(param.schema);
}

/**
 * Counts the occurrences of the same text in the SQL scalar, in order, and gives how to locate
 * each: locating walks the YAML from its root, so it runs only for a placeholder that is reported
 * (done for every placeholder, it grew with tools × tools).
 */
function occurrenceLocator(reporter: Reporter, path: DocPath): (raw: string) => () => SourceLocation {
  const seen = new Map<string, number>();
  return (raw) => {
    const occurrence = seen.get(raw) ?? 0;
    seen.set(raw, occurrence + 1);
    return () => locateInScalar(reporter.doc, path, raw, occurrence);
  };
}

/** A ClickHouse type for a param of this JSON type, for hints. */
function suggestedType(param: ParamIR | undefined): string {
  switch (param ? declaredType(param.schema) : undefined) {
    case 'integer':
      return 'Int64';
    case 'number':
      return 'Float64';
    case 'boolean':
      return 'Bool';
    case 'string':
      return param?.schema.format === 'date' ? 'Date' : 'String';
    default:
      return 'String';
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

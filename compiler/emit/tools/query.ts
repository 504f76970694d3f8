import type { CodeBlockWriter, WriterFunction } from 'ts-morph';
import { tsTypeOf } from '../../../runtime/contract/clickhouse-json.js';
import type { BindingIR, ColumnIR, QueryToolIR, StreamToolIR } from '../../analyze/ir.js';
import { camelCase, constant, escapeDoc, jsDoc, propertyName, templateLiteral, value, writeObject, type Entry } from '../typescript-writer.js';
import { accessEntries, commonEntries, type ToolWriter } from './writer.js';

/**
 * `kind: query` as generated code: an interface of the validated arguments, the SQL laid out as
 * the engine formats it, and the tool declared with `mcpc.queryTool`, whose type-check proves
 * that `bind` reads only declared params.
 */
export const writeQueryTool: ToolWriter<QueryToolIR> = (tool) => {
  const statements: WriterFunction[] = [];
  const argsType = tool.params.length > 0 ? `${tool.identifier}Params` : undefined;
  if (argsType) statements.push(paramsInterface(tool, argsType));
  const rowType = tool.columns ? `${tool.identifier}Row` : undefined;
  if (tool.columns && rowType) statements.push(rowInterface(tool, tool.columns, rowType));
  const generics = rowType ? `<${argsType ?? 'Record<string, never>'}, ${rowType}>` : argsType ? `<${argsType}>` : '';
  const sqlConstant = `${camelCase(tool.identifier)}Sql`;
  statements.push(
    constant(`The SQL of \`${tool.name}\`, proven at build time to be one SELECT.`, `const ${sqlConstant} = `, (w) => w.write(templateLiteral(tool.sql))),
  );
  const variable = `${camelCase(tool.identifier)}Tool`;
  statements.push(
    constant(escapeDoc(tool.description), `export const ${variable} = mcpc.queryTool${generics}(`, (w) => {
      writeObject(w, [
        ...commonEntries(tool),
        ...accessEntries(tool),
        ['inputSchema', value(tool.inputSchema)],
        ...(tool.columns ? [['columns', value(tool.columns)] as Entry] : []),
        ['sql', (x) => x.write(sqlConstant)],
        ...(tool.bindings.length === 0 ? [] : [['bind', (x) => writeBind(x, tool.bindings)] as Entry]),
        ...(Object.keys(tool.emptyInputs).length === 0 ? [] : [['emptyInputs', value(tool.emptyInputs)] as Entry]),
        ...(tool.columns && tool.bindings.length > 0 ? [['samples', value(Object.fromEntries(tool.bindings.map((b) => [b.param, b.sample])))] as Entry] : []),
        ...(tool.key ? [['key', value(tool.key)] as Entry] : []),
      ]);
      w.write(')');
    }),
  );
  return { statements, variable };
};

/** The interface of one row of the result, each field typed as the runtime returns its ClickHouse type. */
export function rowInterface(tool: QueryToolIR | StreamToolIR, columns: readonly ColumnIR[], name: string): WriterFunction {
  return (w) => {
    jsDoc(w, `One row of what tool \`${tool.name}\` returns.`);
    w.write(`export interface ${name} `).inlineBlock(() => {
      columns.forEach((column, index) => {
        w.conditionalNewLine(index > 0);
        w.write(`${propertyName(column.name)}: ${tsTypeOf(column.type)}; // ${column.type}`);
      });
    });
  };
}

/** The interface of the validated arguments, a JSDoc line on each param that has a description. */
export function paramsInterface(tool: QueryToolIR | StreamToolIR, name: string): WriterFunction {
  return (w) => {
    jsDoc(w, `Arguments of tool \`${tool.name}\` after validation, with defaults applied.`);
    w.write(`export interface ${name} `).inlineBlock(() => {
      tool.params.forEach((param, index) => {
        w.conditionalNewLine(index > 0);
        const description = param.schema.description;
        if (typeof description === 'string') jsDoc(w, escapeDoc(description));
        w.write(`${param.name}${param.required || param.schema.default !== undefined ? '' : '?'}: ${param.tsType};`);
      });
    });
  };
}

/** The query parameters of one call, each argument encoded for its ClickHouse type, one per line. */
export function writeBind(w: CodeBlockWriter, bindings: readonly BindingIR[]): void {
  w.write('(args) => (');
  writeObject(
    w,
    bindings.map((b): Entry => {
      const arg = `args.${b.param}`;
      const encoded = b.encoding === 'json' ? `JSON.stringify(${arg})` : b.encoding === 'epoch-seconds' ? `mcpc.toEpochSeconds(${arg})` : arg;
      return [b.param, (x) => x.write(encoded)];
    }),
  );
  w.write(')');
}

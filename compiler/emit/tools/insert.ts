import type { WriterFunction } from 'ts-morph';
import type { InsertToolIR, JsonSchema } from '../../analyze/ir.js';
import { tsTypeOf } from '../../analyze/params.js';
import { camelCase, constant, escapeDoc, jsDoc, propertyName, value, writeObject } from '../typescript-writer.js';
import { accessEntries, commonEntries, type ToolWriter } from './writer.js';

/**
 * `kind: insert` as generated code: the interface of one row it takes (each field typed as its
 * column reads it, optional where the column has a default), and the tool declared with
 * `mcpc.insertTool`, whose type-check proves that `columns` name exactly the row's fields.
 */
export const writeInsertTool: ToolWriter<InsertToolIR> = (tool) => {
  const statements: WriterFunction[] = [];
  const rowType = `${tool.identifier}Row`;
  const columns = tool.columns ?? [];
  statements.push(rowInterface(tool, rowType));
  const variable = `${camelCase(tool.identifier)}Tool`;
  statements.push(
    constant(escapeDoc(tool.description), `export const ${variable} = mcpc.insertTool<${rowType}>(`, (w) => {
      writeObject(w, [
        ...commonEntries(tool),
        ['writes', value(tool.writes)],
        ...accessEntries(tool),
        ['table', value(tool.table)],
        ['columns', value(columns.map((c) => ({ name: c.name, type: c.type })))],
        ['maxRows', value(tool.maxRows)],
        ['inputSchema', value(tool.inputSchema)],
      ]);
      w.write(')');
    }),
  );
  return { statements, variable };
};

/** One row the tool takes: a field per column, typed as the input schema reads it. */
function rowInterface(tool: InsertToolIR, name: string): WriterFunction {
  const rows = (tool.inputSchema.properties as Record<string, JsonSchema>).rows!;
  const row = rows.items as JsonSchema;
  const properties = (row.properties as Record<string, JsonSchema> | undefined) ?? {};
  const required = new Set((row.required as string[] | undefined) ?? []);
  const table = tool.table.database === undefined ? tool.table.name : `${tool.table.database}.${tool.table.name}`;
  return (w) => {
    jsDoc(w, `One row that tool \`${tool.name}\` inserts into ${table}.`);
    w.write(`export interface ${name} `).inlineBlock(() => {
      (tool.columns ?? []).forEach((column, index) => {
        w.conditionalNewLine(index > 0);
        const schema = properties[column.name] ?? {};
        w.write(
          `${propertyName(column.name)}${required.has(column.name) ? '' : '?'}: ${tsTypeOf(schema)}; // ${column.type}${column.hasDefault ? ' (has a default)' : ''}`,
        );
      });
    });
  };
}

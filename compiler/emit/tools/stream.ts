import type { WriterFunction } from 'ts-morph';
import type { StreamToolIR } from '../../analyze/ir.js';
import { camelCase, constant, escapeDoc, templateLiteral, value, writeObject, type Entry } from '../typescript-writer.js';
import { paramsInterface, rowInterface, writeBind } from './query.js';
import { accessEntries, commonEntries, type ToolWriter } from './writer.js';

/**
 * `kind: stream` as generated code: the interfaces of its arguments and rows, the SQL of its first
 * page and of a page after a cursor (its SQL resumed after the key, which ClickHouse matches
 * against the table's primary key), and the tool declared with `mcpc.streamTool`.
 */
export const writeStreamTool: ToolWriter<StreamToolIR> = (tool) => {
  const { key, columns } = tool;
  if (!key || !columns) throw new Error(`mcpc internal error: stream tool '${tool.name}' reached emit without its key`);
  const statements: WriterFunction[] = [];
  const argsType = `${tool.identifier}Params`;
  statements.push(paramsInterface(tool, argsType));
  const rowType = `${tool.identifier}Row`;
  statements.push(rowInterface(tool, columns, rowType));
  const base = camelCase(tool.identifier);
  statements.push(
    constant(
      `The SQL of \`${tool.name}\`, proven at build time to be one SELECT; each page is this SQL resumed after the last row's ${key.map((k) => k.name).join(', ')}.`,
      `const ${base}Sql = `,
      (w) => w.write(templateLiteral(tool.sql)),
    ),
  );
  const variable = `${base}Tool`;
  statements.push(
    constant(escapeDoc(tool.description), `export const ${variable} = mcpc.streamTool<${argsType}, ${rowType}>(`, (w) => {
      writeObject(w, [
        ...commonEntries(tool),
        ...accessEntries(tool),
        ['inputSchema', value(tool.inputSchema)],
        ['columns', value(columns)],
        ['key', value(key)],
        ['sql', (x) => x.write(`${base}Sql`)],
        ...(tool.bindings.length === 0 ? [] : [['bind', (x) => writeBind(x, tool.bindings)] as Entry]),
        ...(Object.keys(tool.emptyInputs).length === 0 ? [] : [['emptyInputs', value(tool.emptyInputs)] as Entry]),
        ...(tool.columns && tool.bindings.length > 0 ? [['samples', value(Object.fromEntries(tool.bindings.map((b) => [b.param, b.sample])))] as Entry] : []),
        ['batchSize', value(tool.batchSize)],
        ['maxLatencyMs', value(tool.maxLatencyMs)],
        ['maxRows', value(tool.maxRows)],
      ]);
      w.write(')');
    }),
  );
  return { statements, variable };
};

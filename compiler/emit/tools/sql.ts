import type { WriterFunction } from 'ts-morph';
import type { SqlToolIR } from '../../analyze/ir.js';
import { camelCase, constant, escapeDoc, value, writeObject } from '../typescript-writer.js';
import { commonEntries, type ToolWriter } from './writer.js';

/**
 * `kind: sql` as generated code: the tool declared with `mcpc.sqlTool`, with the tables its
 * agent may read and the catalog (its source's DDL) its guard checks the agent's SQL against.
 */
export const writeSqlTool: ToolWriter<SqlToolIR> = (tool) => {
  if (!tool.tables || !tool.catalog) throw new Error(`mcpc internal error: sql tool '${tool.name}' reached emit without its catalog`);
  const statements: WriterFunction[] = [];
  const catalogConstant = `${camelCase(tool.identifier)}Catalog`;
  statements.push(
    constant(
      `The DDL of source \`${tool.source}\` that the guard of \`${tool.name}\` loads, with no data, to check the agent's SQL against.`,
      `const ${catalogConstant} = `,
      value(tool.catalog),
    ),
  );
  const variable = `${camelCase(tool.identifier)}Tool`;
  statements.push(
    constant(escapeDoc(tool.description), `export const ${variable} = mcpc.sqlTool(`, (w) => {
      writeObject(w, [
        ...commonEntries(tool),
        ['access', value(tool.access)],
        ['inputSchema', value(tool.inputSchema)],
        ['maxSqlLength', value(tool.maxSqlLength)],
        ['limits', value(tool.limits)],
        ['tables', value(tool.tables)],
        ['catalog', (x) => x.write(catalogConstant)],
      ]);
      w.write(')');
    }),
  );
  return { statements, variable };
};

import type { ToolIR } from '../../analyze/ir.js';
import { writeInsertTool } from './insert.js';
import { writeQueryTool } from './query.js';
import { writeSqlTool } from './sql.js';
import { writeStreamTool } from './stream.js';
import type { ToolWriter, WrittenTool } from './writer.js';

/** The writer of each tool kind, by kind: the one dispatch point of emit. */
const WRITERS: { [K in ToolIR['kind']]: ToolWriter<Extract<ToolIR, { kind: K }>> } = {
  query: writeQueryTool,
  insert: writeInsertTool,
  stream: writeStreamTool,
  sql: writeSqlTool,
};

export function writeTool(tool: ToolIR): WrittenTool {
  return (WRITERS[tool.kind] as ToolWriter<ToolIR>)(tool);
}

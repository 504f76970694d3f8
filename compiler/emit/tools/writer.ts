import type { StatementStructures, WriterFunction } from 'ts-morph';
import type { ToolIR } from '../../analyze/ir.js';

/** A tool's declarations in `server.ts`, and the variable that holds its spec. */
export interface WrittenTool {
  statements: Array<StatementStructures | WriterFunction>;
  variable: string;
}

/** Writes the generated code of one tool kind. */
export type ToolWriter<Tool extends ToolIR> = (tool: Tool) => WrittenTool;

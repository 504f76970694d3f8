import type { WriterFunction } from 'ts-morph';
import type { ToolIR } from '../../analyze/ir.js';

/** A tool's declarations in `server.ts`, and the variable that holds its spec. */
export interface WrittenTool {
  statements: WriterFunction[];
  variable: string;
}

/** Writes the generated code of one tool kind. */
export type ToolWriter<Tool extends ToolIR> = (tool: Tool) => WrittenTool;

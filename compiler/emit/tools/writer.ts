import type { WriterFunction } from 'ts-morph';
import type { AccessRule } from '../../../runtime/contract/spec.js';
import type { ToolIR } from '../../analyze/ir.js';
import { type Entry, value } from '../typescript-writer.js';

/** A tool's declarations in `server.ts`, and the variable that holds its spec. */
export interface WrittenTool {
  statements: WriterFunction[];
  variable: string;
}

/** Writes the generated code of one tool kind. */
export type ToolWriter<Tool extends ToolIR> = (tool: Tool) => WrittenTool;

/** The entries every tool's spec starts with, whatever its kind, in the same order. */
export function commonEntries(tool: ToolIR): Entry[] {
  return [
    ['name', value(tool.name)],
    ...(tool.title === undefined ? [] : [['title', value(tool.title)] as Entry]),
    ['description', value(tool.description)],
    ['source', value(tool.source)],
    ['reads', value(tool.reads)],
    ...budgetEntries(tool),
  ];
}

/** The budget class a tool or pipeline takes from, when it has one. */
export function budgetEntries(tool: { budget?: string }): Entry[] {
  return tool.budget === undefined ? [] : [['budget', value(tool.budget)]];
}

/** Who may see and call a tool or pipeline: its access level, and the scopes it requires when any. */
export function accessEntries(rule: AccessRule): Entry[] {
  return [['access', value(rule.access)], ...(rule.scopes === undefined ? [] : [['scopes', value(rule.scopes)] as Entry])];
}

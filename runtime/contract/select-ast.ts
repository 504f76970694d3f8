/**
 * What a SELECT run by mcpc must not contain, read from the engine's own `EXPLAIN AST` dump: the
 * compiler proves declared SQL with it, the runtime's SQL guard the SQL an agent writes. The AST
 * is the engine's reading of the text, so no second parser of ours can disagree with it.
 */

/** A clause the server controls itself: the output format, where results go, and settings. */
export type ForbiddenClause = 'FORMAT' | 'INTO OUTFILE' | 'SETTINGS';

export type AstRefusal =
  /** The statement is not a SELECT (nor a WITH ... SELECT); `root` is the AST's node for it. */
  | { problem: 'not-select'; root: string }
  /** A forbidden clause at any depth (a subquery's SETTINGS too); `detail` is the format's name. */
  | { problem: 'forbidden-clause'; clause: ForbiddenClause; detail: string };

/** Looks for what a SELECT must not contain in the lines of `EXPLAIN AST`; undefined when there is nothing. */
export function refusedByAst(lines: readonly string[]): AstRefusal | undefined {
  const root = lines[0] ?? '';
  if (!root.startsWith('SelectWithUnionQuery')) return { problem: 'not-select', root: root.split(' ')[0] || 'something else' };
  for (const line of lines.slice(1)) {
    const depth = line.length - line.trimStart().length;
    const node = line.trim();
    // Direct children of the root besides the union list are `FORMAT x` or `INTO OUTFILE 'f'`.
    if (depth === 1 && node.startsWith('Identifier ')) return { problem: 'forbidden-clause', clause: 'FORMAT', detail: ` ${node.slice('Identifier '.length)}` };
    if (depth === 1 && node.startsWith('Literal ')) return { problem: 'forbidden-clause', clause: 'INTO OUTFILE', detail: '' };
    if (node === 'Set') return { problem: 'forbidden-clause', clause: 'SETTINGS', detail: '' };
  }
  return undefined;
}

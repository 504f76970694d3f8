import { withEmptyInputs } from './contract/empty-inputs.js';
import type { ResultColumnSpec, ToolSpec } from './contract/spec.js';
import { ToolFailure } from './errors.js';
import { log } from './log.js';
import type { Source } from './sources/source.js';
import { engineErrorCode, sanitize } from './tools/query-errors.js';

/** Who the drift check's queries are from, in a ClickHouse server's query log. */
const DRIFT_CALLER = 'mcpc:drift-check';

/** What the drift check found: tools whose SQL the live source no longer serves as built, and when it looked. */
export interface DriftReport {
  checked_at: string | null;
  /** Tool name → what changed under it. */
  tools: Record<string, string>;
}

/**
 * Checks, against the live sources, that each typed tool's SQL still returns the columns and
 * types it was built with: the engine describes the SQL (bound to the samples the build used),
 * so a dropped column, a renamed table or a changed type is found before a caller meets a
 * confusing engine error. A broken tool answers SCHEMA.DRIFT until a check finds it whole again.
 * Runs at start and then every `intervalS` seconds (0: at start only).
 */
export class DriftWatch {
  private broken = new Map<string, string>();
  private checkedAt: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The check running now: a tick that comes while it runs is skipped, so no two checks overlap. */
  private running: Promise<void> | undefined;

  constructor(
    private readonly tools: readonly ToolSpec[],
    private readonly sourceOf: (name: string) => Source | undefined,
  ) {}

  start(intervalS: number): void {
    const tick = () => {
      this.running ??= this.check().finally(() => {
        this.running = undefined;
      });
    };
    tick();
    if (intervalS > 0) {
      this.timer = setInterval(tick, intervalS * 1000);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Checks every typed tool now; a source that cannot be reached leaves its tools as they were. */
  async check(): Promise<void> {
    const found = new Map(this.broken);
    for (const tool of this.tools) {
      if ((tool.kind !== 'query' && tool.kind !== 'stream') || !tool.columns) continue;
      const source = this.sourceOf(tool.source);
      if (!source) continue;
      let live: ResultColumnSpec[];
      try {
        // The build's samples leave list arguments empty, so format() over them reads as the empty table of its structure, as a call with [] does.
        const sql = tool.emptyInputs ? withEmptyInputs(tool.sql, Object.values(tool.emptyInputs)) : tool.sql;
        live = (
          await source.select({ sql: `DESCRIBE (${sql})`, params: { ...(tool.samples ?? {}) }, queryId: `mcpc-drift-${tool.name}`, caller: DRIFT_CALLER })
        ).map((row) => ({
          name: String(row.name),
          type: String(row.type),
        }));
      } catch (error) {
        // The engine refused the SQL itself (a table or column gone): that is drift. Anything else (the source down) is not.
        if (engineErrorCode(error) !== undefined) found.set(tool.name, sanitize(`${(error as Error).message}`));
        continue;
      }
      const problem = compareColumns(tool.columns, live);
      if (problem) found.set(tool.name, problem);
      else found.delete(tool.name);
    }
    for (const [name, problem] of found) if (this.broken.get(name) !== problem) log.warn('schema drift breaks a tool', { tool: name, problem });
    for (const name of this.broken.keys()) if (!found.has(name)) log.info('schema drift resolved', { tool: name });
    this.broken = found;
    this.checkedAt = new Date().toISOString();
  }

  /** Refuses a call to a tool that drift broke, saying what changed. */
  assertWhole(tool: string): void {
    const problem = this.broken.get(tool);
    if (problem !== undefined) {
      throw new ToolFailure(
        'SCHEMA.DRIFT',
        `the tables behind '${tool}' changed since the server was built (${problem}); the server must be rebuilt against the new schema`,
      );
    }
  }

  get report(): DriftReport {
    return { checked_at: this.checkedAt, tools: Object.fromEntries(this.broken) };
  }
}

/** What differs between the columns a tool was built with and those its SQL returns now; undefined when none. */
function compareColumns(built: readonly ResultColumnSpec[], live: readonly ResultColumnSpec[]): string | undefined {
  const now = new Map(live.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const column of built) {
    const type = now.get(column.name);
    if (type === undefined) problems.push(`column '${column.name}' is gone`);
    else if (type !== column.type) problems.push(`column '${column.name}' is ${type}, built as ${column.type}`);
  }
  for (const column of live) if (!built.some((c) => c.name === column.name)) problems.push(`column '${column.name}' is new`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

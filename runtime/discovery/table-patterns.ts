import { randomUUID } from 'node:crypto';
import type { ResourcePatternSpec, ResourceSpec } from '../contract/spec.js';
import { log } from '../log.js';
import type { Source } from '../sources/source.js';

/** Who discovery's queries are from, in a ClickHouse server's query log. */
const DISCOVERY_CALLER = 'mcpc:discovery';

/** Seconds between looks for tables when `server.discovery_s` does not say. */
export const DEFAULT_DISCOVERY_S = 30;

// Declared text, the pattern bound as a parameter: nothing a table's name holds reaches the SQL.
const IN_DATABASE = 'SELECT name FROM system.tables WHERE database = {database:String} AND name LIKE {pattern:String} ORDER BY name';
const IN_CURRENT_DATABASE = 'SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE {pattern:String} ORDER BY name';

/** A table pattern (`*`: any run of characters) as a LIKE pattern: LIKE's own `%`, `_` and `\` are escaped. */
function likePattern(tablePattern: string): string {
  return tablePattern.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
}

/**
 * The tables that match each `table_pattern` resource, looked for in `system.tables` of its
 * source at start and every `discovery_s` seconds. Each table found is a resource of its own
 * (`<pattern uri>/<table>`) with the pattern's access rule; a table that goes leaves the list.
 * A source that cannot be asked keeps the tables it had. `generation` grows with each change,
 * so views built over an older list are rebuilt.
 */
export class TableDiscovery {
  private found = new Map<string, ResourceSpec>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private failing = new Set<string>();
  generation = 0;

  constructor(
    private readonly patterns: readonly ResourcePatternSpec[],
    private readonly sourceOf: (name: string) => Source | undefined,
    private readonly intervalS: number,
  ) {}

  /** The tables found, as resources, in URI order. */
  get resources(): readonly ResourceSpec[] {
    return [...this.found.values()];
  }

  resource(uri: string): ResourceSpec | undefined {
    return this.found.get(uri);
  }

  /** Looks every `intervalS` seconds (after a first `check`), calling `onChange` when the tables found change. */
  start(onChange: () => void): void {
    if (this.patterns.length === 0 || this.intervalS <= 0) return;
    this.timer = setInterval(() => {
      void this.check().then((changed) => {
        if (changed) onChange();
      });
    }, this.intervalS * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Looks now; true when the tables found changed. A look that comes while one runs shares it. */
  check(): Promise<boolean> {
    this.running ??= this.look().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async look(): Promise<boolean> {
    const next = new Map<string, ResourceSpec>();
    for (const pattern of this.patterns) {
      const tables = await this.tablesOf(pattern);
      if (tables === undefined) {
        for (const [uri, resource] of this.found) if (uri.startsWith(`${pattern.uri}/`)) next.set(uri, resource);
        continue;
      }
      for (const table of tables) {
        const resource = discovered(pattern, table);
        next.set(resource.uri, resource);
      }
    }
    const sorted = new Map([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const changed = sorted.size !== this.found.size || [...sorted.keys()].some((uri) => !this.found.has(uri));
    if (changed) {
      const before = this.found;
      this.found = sorted;
      this.generation++;
      const added = [...sorted.keys()].filter((uri) => !before.has(uri));
      const removed = [...before.keys()].filter((uri) => !sorted.has(uri));
      log.info('tables discovered', { added, removed });
    }
    return changed;
  }

  private async tablesOf(pattern: ResourcePatternSpec): Promise<string[] | undefined> {
    const source = this.sourceOf(pattern.source);
    if (!source) return undefined;
    try {
      const rows = await source.select({
        sql: pattern.database === undefined ? IN_CURRENT_DATABASE : IN_DATABASE,
        params: { pattern: likePattern(pattern.tablePattern), ...(pattern.database === undefined ? {} : { database: pattern.database }) },
        queryId: randomUUID(),
        caller: DISCOVERY_CALLER,
      });
      this.failing.delete(pattern.name);
      return rows.map((row) => String(row.name));
    } catch (error) {
      // Said once per outage, not at every look.
      if (!this.failing.has(pattern.name)) {
        this.failing.add(pattern.name);
        log.warn('cannot look for tables; the tables found before stay listed', {
          resource: pattern.name,
          source: pattern.source,
          error: (error as Error).message,
        });
      }
      return undefined;
    }
  }
}

/** A table found under a pattern, as a resource with the pattern's access rule. */
function discovered(pattern: ResourcePatternSpec, table: string): ResourceSpec {
  return {
    name: `${pattern.name}/${table}`,
    uri: `${pattern.uri}/${encodeURIComponent(table)}`,
    source: pattern.source,
    ...(pattern.database === undefined ? {} : { database: pattern.database }),
    table,
    ...(pattern.description === undefined ? {} : { description: pattern.description }),
    access: pattern.access,
    ...(pattern.scopes === undefined ? {} : { scopes: pattern.scopes }),
  };
}

import { stringify } from 'yaml';
import { quoteIdentifier } from '../../runtime/contract/sql-text.js';
import type { LiveTable } from './live-source.js';

/** How the scaffolded pipeline reaches its source: as written in its `sources` section. */
export type ScaffoldSource = { url: string } | { embedded: string };

/**
 * A starter pipeline for live tables (`mcpc init`): the source with `schema:` the introspected DDL,
 * a resource per table (authenticated: a newcomer's first server must not show production data to
 * anonymous callers by default) and a query tool per table that reads its first rows in sorting-key
 * order. It builds as is; it is meant to be edited.
 */
export function scaffoldPipeline(tables: readonly LiveTable[], options: { name: string; source: ScaffoldSource; schemaFile: string }): string {
  const names = new Names();
  const resources: Record<string, unknown> = {};
  const tools: Record<string, unknown> = {};
  for (const table of tables) {
    const resource = names.unique(identifier(table.name));
    resources[resource] = {
      source: 'warehouse',
      ...(table.database === 'default' ? {} : { database: table.database }),
      table: table.name,
      description: `Table ${table.database}.${table.name} (${table.engine})`,
      access: 'authenticated',
    };
    const from = table.database === 'default' ? quoteIdentifier(table.name) : `${quoteIdentifier(table.database)}.${quoteIdentifier(table.name)}`;
    const columns = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
    const order = table.sortingKey.length > 0 ? `\nORDER BY ${table.sortingKey.join(', ')}` : '';
    tools[names.unique(`${resource}_rows`)] = {
      kind: 'query',
      description: `The first rows of ${table.name}${table.sortingKey.length > 0 ? `, in ${table.sortingKey.join(', ')} order` : ''}: ${table.columns.map((c) => c.name).join(', ')}`,
      reads: [resource],
      params: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'How many rows' } },
      sql: `SELECT ${columns}\nFROM ${from}${order}\nLIMIT {limit:UInt32}\n`,
    };
  }
  const source =
    'url' in options.source
      ? {
          kind: 'clickhouse',
          url: `\${env:CLICKHOUSE_URL:-${options.source.url}}`,
          username: '${env:CLICKHOUSE_USER:-default}',
          password: '${secret:CLICKHOUSE_PASSWORD}',
        }
      : { kind: 'clickhouse', embedded: options.source.embedded };
  const document = {
    mcpc: 1,
    server: { name: options.name, version: '0.1.0', description: `Tables of ${options.name}, served to agents` },
    sources: { warehouse: { ...source, schema: options.schemaFile } },
    resources,
    tools,
  };
  const header = [
    `# Scaffolded by mcpc init: a resource per table (authenticated: only callers with credentials see`,
    '# them) and a starter query tool each. Describe the tools for the agents that will choose them,',
    '# open to anonymous callers only what may be public, and run `mcpc check` after each edit.',
  ].join('\n');
  return `${header}\n${stringify(document, { lineWidth: 0 })}`;
}

/** A table name as a pipeline identifier: letters, digits and underscores, not starting with a digit. */
function identifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 58);
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `t_${cleaned}`;
}

/** Names not yet taken: a second table whose name cleans to the same identifier gets a suffix. */
class Names {
  private readonly taken = new Set<string>();
  unique(name: string): string {
    let candidate = name;
    for (let n = 2; this.taken.has(candidate); n++) candidate = `${name}_${n}`;
    this.taken.add(candidate);
    return candidate;
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { quoteIdentifier, quoteString } from '../../runtime/contract/sql-text.js';

/** Where a live source is: a ClickHouse server over HTTP, or an embedded data directory. */
export type LiveConnection = { url: string; username: string; password: string } | { embedded: string };

/** A table (or view, or dictionary) of a live source, as the engine describes it. */
export interface LiveTable {
  database: string;
  name: string;
  engine: string;
  /** The CREATE statement the engine keeps for it. */
  ddl: string;
  /** The columns of its sorting key, in order (empty for views and tables without one). */
  sortingKey: string[];
  columns: Array<{ name: string; type: string }>;
}

/** Which tables to read: one database (else every database but the engine's own), and a name pattern with `*`. */
export interface LiveFilter {
  database?: string;
  tables?: string;
}

/** Databases that are the engine's own, never a pipeline's schema. */
const ENGINE_DATABASES = ['system', 'INFORMATION_SCHEMA', 'information_schema'];

/**
 * The tables of a live source, with their DDL and columns. An embedded directory is read in a child
 * process (one process holds one embedded directory at a time, and the compiler's own engine may be
 * open in this one; a running server holds it too: stop it first). Throws with the engine's first line.
 */
export async function readLiveTables(connection: LiveConnection, filter: LiveFilter = {}): Promise<LiveTable[]> {
  const where = [
    filter.database === undefined ? `database NOT IN (${ENGINE_DATABASES.map(quoteString).join(', ')})` : `database = ${quoteString(filter.database)}`,
    ...(filter.tables === undefined ? [] : [`name LIKE ${quoteString(filter.tables.replace(/[%_\\]/g, '\\$&').replace(/\*/g, '%'))}`]),
  ];
  const tablesQuery = `SELECT database, name, engine, create_table_query AS ddl, sorting_key FROM system.tables
    WHERE ${where.join(' AND ')} AND NOT is_temporary AND name NOT LIKE '.inner%' ORDER BY database, name`;
  const columnsQuery = `SELECT database, table, name, type FROM system.columns
    WHERE ${where.map((w) => w.replace(/^name /, 'table ')).join(' AND ')} ORDER BY database, table, position`;
  const [tables, columns] = await Promise.all([
    rows<{ database: string; name: string; engine: string; ddl: string; sorting_key: string }>(connection, tablesQuery),
    rows<{ database: string; table: string; name: string; type: string }>(connection, columnsQuery),
  ]);
  return tables.map((t) => ({
    database: t.database,
    name: t.name,
    engine: t.engine,
    ddl: t.ddl,
    sortingKey: t.sorting_key === '' ? [] : t.sorting_key.split(',').map((k) => k.trim()),
    columns: columns.filter((c) => c.database === t.database && c.table === t.name).map((c) => ({ name: c.name, type: c.type })),
  }));
}

/** The DDL of live tables as one schema file the build-time catalog reads: databases other than `default` created first. */
export function schemaText(tables: readonly LiveTable[]): string {
  const databases = [...new Set(tables.map((t) => t.database))].filter((d) => d !== 'default');
  const statements = [
    ...databases.map((d) => `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(d)}`),
    ...tables.filter((t) => t.ddl.trim() !== '').map((t) => t.ddl),
  ];
  return `${statements.join(';\n\n')};\n`;
}

async function rows<Row>(connection: LiveConnection, query: string): Promise<Row[]> {
  if ('url' in connection) {
    const { createClient } = await import('@clickhouse/client');
    const client = createClient(connection);
    try {
      return await (await client.query({ query, format: 'JSONEachRow' })).json<Row>();
    } finally {
      await client.close();
    }
  }
  // chDB would create a missing directory, and every table would look dropped.
  if (!existsSync(connection.embedded)) throw new Error(`there is no embedded data at ${connection.embedded}`);
  const chdb = pathToFileURL(createRequire(import.meta.url).resolve('chdb')).href;
  const script = `const { Session } = await import(${JSON.stringify(chdb)});
    const session = new Session(process.argv[1]);
    try { process.stdout.write(session.query(process.argv[2] + ' FORMAT JSONEachRow')); } finally { session.close(); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, connection.embedded, query], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  if (child.status !== 0) {
    const reason = child.stderr.split('\n').find((line) => /Exception|Error/.test(line)) ?? child.stderr.trim().split('\n')[0] ?? `exit ${child.status}`;
    throw new Error(`the embedded data directory ${connection.embedded} cannot be opened (a running server holds it: stop it first): ${reason.trim()}`);
  }
  return child.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
}

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, resolveConfigText } from '../../runtime/contract/config-text.js';
import { quoteIdentifier, quoteString } from '../../runtime/contract/sql-text.js';
import type { SourceIR } from '../analyze/ir.js';

/** The tables of the databases a source serves, as the live source describes them now. */
export type LiveDdl = { ddl: string; tables: number } | { problem: string };

/** Databases that are the engine's own, never a pipeline's schema. */
const ENGINE_DATABASES = ['system', 'INFORMATION_SCHEMA', 'information_schema'];

/**
 * The live DDL of a source: every table, view and dictionary of its databases, as `CREATE`
 * statements the build-time catalog reads (a database other than `default` is created first).
 * An embedded source is opened at its data directory (which a running server holds: stop it
 * first); a source with a URL is asked over HTTP with its credentials.
 */
export async function liveDdl(source: SourceIR, pipelineFile: string, env: NodeJS.ProcessEnv): Promise<LiveDdl> {
  const where = `source '${source.name}'`;
  const environment = { env, ...(env.MCPC_SECRETS_DIR ? { secretsDir: env.MCPC_SECRETS_DIR } : {}) };
  let url: string;
  try {
    url = source.url ? resolveConfigText(source.url, `${where} url`, environment) : '';
  } catch (error) {
    if (error instanceof ConfigError) return { problem: error.message };
    throw error;
  }
  const query = `SELECT database, name, create_table_query AS ddl FROM system.tables
    WHERE database NOT IN (${ENGINE_DATABASES.map(quoteString).join(', ')}) AND NOT is_temporary AND name NOT LIKE '.inner%'
    ORDER BY database, name`;
  let rows: Array<{ database: string; name: string; ddl: string }>;
  try {
    if (url !== '') {
      const { createClient } = await import('@clickhouse/client');
      const client = createClient({
        url,
        username: source.username ? resolveConfigText(source.username, `${where} username`, environment) : 'default',
        password: source.password ? resolveConfigText(source.password, `${where} password`, environment) : '',
      });
      try {
        rows = await (await client.query({ query, format: 'JSONEachRow' })).json();
      } finally {
        await client.close();
      }
    } else {
      const path = resolve(dirname(pipelineFile), resolveConfigText(source.embedded, `${where} embedded`, environment));
      // chDB would create a missing directory, and every table would look dropped.
      if (!existsSync(path)) return { problem: `${where} has no embedded data at ${path} yet (start its server once to seed it)` };
      rows = embeddedRows(path, query);
    }
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    return { problem: `${where} cannot be read now: ${message}` };
  }
  const databases = [...new Set(rows.map((r) => r.database))].filter((d) => d !== 'default');
  const statements = [
    ...databases.map((d) => `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(d)}`),
    ...rows.filter((r) => r.ddl.trim() !== '').map((r) => r.ddl),
  ];
  return { ddl: `${statements.join(';\n\n')};\n`, tables: rows.length };
}

/**
 * Rows of a query on an embedded data directory, read in a child process: one process holds one
 * embedded directory at a time, and the compiler's own engine is already open in this one.
 */
function embeddedRows(path: string, query: string): Array<{ database: string; name: string; ddl: string }> {
  const chdb = pathToFileURL(createRequire(import.meta.url).resolve('chdb')).href;
  const script = `const { Session } = await import(${JSON.stringify(chdb)});
    const session = new Session(process.argv[1]);
    try { process.stdout.write(session.query(process.argv[2] + ' FORMAT JSONEachRow')); } finally { session.close(); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, path, query], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  if (child.status !== 0) {
    const reason = child.stderr.split('\n').find((line) => /Exception|Error/.test(line)) ?? child.stderr.trim().split('\n')[0] ?? `exit ${child.status}`;
    throw new Error(`the embedded data directory ${path} cannot be opened (a running server holds it: stop it first): ${reason.trim()}`);
  }
  return child.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { database: string; name: string; ddl: string });
}

import { DDL_LOAD_SETTINGS } from '../../../runtime/contract/catalog-load.js';
import { quoteIdentifier, quoteString } from '../../../runtime/contract/sql-text.js';
import type { Session } from 'chdb';
import { engineMessage } from '../engine-message.js';
import { readBatchFacts, type QueryFacts } from '../../../runtime/contract/query-tree.js';

/** A table as the catalog knows it. */
export interface CatalogTable {
  database: string;
  name: string;
  engine: string;
  /** The engine with its arguments and settings, as `system.tables.engine_full` gives it. */
  engineFull: string;
  columns: CatalogColumn[];
}

interface CatalogColumn {
  name: string;
  type: string;
  comment: string;
  /** '' or DEFAULT, MATERIALIZED, ALIAS, EPHEMERAL. */
  defaultKind: string;
}

/** A query to analyze, with a sample value for each of its placeholders. */
export interface QueryToAnalyze {
  sql: string;
  samples: Record<string, unknown>;
}

export type Analysis = { ok: true; facts: QueryFacts } | { ok: false; message: string };

export const SYSTEM_DATABASES = new Set(['system', 'INFORMATION_SCHEMA', 'information_schema']);
/** Subqueries per EXPLAIN: each costs ~0.8 ms in a batch against ~1.8 ms alone (the engine's per-query overhead). */
const BATCH_SIZE = 50;
/** Well under the engine's 256 KiB query size. */
const BATCH_BYTES = 128 * 1024;

/**
 * The build-time catalog's engine: the compiler's in-process ClickHouse (no data, no server),
 * loaded with one source's DDL at a time, and asked what each tool's SQL returns and reads.
 */
export class CatalogEngine {
  constructor(private readonly session: Session) {}

  /**
   * Empties the engine and makes `database` the current one, ready for a source's DDL. DDL runs
   * with reads cut to one row: `CREATE TABLE ... AS SELECT` and `POPULATE` bring no data (a
   * build must not pay for a large seed), yet every statement still runs as the engine reads it.
   */
  async reset(database: string): Promise<void> {
    const databases = await this.rows<{ name: string; engine: string }>('SELECT name, engine FROM system.databases');
    for (const { name } of databases) {
      if (SYSTEM_DATABASES.has(name)) continue;
      if (name === 'default') await this.emptyDefault();
      else await this.session.queryAsync(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} SYNC`);
    }
    for (const setting of DDL_LOAD_SETTINGS) await this.session.queryAsync(`SET ${setting}`);
    await this.session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
    await this.session.queryAsync(`USE ${quoteIdentifier(database)}`);
  }

  /** Runs one DDL statement; the engine's message when it refuses it. */
  async load(statement: string): Promise<string | undefined> {
    try {
      await this.session.queryAsync(statement);
      return undefined;
    } catch (error) {
      return engineMessage(error);
    }
  }

  /** Every table, view and dictionary the loaded DDL created, with its columns. */
  async tables(): Promise<CatalogTable[]> {
    const columns = await this.rows<{ database: string; table: string; name: string; type: string; comment: string; defaultKind: string }>(
      `SELECT database, table, name, type, comment, default_kind AS defaultKind FROM system.columns WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY database, table, position`,
    );
    const tables = await this.rows<{ database: string; name: string; engine: string; engineFull: string }>(
      `SELECT database, name, engine, engine_full AS engineFull FROM system.tables WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') AND NOT is_temporary ORDER BY database, name`,
    );
    return tables.map((t) => ({
      ...t,
      columns: columns
        .filter((c) => c.database === t.database && c.table === t.name)
        .map(({ name, type, comment, defaultKind }) => ({ name, type, comment, defaultKind })),
    }));
  }

  /** The columns of a table outside the loaded DDL (the engine's own `system` tables), if it exists. */
  async systemTable(database: string, name: string): Promise<CatalogTable | undefined> {
    const columns = await this.rows<CatalogColumn>(
      `SELECT name, type, comment, default_kind AS defaultKind FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(name)} ORDER BY position`,
    );
    return columns.length === 0 ? undefined : { database, name, engine: 'System', engineFull: 'System', columns };
  }

  /**
   * What each query returns and reads, in as few engine queries as possible: queries whose
   * placeholders agree go into one `EXPLAIN QUERY TREE` of a cross join of them all. When a batch
   * fails, it is split until the failing queries stand alone, each with the engine's own message.
   */
  async analyze(queries: readonly QueryToAnalyze[]): Promise<Analysis[]> {
    const results: Analysis[] = new Array(queries.length);
    for (const batch of batchesOf(queries)) await this.analyzeBatch(queries, batch, results);
    return results;
  }

  private async analyzeBatch(queries: readonly QueryToAnalyze[], indexes: number[], results: Analysis[]): Promise<void> {
    const samples: Record<string, unknown> = {};
    for (const index of indexes) Object.assign(samples, queries[index]!.samples);
    const text = `EXPLAIN QUERY TREE passes = 1 SELECT 1 FROM ${indexes.map((index, n) => `(${queries[index]!.sql}) AS s${n}`).join(' CROSS JOIN ')}`;
    let facts: QueryFacts[];
    try {
      facts = readBatchFacts((await this.session.queryBindAsync(text, samples, { format: 'TSVRaw' })).text());
    } catch (error) {
      if (indexes.length === 1) {
        results[indexes[0]!] = { ok: false, message: engineMessage(error) };
        return;
      }
      const half = Math.ceil(indexes.length / 2);
      await this.analyzeBatch(queries, indexes.slice(0, half), results);
      await this.analyzeBatch(queries, indexes.slice(half), results);
      return;
    }
    for (const [n, index] of indexes.entries()) {
      const found = facts[n]!;
      // A UNION's columns take a common supertype the tree does not spell out: ask for them alone.
      results[index] = { ok: true, facts: found.columns ? found : { ...found, columns: await this.describe(queries[index]!) } };
    }
  }

  private async describe(query: QueryToAnalyze): Promise<Array<{ name: string; type: string }>> {
    const rows = (await this.session.queryBindAsync(`DESCRIBE (${query.sql})`, query.samples, { format: 'JSONEachRow' })).text();
    return rows
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const { name, type } = JSON.parse(line) as { name: string; type: string };
        return { name, type };
      });
  }

  private async emptyDefault(): Promise<void> {
    // Views and dictionaries may depend on tables, so drop until nothing more can be dropped.
    for (let round = 0; round < 5; round++) {
      const left = await this.rows<{ name: string; engine: string }>("SELECT name, engine FROM system.tables WHERE database = 'default'");
      if (left.length === 0) return;
      for (const { name, engine } of left) {
        const kind = engine === 'Dictionary' ? 'DICTIONARY' : 'TABLE';
        await this.session.queryAsync(`DROP ${kind} IF EXISTS default.${quoteIdentifier(name)} SYNC`).catch(() => undefined);
      }
    }
  }

  private async rows<T>(sql: string): Promise<T[]> {
    const text = (await this.session.queryAsync(sql, { format: 'JSONEachRow' })).text();
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as T);
  }
}

/** Groups queries so each batch binds every placeholder name to one value, within size bounds. */
function batchesOf(queries: readonly QueryToAnalyze[]): number[][] {
  const batches: Array<{ indexes: number[]; samples: Map<string, string>; bytes: number }> = [];
  queries.forEach((query, index) => {
    const signature = Object.entries(query.samples).map(([name, value]) => [name, JSON.stringify(value)] as const);
    const fits = batches.find(
      (batch) =>
        batch.indexes.length < BATCH_SIZE &&
        batch.bytes + query.sql.length < BATCH_BYTES &&
        signature.every(([name, value]) => !batch.samples.has(name) || batch.samples.get(name) === value),
    );
    const batch = fits ?? { indexes: [], samples: new Map<string, string>(), bytes: 0 };
    if (!fits) batches.push(batch);
    batch.indexes.push(index);
    batch.bytes += query.sql.length;
    for (const [name, value] of signature) batch.samples.set(name, value);
  });
  return batches.map((batch) => batch.indexes);
}

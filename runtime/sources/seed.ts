import type { ClickHouseClient } from '@clickhouse/client';
import { splitStatements } from '../contract/sql-text.js';
import { StartupError } from '../errors.js';
import { log } from '../log.js';
import { sanitize } from '../tools/query-errors.js';
import { readSeedRecord, seedHash, writeSeedRecord } from './seed-record.js';

export interface SeedOptions {
  source: string;
  /** The embedded data directory, where the record of the last seed is kept. */
  dataDir: string;
  /** The database the writer uses, for the record and messages. */
  database: string;
  /** `file`: the user's seed file (for messages); `sql`: its text, as built. */
  seed: { file: string; sql: string };
  /** Drop every table of the database first, and seed again (`--reseed`). */
  reseed: boolean;
}

/**
 * Seeds the database when it has no tables, or after dropping them all when asked to reseed, and
 * records the seed's hash. On a database seeded before, warns once when the seed file has changed
 * since, as the server keeps serving the old seed's data.
 */
export async function seedDatabase(writer: ClickHouseClient, options: SeedOptions): Promise<void> {
  const { source, database, dataDir, seed } = options;
  let tables = await listTables(writer);
  if (options.reseed && tables.length > 0) {
    await dropTables(writer, tables).catch((error: unknown) => {
      throw new StartupError(
        `source '${source}': --reseed could not drop every table of database '${database}' at ${dataDir}: ${sanitize((error as Error).message)}; ` +
          'drop what is left by hand, or remove the data directory, and start again',
      );
    });
    log.info('dropped every table to seed again (--reseed)', { source, database, tables: tables.length });
    tables = [];
  }
  const hash = seedHash(seed.sql);
  if (tables.length === 0) {
    const statements = await runSeed(writer, options);
    log.info('seeded embedded database', { source, seed: seed.file, statements, tables: (await listTables(writer)).length });
    try {
      writeSeedRecord(dataDir, database, { sha256: hash, seeded_at: new Date().toISOString(), file: seed.file });
    } catch (error) {
      log.warn('could not record the seed; a later change of the seed file will go unnoticed', { source, error: (error as Error).message });
    }
    return;
  }
  const record = readSeedRecord(dataDir, database);
  if (record !== undefined && record.sha256 !== hash) {
    log.warn(
      `source '${source}': seed file ${seed.file} changed since database '${database}' at ${dataDir} was seeded (${record.seeded_at}); ` +
        'the server serves the data of the old seed. To seed again from the file, start the server with --reseed (or `mcpc dev --reseed`), ' +
        'which drops every table of that database first',
      { source, seed: seed.file, seeded_at: record.seeded_at },
    );
  }
}

/**
 * Runs the seed one statement at a time, so a failure names its line. A seed that fails leaves no
 * half-seeded database behind (which would count as seeded and never be seeded again): the
 * tables it created are dropped. Returns how many statements ran.
 */
async function runSeed(writer: ClickHouseClient, { source, seed }: SeedOptions): Promise<number> {
  const statements = splitStatements(seed.sql);
  for (const statement of statements) {
    try {
      await writer.command({ query: statement.text });
    } catch (error) {
      await dropTables(writer, await listTables(writer)).catch(() => undefined);
      throw new StartupError(
        `source '${source}': seed file ${seed.file}:${statement.line}: ${sanitize((error as Error).message)}; ` +
          'nothing of the seed was kept: fix the file and start again',
      );
    }
  }
  return statements.length;
}

interface Table {
  name: string;
  engine: string;
}

async function listTables(writer: ClickHouseClient): Promise<Table[]> {
  const result = await writer.query({
    query: 'SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary',
    format: 'JSONEachRow',
  });
  return result.json<Table>();
}

/**
 * Drops every given table, view and dictionary. The engine refuses to drop what others depend on
 * (a table a dictionary reads), so dictionaries and views go first, and what is still refused is
 * tried again after the rest, until a round drops nothing.
 */
async function dropTables(writer: ClickHouseClient, tables: Table[]): Promise<void> {
  const rank = (t: Table) => (t.engine === 'Dictionary' ? 0 : t.engine.endsWith('View') ? 1 : 2);
  let left = [...tables].sort((a, b) => rank(a) - rank(b));
  while (left.length > 0) {
    const refused: Table[] = [];
    let lastError: unknown;
    for (const table of left) {
      const kind = table.engine === 'Dictionary' ? 'DICTIONARY' : 'TABLE';
      try {
        // SYNC: the name and the data go now, not after the Atomic engine's delay.
        await writer.command({ query: `DROP ${kind} IF EXISTS {name:Identifier} SYNC`, query_params: { name: table.name } });
      } catch (error) {
        refused.push(table);
        lastError = error;
      }
    }
    if (refused.length === left.length) throw lastError;
    left = refused;
  }
}

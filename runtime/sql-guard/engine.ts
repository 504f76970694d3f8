import type { Session } from 'chdb';
import { DDL_LOAD_SETTINGS } from '../contract/catalog-load.js';
import type { SqlCatalogSpec } from '../contract/spec.js';
import { quoteIdentifier } from '../contract/sql-text.js';

/**
 * The SQL guard's engine: an in-process ClickHouse (chDB) of its own, in a temporary directory,
 * holding a source's DDL and no data. It runs in the guard's own process (runtime/sql-guard/
 * worker.ts), because chDB binds one data directory per process and the server's embedded source
 * holds its own; and it must hold no data, because the engine's analyzer runs scalar subqueries
 * while it resolves a query (checked on chDB 26.7: `EXPLAIN QUERY TREE` of
 * `SELECT (SELECT any(x) FROM secret)` shows the row), so a query explained against real tables
 * could leak a row through an error message before any check refused it.
 */
export class GuardEngine {
  private constructor(
    /** Formats and parses; it resolves no name and runs nothing. */
    private readonly parser: Session,
    /** Resolves query trees against the catalog, locked with readonly=1. */
    private readonly analyzer: Session,
  ) {}

  /**
   * Opens the engine and loads the catalog. Two sessions share it: the parser, and the analyzer,
   * locked with readonly=1 so that nothing it evaluates while resolving a tree can write, read a
   * file or a URL through a table function, or change a setting. (The parser is not locked:
   * `EXPLAIN AST` applies a query's own SETTINGS clause, and under readonly=1 a SETTINGS clause
   * would fail there as a setting change instead of being refused as a clause.)
   */
  static async open(catalog: SqlCatalogSpec): Promise<GuardEngine> {
    const { Session: ChdbSession } = await import('chdb');
    const parser = new ChdbSession();
    let analyzer: Session | undefined;
    try {
      for (const setting of DDL_LOAD_SETTINGS) await parser.queryAsync(`SET ${setting}`);
      await parser.queryAsync(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(catalog.database)}`);
      await parser.queryAsync(`USE ${quoteIdentifier(catalog.database)}`);
      for (const statement of catalog.ddl) await parser.queryAsync(statement);
      analyzer = new ChdbSession(parser.path);
      await analyzer.queryAsync(`USE ${quoteIdentifier(catalog.database)}`);
      await analyzer.queryAsync('SET readonly = 1');
    } catch (error) {
      analyzer?.close();
      parser.close();
      throw error;
    }
    return new GuardEngine(parser, analyzer);
  }

  /**
   * The engine's canonical one-line text of `text`: comments dropped, keywords in upper case. The
   * engine refuses a text of several statements (code 62), which chDB would otherwise run one
   * after another. The text is bound as a parameter, never spliced.
   */
  async canonical(text: string): Promise<string> {
    const result = await this.parser.queryBindAsync('SELECT formatQuerySingleLine({q:String})', { q: text }, { format: 'TSVRaw' });
    return result.text().replace(/\n$/, '');
  }

  /** The engine's AST of a canonical text, one node a line, indented by depth. */
  async ast(canonical: string): Promise<string[]> {
    return (await this.parser.queryAsync(`EXPLAIN AST ${canonical}`, { format: 'TSVRaw' })).text().split('\n');
  }

  /** The query tree after name resolution (`runtime/contract/query-tree.ts` reads it). */
  async tree(canonical: string): Promise<string> {
    return (await this.analyzer.queryAsync(`EXPLAIN QUERY TREE passes = 1 ${canonical}`, { format: 'TSVRaw' })).text();
  }

  close(): void {
    this.analyzer.close();
    this.parser.close();
  }
}

import { unmappedTypes } from '../../../runtime/contract/clickhouse-json.js';
import { splitStatements } from '../../../runtime/contract/sql-text.js';
import type { DocPath, SourceLocation } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../diagnostics/reporter.js';
import { didYouMean } from '../../diagnostics/suggest.js';
import { findWordInScalar } from '../../parse/source-document.js';
import { isLiteral } from '../config-text.js';
import type { InsertToolIR, QueryToolIR, ResourceIR, SourceIR, SqlToolIR, StreamToolIR, ToolIR } from '../ir.js';
import type { SqlChecker } from '../sql-checker.js';
import { withColumns } from '../tools/index.js';
import { typedInsertTool } from '../tools/insert.js';
import { typedSqlTool } from '../tools/sql.js';
import { type Analysis, type CatalogTable, CatalogEngine, SYSTEM_DATABASES } from './engine.js';
import type { QueryFacts } from '../../../runtime/contract/query-tree.js';
import { SELF_CONTAINED_TABLE_FUNCTIONS, splitQualified, tablesRead } from '../../../runtime/contract/table-reads.js';

/** What the catalog learned about the tools and resources of one pipeline. */
export interface CatalogResult {
  tools: ToolIR[];
  /** Columns of each resource's table, by resource name, where the source has a schema. */
  resourceColumns: Map<string, Array<{ name: string; type: string; comment: string }>>;
}

/**
 * The build-time catalog: each source's DDL (its `schema` files, or else its seed's CREATE
 * statements) loaded into the compiler's engine, with no data and no server, and every tool's SQL
 * resolved against it by ClickHouse itself. It finds the columns and types each tool returns,
 * unknown tables and columns (with the engine's words), tables a tool reads but does not
 * declare, and table functions that reach outside the database.
 */
export async function applyCatalog(reporter: Reporter, sql: SqlChecker, sources: SourceIR[], resources: ResourceIR[], tools: ToolIR[]): Promise<CatalogResult> {
  const engine = new CatalogEngine(sql.session);
  const resourceColumns = new Map<string, Array<{ name: string; type: string; comment: string }>>();
  const described = new Map<string, ToolIR>();
  for (const source of sources) {
    const database = source.database && isLiteral(source.database) && source.database.join('') !== '' ? source.database.join('') : 'default';
    const ddl = ddlOf(source);
    await engine.reset(database);
    for (const statement of ddl) {
      const refusal = await engine.load(statement.text);
      if (refusal !== undefined) {
        reporter.error('MCPC_CATALOG_DDL_INVALID', statement.at, `schema of source '${source.name}': ${refusal}`, {
          at: { file: statement.file, line: statement.line, col: 1 },
        });
      }
    }
    const tables = await engine.tables();
    const hasCatalog = ddl.length > 0;
    const own = resources.filter((r) => r.source === source.name);
    const tablesOfResources = new Map<string, CatalogTable>();
    for (const resource of own) {
      const resourceDatabase = resource.database ?? database;
      const table = SYSTEM_DATABASES.has(resourceDatabase)
        ? await engine.systemTable(resourceDatabase, resource.table)
        : tables.find((t) => t.database === resourceDatabase && t.name === resource.table);
      if (table) {
        resourceColumns.set(
          resource.name,
          table.columns.map(({ name, type, comment }) => ({ name, type, comment })),
        );
        tablesOfResources.set(resource.name, table);
      } else if (hasCatalog) {
        reporter.error(
          'MCPC_CATALOG_UNKNOWN_TABLE',
          ['resources', resource.name, 'table'],
          `resource '${resource.name}' names table ${resource.database ?? database}.${resource.table}, which the schema of source '${source.name}' does not have${didYouMean(
            resource.table,
            tables.map((t) => t.name),
          )}`,
        );
      }
    }

    for (const tool of tools.filter((t): t is InsertToolIR => t.source === source.name && t.kind === 'insert')) {
      const table = tablesOfResources.get(tool.writes[0]!);
      if (table) {
        const typed = typedInsertTool(reporter, tool, table);
        if (typed) described.set(tool.name, typed);
      } else if (!hasCatalog) {
        reporter.error(
          'MCPC_INSERT_UNTYPED',
          [...tool.at, 'table'],
          `insert tool '${tool.name}' needs the columns of table ${tool.table.database ?? database}.${tool.table.name} at build time to check its rows, and source '${source.name}' has neither a schema nor a seed`,
          { hint: 'add schema: <file of CREATE TABLE statements> to the source' },
        );
      }
    }

    for (const tool of tools.filter((t): t is SqlToolIR => t.source === source.name && t.kind === 'sql')) {
      if (!hasCatalog) {
        reporter.error(
          'MCPC_SQL_TOOL_UNCATALOGED',
          tool.at,
          `sql tool '${tool.name}' needs the tables of source '${source.name}' at build time, to tell the agent what it may read and to check its SQL at run time, and the source has neither a schema nor a seed`,
          { part: 'key', hint: 'add schema: <file of CREATE TABLE statements> to the source' },
        );
        continue;
      }
      const typed = typedSqlTool(reporter, tool, {
        database,
        ddl: ddl.map((statement) => statement.text),
        tableOf: (resource) => tablesOfResources.get(resource.name),
        resources: own,
      });
      if (typed) described.set(tool.name, typed);
    }

    const sourceTools = tools.filter((t): t is QueryToolIR | StreamToolIR => t.source === source.name && (t.kind === 'query' || t.kind === 'stream'));
    const analyses = await engine.analyze(
      sourceTools.map((tool) => ({ sql: tool.sql, samples: Object.fromEntries(tool.bindings.map((b) => [b.param, b.sample])) })),
    );
    const skipped: string[] = [];
    sourceTools.forEach((tool, index) => {
      const analysis = analyses[index]!;
      if (!analysis.ok) {
        if (hasCatalog) reportRefusal(reporter, tool, analysis);
        else {
          skipped.push(tool.name);
          if (tool.kind === 'stream') {
            reporter.error(
              'MCPC_STREAM_UNTYPED',
              [...tool.at, 'sql'],
              `stream tool '${tool.name}' needs its result columns at build time to type its key, and source '${source.name}' has neither a schema nor a seed`,
              { hint: 'add schema: <file of CREATE TABLE statements> to the source' },
            );
          }
        }
        return;
      }
      if (checkReads(reporter, tool, analysis.facts, { database, own, tables })) {
        const columns = analysis.facts.columns ?? [];
        reportUntyped(reporter, tool, columns);
        const typed = withColumns(reporter, tool, columns);
        if (typed) described.set(tool.name, typed);
      }
    });
    // Without DDL, only a source whose tools and resources all resolve (table functions, system
    // tables) needs no catalog; the others are unknown at build time, which is worth a word.
    const undescribed = own.filter((r) => !resourceColumns.has(r.name));
    if (source.catalogFrom === 'none' && (skipped.length > 0 || undescribed.length > 0)) {
      const names =
        skipped.length > 0
          ? `; without it, the result columns of ${skipped.map((t) => `'${t}'`).join(', ')} are unknown and their SQL is not checked against tables`
          : '';
      reporter.warning(
        'MCPC_CATALOG_MISSING',
        ['sources', source.name],
        `source '${source.name}' has neither a schema nor a seed, so its tables are unknown at build time${names}`,
        { part: 'key', hint: 'add schema: <file of CREATE TABLE statements> to the source' },
      );
    }
  }
  return { tools: tools.map((tool) => described.get(tool.name) ?? tool), resourceColumns };
}

/** Columns whose type has no JSON Schema: served as `{}`, which a client can rely on for nothing. */
function reportUntyped(reporter: Reporter, tool: ToolIR, columns: ReadonlyArray<{ name: string; type: string }>): void {
  for (const column of columns) {
    const unmapped = unmappedTypes(column.type, 'output');
    if (unmapped.length === 0) continue;
    reporter.warning(
      'MCPC_RESULT_UNTYPED',
      [...tool.at, 'sql'],
      `column '${column.name}' of tool '${tool.name}' is ${column.type}; mcpc has no JSON Schema for ${[...new Set(unmapped)].join(', ')}, so clients see its values untyped`,
      { hint: `return it as text if clients need a type: toJSONString(${column.name}) AS ${column.name}, or toString(...)` },
    );
  }
}

interface DdlStatement {
  text: string;
  file: string;
  line: number;
  /** Where in the pipeline the file is named. */
  at: DocPath;
}

/** The DDL a source's catalog is built from: its schema files, or else the CREATE statements of its seed. */
function ddlOf(source: SourceIR): DdlStatement[] {
  if (source.schema) {
    return source.schema.flatMap((file) =>
      splitStatements(file.text).map((statement) => ({
        text: statement.text,
        file: file.shownAs,
        line: statement.line,
        at: ['sources', source.name, 'schema'],
      })),
    );
  }
  if (source.seed) {
    // Only the DDL: the seed's data is not needed to know the tables, and a large seed must not slow a build.
    return splitStatements(source.seed.sql)
      .filter((statement) => /^CREATE\b/i.test(statement.text))
      .map((statement) => ({ text: statement.text, file: source.seed!.shownAs, line: statement.line, at: ['sources', source.name, 'seed'] }));
  }
  return [];
}

/** An engine refusal of a tool's SQL, as a diagnostic at the name it is about. */
function reportRefusal(reporter: Reporter, tool: ToolIR, analysis: Analysis & { ok: false }): void {
  const sqlPath: DocPath = [...tool.at, 'sql'];
  const words = analysis.message.replace(/ in scope .*?(?=\. Maybe you meant|$)/s, '');
  const suggestion = /Maybe you meant:? \[?'?([^\]'?]+)'?\]?\??/.exec(words)?.[1];
  const text = words.replace(/\.? Maybe you meant.*$/s, '');
  const table = /Unknown table expression identifier '([^']+)'|Table (\S+) does not exist|Database (\S+) does not exist/.exec(text);
  const column = /Unknown expression identifier `([^`]+)`|Missing columns: '([^']+)'|There's no column '([^']+)'/.exec(text);
  const name = table?.slice(1).find(Boolean) ?? column?.slice(1).find(Boolean);
  const code = table ? 'MCPC_SQL_UNKNOWN_TABLE' : column ? 'MCPC_SQL_UNKNOWN_COLUMN' : 'MCPC_SQL_INVALID';
  const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion.replace(/^default\./, '')}'?)`;
  const where = name === undefined ? undefined : locateName(reporter, sqlPath, name.replace(/^default\./, ''));
  reporter.error(code, sqlPath, `SQL of tool '${tool.name}': ${text}${hint}`, where ? { at: where } : {});
}

/** Whether everything the tool reads is declared; reports each table or function that is not. */
function checkReads(reporter: Reporter, tool: ToolIR, facts: QueryFacts, scope: { database: string; own: ResourceIR[]; tables: CatalogTable[] }): boolean {
  const sqlPath: DocPath = [...tool.at, 'sql'];
  let ok = true;
  for (const fn of new Set(facts.tableFunctions)) {
    if (SELF_CONTAINED_TABLE_FUNCTIONS.has(fn)) continue;
    ok = false;
    reporter.error(
      'MCPC_SQL_EXTERNAL_READ',
      sqlPath,
      fn === 'view'
        ? `SQL of tool '${tool.name}' reads through table function view(), whose inner query the engine leaves unresolved, so the tables it reads cannot be checked; write the subquery itself (FROM (SELECT ...))`
        : `SQL of tool '${tool.name}' reads through table function ${fn}(), which reaches outside the database; a tool reads only the tables of its declared resources`,
      { ...optionalAt(locateName(reporter, sqlPath, fn)), hint: 'declare the table as a resource of a source, and read it by name' },
    );
  }
  for (const qualified of tablesRead(facts, scope.database)) {
    const [database, table] = splitQualified(qualified);
    const matching = scope.own.filter((r) => (r.database ?? scope.database) === database && r.table === table);
    if (matching.some((r) => tool.reads.includes(r.name))) continue;
    ok = false;
    const shown = database === scope.database ? table : qualified;
    const fix =
      matching.length > 0
        ? `add ${matching.map((r) => `'${r.name}'`).join(' or ')} to its reads`
        : `declare a resource for ${qualified} (resources: { <name>: { source: ${tool.source}, ${database === scope.database ? '' : `database: ${database}, `}table: ${table} } }) and add it to its reads`;
    reporter.error('MCPC_SQL_READS_UNDECLARED', sqlPath, `SQL of tool '${tool.name}' reads ${shown}, which no resource in its reads names; ${fix}`, {
      ...optionalAt(locateName(reporter, sqlPath, table)),
    });
  }
  return ok;
}

/** Where a name is written in the SQL scalar, when it is written there as such. */
function locateName(reporter: Reporter, sqlPath: DocPath, name: string): SourceLocation | undefined {
  return findWordInScalar(reporter.doc, sqlPath, name);
}

function optionalAt(at: SourceLocation | undefined): { at: SourceLocation } | Record<string, never> {
  return at ? { at } : {};
}

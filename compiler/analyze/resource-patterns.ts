import type { ResourcePatternSpec } from '../../runtime/contract/spec.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { PipelineFile } from '../validate/pipeline-file.js';
import { resourceAccess } from './sources.js';

/** What a pattern may hold: table-name characters and `*`. */
const PATTERN_TEXT = /^[A-Za-z0-9_.$-]*\*[A-Za-z0-9_.$*-]*$/;

/**
 * The resources that give `table_pattern` instead of `table`: checked here, served by the
 * runtime's discovery (runtime/discovery/), which lists each table that matches as a resource
 * of its own. A tool cannot read or write one: its tables are only known at run time, so no SQL
 * over them could be proven at build time. Also says when a resource gives neither or both.
 */
export function analyzeResourcePatterns(reporter: Reporter, file: PipelineFile): ResourcePatternSpec[] {
  const sourceNames = Object.keys(file.sources);
  const out: ResourcePatternSpec[] = [];
  for (const [name, section] of Object.entries(file.resources ?? {})) {
    if (section.table !== undefined && section.table_pattern !== undefined) {
      reporter.error(
        'MCPC_RESOURCE_TABLE',
        ['resources', name, 'table_pattern'],
        `resource '${name}' gives both table and table_pattern; it is one or the other`,
        {
          part: 'key',
          hint: 'keep table for one table, or table_pattern for the tables whose names match',
        },
      );
      continue;
    }
    if (section.table === undefined && section.table_pattern === undefined) {
      reporter.error(
        'MCPC_RESOURCE_TABLE',
        ['resources', name],
        `resource '${name}' names no table: give table (one table) or table_pattern (every table that matches)`,
        {
          part: 'key',
        },
      );
      continue;
    }
    const pattern = section.table_pattern;
    if (pattern === undefined) continue;
    let valid = true;
    if (!pattern.includes('*')) {
      reporter.error(
        'MCPC_PATTERN_INVALID',
        ['resources', name, 'table_pattern'],
        `table_pattern '${pattern}' of resource '${name}' has no '*', so it matches one table only`,
        {
          hint: `use table: ${pattern}, or add '*' where names vary (${pattern}_*)`,
        },
      );
      valid = false;
    } else if (!PATTERN_TEXT.test(pattern)) {
      reporter.error(
        'MCPC_PATTERN_INVALID',
        ['resources', name, 'table_pattern'],
        `table_pattern '${pattern}' of resource '${name}' holds characters a pattern cannot: letters, digits, '_', '.', '$', '-' and '*' (any run of characters)`,
      );
      valid = false;
    }
    if (!(section.source in file.sources)) {
      reporter.error(
        'MCPC_REF_UNKNOWN_SOURCE',
        ['resources', name, 'source'],
        `resource '${name}' names source '${section.source}', which is not defined${didYouMean(section.source, sourceNames)}`,
      );
      valid = false;
    }
    const access = resourceAccess(reporter, name, section);
    if (!valid) continue;
    out.push({
      name,
      uri: `mcpc://${file.server.name}/${name}`,
      source: section.source,
      ...(section.database === undefined ? {} : { database: section.database }),
      tablePattern: pattern,
      ...(section.description === undefined ? {} : { description: section.description }),
      ...access,
    });
  }
  refusePatternReads(reporter, file, new Set(Object.entries(file.resources ?? {}).flatMap(([name, s]) => (s.table_pattern === undefined ? [] : [name]))));
  return out;
}

/** A tool that reads or writes a pattern resource (the tool's own checks then skip it). */
function refusePatternReads(reporter: Reporter, file: PipelineFile, patterns: ReadonlySet<string>): void {
  if (patterns.size === 0) return;
  for (const [tool, section] of Object.entries(file.tools ?? {})) {
    for (const field of ['reads', 'writes'] as const) {
      const names = (section as { reads?: unknown; writes?: unknown })[field];
      if (!Array.isArray(names)) continue;
      for (const [index, resource] of names.entries()) {
        if (typeof resource !== 'string' || !patterns.has(resource)) continue;
        reporter.error(
          'MCPC_PATTERN_READ',
          ['tools', tool, field, index],
          `tool '${tool}' ${field} resource '${resource}', a table_pattern: its tables are found at run time, so the tool cannot be checked against them when the server is built`,
          { hint: `declare the table the tool needs as a resource with table:, or let agents read each table found through resources/read` },
        );
      }
    }
  }
}

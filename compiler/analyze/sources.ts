import type { Reporter } from '../diagnostics/reporter.js';
import type { PipelineFile, ResourceSection, SourceSection } from '../validate/pipeline-file.js';
import { isLiteral, parseConfigText } from './config-text.js';
import type { AccessRule, ConfigText } from '../../runtime/contract/spec.js';
import type { ResourceIR, SchemaFile, SourceIR } from './ir.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { resourceRoles } from './roles.js';

const DEFAULT_LIMITS = { maxRows: 10_000, maxBytes: 10 * 1024 * 1024, maxExecutionTimeS: 10, maxMemoryBytes: 1024 * 1024 * 1024 } as const;

/** A file the pipeline names, read: its text and its path as users see it (for diagnostics in it). */
export interface ReadFile {
  text: string;
  shownAs: string;
}

/** Reads a file named relative to the pipeline file; undefined when it does not exist. */
export type FileReader = (relativePath: string) => ReadFile | undefined;

export function analyzeSources(reporter: Reporter, file: PipelineFile, readFile: FileReader): SourceIR[] {
  return Object.entries(file.sources).map(([name, section]) => analyzeSource(reporter, file.server.name, name, section, readFile));
}

function analyzeSource(reporter: Reporter, serverName: string, name: string, section: SourceSection, readFile: FileReader): SourceIR {
  const at = ['sources', name];
  const text = (key: 'url' | 'username' | 'password' | 'database' | 'embedded'): ConfigText | undefined => {
    const value = section[key];
    if (value === undefined) return undefined;
    const parsed = parseConfigText(value);
    if (parsed.ok) return parsed.text;
    reporter.error('MCPC_INTERPOLATION_INVALID', [...at, key], parsed.message);
    return undefined;
  };
  const password = text('password');
  if (password && section.password !== '' && isLiteral(password)) {
    reporter.error(
      'MCPC_SECRET_LITERAL',
      [...at, 'password'],
      `the password of source '${name}' is written in the pipeline file, so it would end up in generated code and in version control`,
      {
        hint: 'use password: ${secret:CLICKHOUSE_PASSWORD} (from the environment or a secrets directory at start)',
      },
    );
  }
  const url = text('url');
  const username = text('username');
  const database = text('database');
  const embedded = text('embedded') ?? [`.mcpc/${serverName}/${name}`];
  const limits = section.limits ?? {};

  let seed: SourceIR['seed'];
  if (section.seed !== undefined) {
    const read = readFile(section.seed);
    if (read === undefined) {
      reporter.error(
        'MCPC_SEED_NOT_FOUND',
        [...at, 'seed'],
        `seed file '${section.seed}' of source '${name}' does not exist (paths are relative to the pipeline file)`,
      );
    } else {
      seed = { path: section.seed, shownAs: read.shownAs, fileName: `seed/${name}.sql`, sql: read.text };
    }
  }
  const schema: SchemaFile[] = [];
  const schemaPaths = section.schema === undefined ? [] : Array.isArray(section.schema) ? section.schema : [section.schema];
  for (const [index, path] of schemaPaths.entries()) {
    const read = readFile(path);
    if (read === undefined) {
      reporter.error(
        'MCPC_CATALOG_FILE_NOT_FOUND',
        Array.isArray(section.schema) ? [...at, 'schema', index] : [...at, 'schema'],
        `schema file '${path}' of source '${name}' does not exist (paths are relative to the pipeline file)`,
      );
    } else {
      schema.push({ path, ...read });
    }
  }
  return {
    name,
    ...(url ? { url } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(database ? { database } : {}),
    embedded,
    ...(seed ? { seed } : {}),
    ...(schemaPaths.length > 0 ? { schema } : {}),
    catalogFrom: section.schema !== undefined ? 'schema' : section.seed !== undefined ? 'seed' : 'none',
    limits: {
      maxRows: limits.max_rows ?? DEFAULT_LIMITS.maxRows,
      maxBytes: limits.max_bytes ?? DEFAULT_LIMITS.maxBytes,
      maxExecutionTimeS: limits.max_execution_time_s ?? DEFAULT_LIMITS.maxExecutionTimeS,
      maxMemoryBytes: limits.max_memory_bytes ?? DEFAULT_LIMITS.maxMemoryBytes,
    },
  };
}

export function analyzeResources(reporter: Reporter, file: PipelineFile): ResourceIR[] {
  const sourceNames = Object.keys(file.sources);
  const out: ResourceIR[] = [];
  const roles = resourceRoles(reporter, file);
  for (const [name, section] of Object.entries(file.resources ?? {})) {
    // A resource without one table is a table pattern, or a mistake: resource-patterns.ts says which.
    if (section.table === undefined || section.table_pattern !== undefined) continue;
    if (!(section.source in file.sources)) {
      reporter.error(
        'MCPC_REF_UNKNOWN_SOURCE',
        ['resources', name, 'source'],
        `resource '${name}' names source '${section.source}', which is not defined${didYouMean(section.source, sourceNames)}`,
      );
      continue;
    }
    const { access, scopes } = resourceAccess(reporter, name, section);
    out.push({
      name,
      uri: `mcpc://${file.server.name}/${name}`,
      source: section.source,
      ...(section.database === undefined ? {} : { database: section.database }),
      table: section.table,
      ...(section.description === undefined ? {} : { description: section.description }),
      access,
      ...(scopes === undefined ? {} : { scopes }),
      ...(roles.has(name) ? { role: roles.get(name)! } : {}),
    });
  }
  return out;
}

/** A resource's access rule: authenticated unless it says anonymous, and scopes only where they can mean something. */
export function resourceAccess(reporter: Reporter, name: string, section: ResourceSection): AccessRule {
  const access = section.access ?? 'authenticated';
  if (section.scopes !== undefined && access === 'anonymous') {
    reporter.error('MCPC_ACCESS_CONFLICT', ['resources', name, 'scopes'], `resource '${name}' is open to anonymous callers, so scopes cannot restrict it`, {
      part: 'key',
      hint: 'remove scopes, or make the resource access: authenticated',
    });
  }
  const scopes = access === 'authenticated' && section.scopes !== undefined && section.scopes.length > 0 ? [...new Set(section.scopes)].sort() : undefined;
  return { access, ...(scopes === undefined ? {} : { scopes }) };
}

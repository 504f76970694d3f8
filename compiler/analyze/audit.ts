import type { AuditSinkSpec, AuditSpec, ConfigText } from '../../runtime/contract/spec.js';
import type { Reporter } from '../diagnostics/reporter.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { AuditSection, PipelineFile } from '../validate/pipeline-file.js';
import { isLiteral, parseConfigText } from './config-text.js';

/** The size at which an audit file is rotated unless the pipeline says. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_TABLE = 'mcpc_audit';

/** Keys of `audit.sink` that belong to one kind only. */
const KEYS_OF: Record<AuditSinkSpec['kind'], readonly string[]> = {
  file: ['path', 'max_bytes'],
  clickhouse: ['url', 'table', 'username', 'password', 'database'],
};

/**
 * `audit:` in the runtime's terms. Misuse is a diagnostic: a key of the other kind of sink (it
 * would be ignored), a ClickHouse sink without its own server, a password written in the file,
 * `record_arguments` naming what the pipeline does not define.
 */
export function analyzeAudit(reporter: Reporter, file: PipelineFile): AuditSpec | undefined {
  const section = file.audit;
  if (section === undefined) return undefined;
  const at = ['audit', 'sink'];
  const { sink } = section;
  const config = (key: keyof AuditSection['sink'] | 'spool', raw: string | undefined, path: (string | number)[]): ConfigText | undefined => {
    if (raw === undefined) return undefined;
    const parsed = parseConfigText(raw);
    if (parsed.ok) return parsed.text;
    reporter.error('MCPC_INTERPOLATION_INVALID', path, `${key}: ${parsed.message}`);
    return undefined;
  };
  let ok = true;
  const other = sink.kind === 'file' ? 'clickhouse' : 'file';
  for (const key of KEYS_OF[other]) {
    if (sink[key as keyof typeof sink] === undefined) continue;
    ok = false;
    reporter.error('MCPC_AUDIT_SINK', [...at, key], `'${key}' belongs to an audit sink of kind ${other}, and this sink is kind ${sink.kind}`, {
      part: 'key',
      ...(sink.kind === 'clickhouse' && key === 'path'
        ? {
            hint: 'an audit table in the embedded engine would share the one chDB engine a process runs (one data directory per process) with the embedded sources, so it would not be apart from them; give the audit a ClickHouse server of its own (url), or use kind: file',
          }
        : {}),
    });
  }
  const spool = config('spool', section.spool, ['audit', 'spool']) ?? [`.mcpc/${file.server.name}/audit-spool`];
  const recordArguments = knownTools(reporter, file, section.record_arguments ?? []);
  if (sink.kind === 'file') {
    const path = config('path', sink.path, [...at, 'path']) ?? [`.mcpc/${file.server.name}/audit.jsonl`];
    return ok ? { sink: { kind: 'file', path, maxBytes: sink.max_bytes ?? DEFAULT_MAX_BYTES }, spool, recordArguments } : undefined;
  }
  const url = config('url', sink.url, [...at, 'url']);
  if (sink.url === undefined) {
    ok = false;
    reporter.error('MCPC_AUDIT_SINK', at, 'an audit sink of kind clickhouse needs the url of a ClickHouse server of its own', {
      part: 'key',
      hint: "add url: ${env:AUDIT_CLICKHOUSE_URL}; the audit never shares a source's connection, and the embedded engine cannot hold it apart from the sources",
    });
  }
  for (const [name, source] of Object.entries(file.sources)) {
    if (sink.url !== undefined && source.url === sink.url) {
      reporter.warning(
        'MCPC_AUDIT_SINK',
        [...at, 'url'],
        `the audit sink's url is the url of source '${name}': the audit would share the server whose reads it records`,
        {
          hint: 'give the audit a ClickHouse server of its own, so a flood of calls or an outage of the data cannot take the audit with it',
        },
      );
    }
  }
  const password = config('password', sink.password, [...at, 'password']);
  if (password && sink.password !== '' && isLiteral(password)) {
    ok = false;
    reporter.error(
      'MCPC_SECRET_LITERAL',
      [...at, 'password'],
      'the password of the audit sink is written in the pipeline file, so it would end up in generated code and in version control',
      {
        hint: 'use password: ${secret:AUDIT_CLICKHOUSE_PASSWORD}',
      },
    );
  }
  const username = config('username', sink.username, [...at, 'username']);
  const database = config('database', sink.database, [...at, 'database']);
  if (!ok || url === undefined) return undefined;
  return {
    sink: {
      kind: 'clickhouse',
      url,
      table: sink.table ?? DEFAULT_TABLE,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(database === undefined ? {} : { database }),
    },
    spool,
    recordArguments,
  };
}

/** The names of `record_arguments` that are tools or pipelines of this file; each other one is reported. */
function knownTools(reporter: Reporter, file: PipelineFile, names: readonly string[]): string[] {
  const defined = [...Object.keys(file.tools ?? {}), ...Object.keys(file.pipelines ?? {})];
  return names.filter((name, index) => {
    if (defined.includes(name)) return true;
    reporter.error(
      'MCPC_AUDIT_ARGUMENTS',
      ['audit', 'record_arguments', index],
      `audit.record_arguments names '${name}', which is not a tool or pipeline of this file${didYouMean(name, defined)}`,
    );
    return false;
  });
}

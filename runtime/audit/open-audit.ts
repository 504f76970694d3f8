import { resolve } from 'node:path';
import { type ConfigEnvironment, resolveConfigText } from '../contract/config-text.js';
import type { AuditSpec } from '../contract/spec.js';
import { StartupError } from '../errors.js';
import { AuditLog } from './audit-log.js';
import { ClickHouseSink } from './clickhouse-sink.js';
import { FileSink } from './file-sink.js';
import type { AuditSink } from './sink.js';
import { Spool } from './spool.js';
import { AuditTrail } from './trail.js';

/**
 * The audit of a server, from its pipeline's `audit:`: the sink (paths relative to the pipeline
 * file), the spool, and a first try at sending what an earlier run left spooled. The sink need not
 * be up: records spool until it is.
 */
export function openAudit(spec: AuditSpec, server: string, projectDir: string, environment: ConfigEnvironment): AuditTrail {
  const text = (value: Parameters<typeof resolveConfigText>[0], what: string) => resolveConfigText(value, `audit ${what}`, environment);
  let sink: AuditSink;
  if (spec.sink.kind === 'file') {
    sink = new FileSink(resolve(projectDir, text(spec.sink.path, 'sink path')), spec.sink.maxBytes);
  } else {
    const url = text(spec.sink.url, 'sink url');
    if (!URL.canParse(url))
      throw new StartupError('audit sink url is not a URL (it resolves empty or malformed): the audit needs a ClickHouse server of its own');
    const { username, password, database } = spec.sink;
    sink = new ClickHouseSink({
      url,
      table: spec.sink.table,
      ...(username === undefined ? {} : { username: text(username, 'sink username') }),
      ...(password === undefined ? {} : { password: text(password, 'sink password') }),
      ...(database === undefined ? {} : { database: text(database, 'sink database') }),
    });
  }
  const log = new AuditLog(sink, new Spool(resolve(projectDir, text(spec.spool, 'spool'))));
  log.start();
  return new AuditTrail(log, server, spec.recordArguments);
}

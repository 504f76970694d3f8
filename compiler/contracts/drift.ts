import { dirname, resolve } from 'node:path';
import { ConfigError, resolveConfigText } from '../../runtime/contract/config-text.js';
import type { SourceIR } from '../analyze/ir.js';
import { readLiveTables, schemaText, type LiveConnection } from './live-source.js';

/** The tables of a source as the live source describes them now, as DDL. */
export type LiveDdl = { ddl: string; tables: number } | { problem: string };

/**
 * The live DDL of a pipeline's source: every table, view and dictionary of its databases, as
 * `CREATE` statements the build-time catalog reads. An embedded source is opened at its data
 * directory (relative to the pipeline file); a source with a URL is asked with its credentials.
 */
export async function liveDdl(source: SourceIR, pipelineFile: string, env: NodeJS.ProcessEnv): Promise<LiveDdl> {
  const where = `source '${source.name}'`;
  const environment = { env, ...(env.MCPC_SECRETS_DIR ? { secretsDir: env.MCPC_SECRETS_DIR } : {}) };
  let connection: LiveConnection;
  try {
    const url = source.url ? resolveConfigText(source.url, `${where} url`, environment) : '';
    connection =
      url !== ''
        ? {
            url,
            username: source.username ? resolveConfigText(source.username, `${where} username`, environment) : 'default',
            password: source.password ? resolveConfigText(source.password, `${where} password`, environment) : '',
          }
        : { embedded: resolve(dirname(pipelineFile), resolveConfigText(source.embedded, `${where} embedded`, environment)) };
  } catch (error) {
    if (error instanceof ConfigError) return { problem: error.message };
    throw error;
  }
  try {
    const tables = await readLiveTables(connection);
    return { ddl: schemaText(tables), tables: tables.length };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const unseeded = message.startsWith('there is no embedded data');
    return { problem: `${where} cannot be read now: ${message}${unseeded ? ' (start its server once to seed it)' : ''}` };
  }
}
